//! Encoding of [`Value`]s, always in the smallest form the type system allows.
//!
//! One exception keeps peers that only parse sized lists working: an empty list is written as
//! `list8` (`c0 01 00`), never as `list0` (`45`).

use super::format_code::*;
use super::value::{Array, Descriptor, Value};

/// Appends the encoding of `value` to `out`.
pub(crate) fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(NULL),
        Value::Bool(true) => out.push(TRUE),
        Value::Bool(false) => out.push(FALSE),
        Value::Ubyte(v) => out.extend([UBYTE, *v]),
        Value::Ushort(v) => {
            out.push(USHORT);
            out.extend(v.to_be_bytes());
        }
        Value::Uint(v) => encode_uint(*v, out),
        Value::Ulong(v) => encode_ulong(*v, out),
        Value::Byte(v) => out.extend([BYTE, v.to_be_bytes()[0]]),
        Value::Short(v) => {
            out.push(SHORT);
            out.extend(v.to_be_bytes());
        }
        Value::Int(v) => match i8::try_from(*v) {
            Ok(small) => out.extend([SMALLINT, small.to_be_bytes()[0]]),
            Err(_) => {
                out.push(INT);
                out.extend(v.to_be_bytes());
            }
        },
        Value::Long(v) => match i8::try_from(*v) {
            Ok(small) => out.extend([SMALLLONG, small.to_be_bytes()[0]]),
            Err(_) => {
                out.push(LONG);
                out.extend(v.to_be_bytes());
            }
        },
        Value::Float(_)
        | Value::Double(_)
        | Value::Decimal32(_)
        | Value::Decimal64(_)
        | Value::Decimal128(_)
        | Value::Char(_)
        | Value::Timestamp(_)
        | Value::Uuid(_) => {
            let code = fixed_code(value);
            out.push(code);
            encode_element(code, value, out);
        }
        Value::Binary(bytes) => encode_variable(VBIN8, VBIN32, bytes, out),
        Value::String(text) => encode_variable(STR8, STR32, text.as_bytes(), out),
        Value::Symbol(symbol) => encode_variable(SYM8, SYM32, symbol.0.as_bytes(), out),
        Value::Described(described) => {
            out.push(DESCRIBED);
            encode_descriptor(&described.descriptor, out);
            encode_value(&described.value, out);
        }
        Value::List(items) => write_compound_in_place(LIST8, LIST32, items.len(), out, |out| {
            items.iter().for_each(|item| encode_value(item, out));
        }),
        Value::Map(pairs) => write_compound_in_place(MAP8, MAP32, pairs.len() * 2, out, |out| {
            for (key, value) in pairs {
                encode_value(key, out);
                encode_value(value, out);
            }
        }),
        Value::Array(array) => {
            let body = encode_array_body(array);
            write_compound(ARRAY8, ARRAY32, array.items().len(), &body, out);
        }
    }
}

/// Appends the encoding of a descriptor (a `ulong` or a `symbol`).
pub(crate) fn encode_descriptor(descriptor: &Descriptor, out: &mut Vec<u8>) {
    match descriptor {
        Descriptor::Code(code) => encode_ulong(*code, out),
        Descriptor::Symbol(symbol) => encode_variable(SYM8, SYM32, symbol.0.as_bytes(), out),
    }
}

/// Appends a described list whose fields are all written, as `list8` or `list32`.
///
/// Performatives use this so that peers reading fields by position find every field.
pub(crate) fn encode_described_list(code: u64, fields: &[Value], out: &mut Vec<u8>) {
    out.push(DESCRIBED);
    encode_ulong(code, out);
    write_compound_in_place(LIST8, LIST32, fields.len(), out, |out| {
        fields.iter().for_each(|field| encode_value(field, out));
    });
}

/// Returns true when a list, map or array fits the 8-bit size and count of its compound form.
pub(crate) fn fits_compound8(value: &Value) -> bool {
    let (count, body) = match value {
        Value::List(items) => (items.len(), encode_items(items.iter())),
        Value::Map(pairs) => (
            pairs.len() * 2,
            encode_items(pairs.iter().flat_map(|(k, v)| [k, v])),
        ),
        Value::Array(array) => (array.items().len(), encode_array_body(array)),
        _ => return false,
    };
    count <= 0xff && body.len() < 0xff
}

fn encode_uint(v: u32, out: &mut Vec<u8>) {
    if v == 0 {
        out.push(UINT0);
    } else if let Ok(small) = u8::try_from(v) {
        out.extend([SMALLUINT, small]);
    } else {
        out.push(UINT);
        out.extend(v.to_be_bytes());
    }
}

fn encode_ulong(v: u64, out: &mut Vec<u8>) {
    if v == 0 {
        out.push(ULONG0);
    } else if let Ok(small) = u8::try_from(v) {
        out.extend([SMALLULONG, small]);
    } else {
        out.push(ULONG);
        out.extend(v.to_be_bytes());
    }
}

fn fixed_code(value: &Value) -> u8 {
    match value {
        Value::Float(_) => FLOAT,
        Value::Double(_) => DOUBLE,
        Value::Decimal32(_) => DECIMAL32,
        Value::Decimal64(_) => DECIMAL64,
        Value::Decimal128(_) => DECIMAL128,
        Value::Char(_) => CHAR,
        Value::Timestamp(_) => TIMESTAMP,
        _ => UUID,
    }
}

/// Converts a length to the 32-bit size field.
///
/// Frames are at most 4 GiB, so nothing the engine sends can be longer; a longer value saturates.
fn len32(len: usize) -> [u8; 4] {
    u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes()
}

fn encode_variable(code8: u8, code32: u8, bytes: &[u8], out: &mut Vec<u8>) {
    match u8::try_from(bytes.len()) {
        Ok(len) => out.extend([code8, len]),
        Err(_) => {
            out.push(code32);
            out.extend(len32(bytes.len()));
        }
    }
    out.extend_from_slice(bytes);
}

fn encode_items<'a>(items: impl Iterator<Item = &'a Value>) -> Vec<u8> {
    let mut body = Vec::new();
    for item in items {
        encode_value(item, &mut body);
    }
    body
}

/// Writes the constructor (after any descriptor) and every element of an array.
fn encode_array_body(array: &Array) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(descriptor) = array.descriptor() {
        body.push(DESCRIBED);
        encode_descriptor(descriptor, &mut body);
    }
    body.push(array.element_code());
    for item in array.items() {
        encode_element(array.element_code(), item, &mut body);
    }
    body
}

/// Writes the size, count and body of a list, map or array, in the 8-bit form when both fit.
fn write_compound(code8: u8, code32: u8, count: usize, body: &[u8], out: &mut Vec<u8>) {
    match (u8::try_from(count), u8::try_from(body.len() + 1)) {
        (Ok(count8), Ok(size8)) => out.extend([code8, size8, count8]),
        _ => {
            out.push(code32);
            out.extend(len32(body.len() + 4));
            out.extend(len32(count));
        }
    }
    out.extend_from_slice(body);
}

/// Writes a list or map whose body `write_body` appends straight to `out`: in the 8-bit form
/// when the count and size fit, which is then filled in, and moved into the 32-bit form
/// otherwise. The bytes are those of [`write_compound`] without building the body apart.
fn write_compound_in_place(
    code8: u8,
    code32: u8,
    count: usize,
    out: &mut Vec<u8>,
    write_body: impl FnOnce(&mut Vec<u8>),
) {
    let start = out.len();
    out.extend([code8, 0, 0]);
    write_body(out);
    let body_len = out.len() - start - 3;
    match (u8::try_from(count), u8::try_from(body_len + 1)) {
        (Ok(count8), Ok(size8)) => {
            out[start + 1] = size8;
            out[start + 2] = count8;
        }
        _ => {
            let body = out.split_off(start + 3);
            out.truncate(start);
            write_compound(code8, code32, count, &body, out);
        }
    }
}

/// Writes the same compound in the width that `code` fixes (8-bit or 32-bit).
fn write_compound_fixed(code: u8, count: usize, body: &[u8], out: &mut Vec<u8>) {
    if matches!(code, LIST8 | MAP8 | ARRAY8) {
        // `Array::new` checked that the 8-bit form fits.
        out.push(u8::try_from(body.len() + 1).unwrap_or(u8::MAX));
        out.push(u8::try_from(count).unwrap_or(u8::MAX));
    } else {
        out.extend(len32(body.len() + 4));
        out.extend(len32(count));
    }
    out.extend_from_slice(body);
}

/// Appends the bytes of `value` that follow the constructor `code`.
///
/// [`Array::new`] guarantees that every element fits its array's code, so a mismatch here writes
/// nothing rather than failing.
fn encode_element(code: u8, value: &Value, out: &mut Vec<u8>) {
    match (code, value) {
        (BOOLEAN, Value::Bool(b)) => out.push(u8::from(*b)),
        (UBYTE, Value::Ubyte(v)) => out.push(*v),
        (BYTE, Value::Byte(v)) => out.extend(v.to_be_bytes()),
        (USHORT, Value::Ushort(v)) => out.extend(v.to_be_bytes()),
        (SHORT, Value::Short(v)) => out.extend(v.to_be_bytes()),
        (UINT, Value::Uint(v)) => out.extend(v.to_be_bytes()),
        (INT, Value::Int(v)) => out.extend(v.to_be_bytes()),
        (SMALLUINT, Value::Uint(v)) => out.push(u8::try_from(*v).unwrap_or(u8::MAX)),
        (SMALLULONG, Value::Ulong(v)) => out.push(u8::try_from(*v).unwrap_or(u8::MAX)),
        (SMALLINT, Value::Int(v)) => out.extend(i8::try_from(*v).unwrap_or(0).to_be_bytes()),
        (SMALLLONG, Value::Long(v)) => out.extend(i8::try_from(*v).unwrap_or(0).to_be_bytes()),
        (ULONG, Value::Ulong(v)) => out.extend(v.to_be_bytes()),
        (LONG, Value::Long(v)) => out.extend(v.to_be_bytes()),
        (FLOAT, Value::Float(v)) => out.extend(v.to_bits().to_be_bytes()),
        (DOUBLE, Value::Double(v)) => out.extend(v.to_bits().to_be_bytes()),
        (DECIMAL32, Value::Decimal32(v)) => out.extend(v),
        (DECIMAL64, Value::Decimal64(v)) => out.extend(v),
        (DECIMAL128, Value::Decimal128(v)) => out.extend(v),
        (CHAR, Value::Char(c)) => out.extend(u32::from(*c).to_be_bytes()),
        (TIMESTAMP, Value::Timestamp(t)) => out.extend(t.0.to_be_bytes()),
        (UUID, Value::Uuid(v)) => out.extend(v),
        (VBIN8, Value::Binary(b)) => write_short_bytes(b, out),
        (STR8, Value::String(s)) => write_short_bytes(s.as_bytes(), out),
        (SYM8, Value::Symbol(s)) => write_short_bytes(s.0.as_bytes(), out),
        (VBIN32, Value::Binary(b)) => write_long_bytes(b, out),
        (STR32, Value::String(s)) => write_long_bytes(s.as_bytes(), out),
        (SYM32, Value::Symbol(s)) => write_long_bytes(s.0.as_bytes(), out),
        (LIST8 | LIST32, Value::List(items)) => {
            let body = encode_items(items.iter());
            write_compound_fixed(code, items.len(), &body, out);
        }
        (MAP8 | MAP32, Value::Map(pairs)) => {
            let body = encode_items(pairs.iter().flat_map(|(k, v)| [k, v]));
            write_compound_fixed(code, pairs.len() * 2, &body, out);
        }
        (ARRAY8 | ARRAY32, Value::Array(array)) => {
            let body = encode_array_body(array);
            write_compound_fixed(code, array.items().len(), &body, out);
        }
        // Zero-width codes (null, true, false, uint0, ulong0, list0) have no bytes.
        _ => {}
    }
}

fn write_short_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(bytes);
}

fn write_long_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.extend(len32(bytes.len()));
    out.extend_from_slice(bytes);
}
