// pub(crate) const MANAGE: &str = "Manage";
pub(crate) const SEND: &str = "Send";
pub(crate) const LISTEN: &str = "Listen";
