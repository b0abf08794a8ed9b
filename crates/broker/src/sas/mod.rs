//! Shared access signatures: parsing, signing and checking tokens against a namespace's rules.
//!
//! A token is `SharedAccessSignature sr={resource}&sig={signature}&se={expiry}&skn={rule}`, with
//! URL-encoded values in any order. The signature is the base64 HMAC-SHA256, keyed with the
//! UTF-8 bytes of the rule's base64 key, of the URL-encoded resource, a newline and the expiry
//! in seconds since the Unix epoch.

mod authorize;
mod resource;
mod signature;
mod token;

pub use crate::entity::Right;
pub use authorize::{authorize, AuthError, Grant, UNAUTHORIZED_ACCESS};
pub use resource::ResourceUri;
pub use signature::{encode_resource, sign};
pub use token::{generate_token, SasToken, TokenError};
