//! The AMQP 1.0 type system (part 1 of the specification): values, their encoding and decoding.

pub(crate) mod decimal;
pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod fields;
pub(crate) mod format_code;
pub(crate) mod value;
