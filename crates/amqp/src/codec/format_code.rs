//! Format codes of the AMQP 1.0 type system (part 1 of the specification).

use super::value::Value;

pub(crate) const DESCRIBED: u8 = 0x00;
pub(crate) const NULL: u8 = 0x40;
pub(crate) const TRUE: u8 = 0x41;
pub(crate) const FALSE: u8 = 0x42;
pub(crate) const UINT0: u8 = 0x43;
pub(crate) const ULONG0: u8 = 0x44;
pub(crate) const LIST0: u8 = 0x45;
pub(crate) const UBYTE: u8 = 0x50;
pub(crate) const BYTE: u8 = 0x51;
pub(crate) const SMALLUINT: u8 = 0x52;
pub(crate) const SMALLULONG: u8 = 0x53;
pub(crate) const SMALLINT: u8 = 0x54;
pub(crate) const SMALLLONG: u8 = 0x55;
pub(crate) const BOOLEAN: u8 = 0x56;
pub(crate) const USHORT: u8 = 0x60;
pub(crate) const SHORT: u8 = 0x61;
pub(crate) const UINT: u8 = 0x70;
pub(crate) const INT: u8 = 0x71;
pub(crate) const FLOAT: u8 = 0x72;
pub(crate) const CHAR: u8 = 0x73;
pub(crate) const DECIMAL32: u8 = 0x74;
pub(crate) const ULONG: u8 = 0x80;
pub(crate) const LONG: u8 = 0x81;
pub(crate) const DOUBLE: u8 = 0x82;
pub(crate) const TIMESTAMP: u8 = 0x83;
pub(crate) const DECIMAL64: u8 = 0x84;
pub(crate) const DECIMAL128: u8 = 0x94;
pub(crate) const UUID: u8 = 0x98;
pub(crate) const VBIN8: u8 = 0xa0;
pub(crate) const STR8: u8 = 0xa1;
pub(crate) const SYM8: u8 = 0xa3;
pub(crate) const VBIN32: u8 = 0xb0;
pub(crate) const STR32: u8 = 0xb1;
pub(crate) const SYM32: u8 = 0xb3;
pub(crate) const LIST8: u8 = 0xc0;
pub(crate) const MAP8: u8 = 0xc1;
pub(crate) const LIST32: u8 = 0xd0;
pub(crate) const MAP32: u8 = 0xd1;
pub(crate) const ARRAY8: u8 = 0xe0;
pub(crate) const ARRAY32: u8 = 0xf0;

/// Returns true when a format code encodes its value in zero bytes after the constructor.
pub(crate) fn is_zero_width(code: u8) -> bool {
    matches!(code, NULL | TRUE | FALSE | UINT0 | ULONG0 | LIST0)
}

/// Returns true when `value` can be written as an array element with format code `code`.
pub(crate) fn value_fits(code: u8, value: &Value) -> bool {
    match (code, value) {
        (NULL, Value::Null) => true,
        (TRUE, Value::Bool(true)) | (FALSE, Value::Bool(false)) | (BOOLEAN, Value::Bool(_)) => true,
        (UBYTE, Value::Ubyte(_)) | (BYTE, Value::Byte(_)) => true,
        (USHORT, Value::Ushort(_)) | (SHORT, Value::Short(_)) => true,
        (UINT, Value::Uint(_)) | (INT, Value::Int(_)) => true,
        (UINT0, Value::Uint(0)) | (ULONG0, Value::Ulong(0)) => true,
        (SMALLUINT, Value::Uint(v)) => *v <= 0xff,
        (SMALLULONG, Value::Ulong(v)) => *v <= 0xff,
        (SMALLINT, Value::Int(v)) => i8::try_from(*v).is_ok(),
        (SMALLLONG, Value::Long(v)) => i8::try_from(*v).is_ok(),
        (ULONG, Value::Ulong(_)) | (LONG, Value::Long(_)) => true,
        (FLOAT, Value::Float(_)) | (DOUBLE, Value::Double(_)) => true,
        (DECIMAL32, Value::Decimal32(_)) | (DECIMAL64, Value::Decimal64(_)) => true,
        (DECIMAL128, Value::Decimal128(_)) => true,
        (CHAR, Value::Char(_)) | (TIMESTAMP, Value::Timestamp(_)) | (UUID, Value::Uuid(_)) => true,
        (VBIN8, Value::Binary(b)) => b.len() <= 0xff,
        (STR8, Value::String(s)) => s.len() <= 0xff,
        (SYM8, Value::Symbol(s)) => s.0.len() <= 0xff,
        (VBIN32, Value::Binary(_)) | (STR32, Value::String(_)) | (SYM32, Value::Symbol(_)) => true,
        (LIST0, Value::List(items)) => items.is_empty(),
        (LIST32, Value::List(_)) | (MAP32, Value::Map(_)) | (ARRAY32, Value::Array(_)) => true,
        (LIST8, Value::List(_)) | (MAP8, Value::Map(_)) | (ARRAY8, Value::Array(_)) => {
            super::encode::fits_compound8(value)
        }
        _ => false,
    }
}
