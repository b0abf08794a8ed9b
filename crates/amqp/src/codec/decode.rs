//! Decoding of [`Value`]s from untrusted bytes.
//!
//! Every length and count is checked against the bytes that remain before anything is
//! allocated, and nesting is limited to [`MAX_DEPTH`] levels. Arrays of zero-width elements (such
//! as an array of a million nulls in six bytes) draw from a budget the size of the input. So the
//! memory a decode uses grows with the input's length only.

use super::format_code::*;
use super::value::{Array, Described, Descriptor, Symbol, Timestamp, Value};
use crate::error::DecodeError;

/// The deepest nesting of lists, maps, arrays and described values the decoder accepts.
pub const MAX_DEPTH: usize = 64;

/// Decodes exactly one value from `bytes`; trailing bytes are an error.
pub fn decode_value(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut decoder = Decoder::new(bytes);
    let value = decoder.read_value()?;
    if !decoder.is_empty() {
        return Err(DecodeError::TrailingBytes {
            count: decoder.remaining().len(),
            offset: decoder.position(),
        });
    }
    Ok(value)
}

/// A cursor that reads consecutive values from a byte slice.
#[derive(Debug)]
pub struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    /// Offset of `input` within the outermost slice, for error messages.
    base: usize,
    depth: usize,
    zero_width_budget: usize,
}

impl<'a> Decoder<'a> {
    /// Creates a decoder positioned at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Decoder {
            input,
            pos: 0,
            base: 0,
            depth: 0,
            zero_width_budget: input.len().max(64),
        }
    }

    /// Returns the offset of the next byte to be read, from the start of the input.
    pub fn position(&self) -> usize {
        self.base + self.pos
    }

    /// Returns the bytes not yet read.
    pub fn remaining(&self) -> &'a [u8] {
        &self.input[self.pos..]
    }

    /// Returns true when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// Reads one value.
    pub fn read_value(&mut self) -> Result<Value, DecodeError> {
        let offset = self.position();
        let code = self.read_u8("format code")?;
        if code == DESCRIBED {
            return self.read_described(offset);
        }
        self.read_body(code, offset)
    }

    fn read_described(&mut self, offset: usize) -> Result<Value, DecodeError> {
        self.enter(offset)?;
        let descriptor = match self.read_value()? {
            Value::Ulong(code) => Descriptor::Code(code),
            Value::Symbol(symbol) => Descriptor::Symbol(symbol),
            other => {
                return Err(DecodeError::InvalidDescriptor {
                    found: type_name(&other),
                    offset,
                })
            }
        };
        let value = self.read_value()?;
        self.depth -= 1;
        Ok(Value::Described(Box::new(Described { descriptor, value })))
    }

    fn enter(&mut self, offset: usize) -> Result<(), DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(DecodeError::TooDeep {
                max: MAX_DEPTH,
                offset,
            });
        }
        self.depth += 1;
        Ok(())
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let available = self.input.len() - self.pos;
        if len > available {
            return Err(DecodeError::Truncated {
                what,
                needed: len,
                available,
                offset: self.position(),
            });
        }
        let bytes = &self.input[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    fn read_array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn read_u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.read_array::<1>(what)?[0])
    }

    fn read_u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.read_array(what)?))
    }

    /// Reads a size field of one or four bytes.
    fn read_size(&mut self, wide: bool, what: &'static str) -> Result<usize, DecodeError> {
        let size = if wide {
            self.read_u32(what)?
        } else {
            u32::from(self.read_u8(what)?)
        };
        Ok(usize::try_from(size).unwrap_or(usize::MAX))
    }

    /// Reads the bytes of a value whose constructor `code` has already been read.
    fn read_body(&mut self, code: u8, offset: usize) -> Result<Value, DecodeError> {
        let value = match code {
            NULL => Value::Null,
            TRUE => Value::Bool(true),
            FALSE => Value::Bool(false),
            UINT0 => Value::Uint(0),
            ULONG0 => Value::Ulong(0),
            LIST0 => Value::List(Vec::new()),
            BOOLEAN => match self.read_u8("boolean")? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => {
                    return Err(DecodeError::InvalidBoolean {
                        value: other,
                        offset,
                    })
                }
            },
            UBYTE => Value::Ubyte(self.read_u8("ubyte")?),
            BYTE => Value::Byte(i8::from_be_bytes(self.read_array("byte")?)),
            SMALLUINT => Value::Uint(u32::from(self.read_u8("smalluint")?)),
            SMALLULONG => Value::Ulong(u64::from(self.read_u8("smallulong")?)),
            SMALLINT => Value::Int(i32::from(i8::from_be_bytes(self.read_array("smallint")?))),
            SMALLLONG => Value::Long(i64::from(i8::from_be_bytes(self.read_array("smalllong")?))),
            USHORT => Value::Ushort(u16::from_be_bytes(self.read_array("ushort")?)),
            SHORT => Value::Short(i16::from_be_bytes(self.read_array("short")?)),
            UINT => Value::Uint(self.read_u32("uint")?),
            INT => Value::Int(i32::from_be_bytes(self.read_array("int")?)),
            FLOAT => Value::Float(f32::from_bits(self.read_u32("float")?)),
            CHAR => {
                let scalar = self.read_u32("char")?;
                match char::from_u32(scalar) {
                    Some(c) => Value::Char(c),
                    None => {
                        return Err(DecodeError::InvalidChar {
                            value: scalar,
                            offset,
                        })
                    }
                }
            }
            DECIMAL32 => Value::Decimal32(self.read_array("decimal32")?),
            ULONG => Value::Ulong(u64::from_be_bytes(self.read_array("ulong")?)),
            LONG => Value::Long(i64::from_be_bytes(self.read_array("long")?)),
            DOUBLE => Value::Double(f64::from_bits(u64::from_be_bytes(
                self.read_array("double")?,
            ))),
            TIMESTAMP => {
                Value::Timestamp(Timestamp(i64::from_be_bytes(self.read_array("timestamp")?)))
            }
            DECIMAL64 => Value::Decimal64(self.read_array("decimal64")?),
            DECIMAL128 => Value::Decimal128(self.read_array("decimal128")?),
            UUID => Value::Uuid(self.read_array("uuid")?),
            VBIN8 | VBIN32 => {
                let len = self.read_size(code == VBIN32, "binary length")?;
                Value::Binary(self.take(len, "binary")?.to_vec())
            }
            STR8 | STR32 => {
                let len = self.read_size(code == STR32, "string length")?;
                let bytes = self.take(len, "string")?;
                match std::str::from_utf8(bytes) {
                    Ok(text) => Value::String(text.to_owned()),
                    Err(_) => {
                        return Err(DecodeError::InvalidUtf8 {
                            what: "string",
                            offset,
                        })
                    }
                }
            }
            SYM8 | SYM32 => {
                let len = self.read_size(code == SYM32, "symbol length")?;
                let bytes = self.take(len, "symbol")?;
                match std::str::from_utf8(bytes) {
                    Ok(text) => Value::Symbol(Symbol(text.to_owned())),
                    Err(_) => {
                        return Err(DecodeError::InvalidUtf8 {
                            what: "symbol",
                            offset,
                        })
                    }
                }
            }
            LIST8 | LIST32 => Value::List(self.read_compound(code == LIST32, "list", offset)?),
            MAP8 | MAP32 => {
                let items = self.read_compound(code == MAP32, "map", offset)?;
                if !items.len().is_multiple_of(2) {
                    return Err(DecodeError::OddMapCount {
                        count: items.len(),
                        offset,
                    });
                }
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut iter = items.into_iter();
                while let (Some(key), Some(value)) = (iter.next(), iter.next()) {
                    pairs.push((key, value));
                }
                Value::Map(pairs)
            }
            ARRAY8 | ARRAY32 => Value::Array(self.read_array_value(code == ARRAY32, offset)?),
            other => {
                return Err(DecodeError::UnknownFormatCode {
                    code: other,
                    offset,
                })
            }
        };
        Ok(value)
    }

    /// Opens a nested decoder over the `size` bytes of a compound value, after its count field.
    fn open_compound(
        &mut self,
        wide: bool,
        what: &'static str,
        offset: usize,
    ) -> Result<(Decoder<'a>, usize), DecodeError> {
        self.enter(offset)?;
        let size = self.read_size(wide, "compound size")?;
        let base = self.position();
        let body = self.take(size, what)?;
        let count_width = if wide { 4 } else { 1 };
        if size < count_width {
            return Err(DecodeError::InvalidSize { what, size, offset });
        }
        let mut inner = Decoder {
            input: body,
            pos: 0,
            base,
            depth: self.depth,
            zero_width_budget: self.zero_width_budget,
        };
        let count = inner.read_size(wide, "element count")?;
        Ok((inner, count))
    }

    /// Finishes a nested decoder: its bytes must all be used.
    fn close_compound(&mut self, inner: Decoder<'a>) -> Result<(), DecodeError> {
        if !inner.is_empty() {
            return Err(DecodeError::TrailingBytes {
                count: inner.remaining().len(),
                offset: inner.position(),
            });
        }
        self.zero_width_budget = inner.zero_width_budget;
        self.depth -= 1;
        Ok(())
    }

    fn read_compound(
        &mut self,
        wide: bool,
        what: &'static str,
        offset: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let (mut inner, count) = self.open_compound(wide, what, offset)?;
        // Every element takes at least its one-byte constructor.
        let available = inner.remaining().len();
        if count > available {
            return Err(DecodeError::CountTooLarge {
                what,
                count,
                available,
                offset,
            });
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(inner.read_value()?);
        }
        self.close_compound(inner)?;
        Ok(items)
    }

    fn read_array_value(&mut self, wide: bool, offset: usize) -> Result<Array, DecodeError> {
        let (mut inner, count) = self.open_compound(wide, "array", offset)?;
        let constructor_offset = inner.position();
        let mut code = inner.read_u8("array element constructor")?;
        let mut descriptor = None;
        if code == DESCRIBED {
            descriptor = Some(match inner.read_value()? {
                Value::Ulong(code) => Descriptor::Code(code),
                Value::Symbol(symbol) => Descriptor::Symbol(symbol),
                other => {
                    return Err(DecodeError::InvalidDescriptor {
                        found: type_name(&other),
                        offset: constructor_offset,
                    })
                }
            });
            code = inner.read_u8("array element constructor")?;
        }
        let available = inner.remaining().len();
        if is_zero_width(code) {
            if count > inner.zero_width_budget {
                return Err(DecodeError::CountTooLarge {
                    what: "array of zero-width elements",
                    count,
                    available: inner.zero_width_budget,
                    offset,
                });
            }
            inner.zero_width_budget -= count;
        } else if count > available {
            return Err(DecodeError::CountTooLarge {
                what: "array",
                count,
                available,
                offset,
            });
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            let item_offset = inner.position();
            if code == DESCRIBED {
                return Err(DecodeError::UnknownFormatCode {
                    code,
                    offset: item_offset,
                });
            }
            items.push(inner.read_body(code, item_offset)?);
        }
        self.close_compound(inner)?;
        Ok(Array::from_decoded(descriptor, code, items))
    }
}

/// Names a value's AMQP type, for error messages.
pub(crate) fn type_name(value: &Value) -> String {
    value.type_name().to_owned()
}
