//! The AMQP 1.0 type system as one Rust enum.

use std::fmt;

use crate::error::EncodeError;

use super::format_code as code;

/// A symbolic value: an ASCII string used for names such as error conditions and annotation keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(pub String);

impl Symbol {
    /// Creates a symbol from any string.
    pub fn new(text: impl Into<String>) -> Self {
        Symbol(text.into())
    }

    /// Returns the symbol's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Symbol {
    fn from(text: &str) -> Self {
        Symbol(text.to_owned())
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A point in time: milliseconds since the Unix epoch (AMQP `timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

/// The descriptor of a described type: a numeric code or a symbolic name.
///
/// AMQP 1.0 (part 1, types) reserves every other descriptor type, so the decoder rejects
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Descriptor {
    /// A numeric descriptor such as `0x0000_0000_0000_0010` (open).
    Code(u64),
    /// A symbolic descriptor such as `amqp:open:list`.
    Symbol(Symbol),
}

/// A described value: a descriptor that names the type and the value that carries its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    /// The type's name or code.
    pub descriptor: Descriptor,
    /// The underlying value, usually a list of fields.
    pub value: Value,
}

/// Any AMQP 1.0 value.
///
/// Integers decode from every encoding (for example `smalluint` and `uint0` both become
/// [`Value::Uint`]), and the encoder always writes the smallest encoding, so a decode followed by
/// an encode keeps every value but not always every byte. [`crate::MessageBytes`] keeps bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// The absence of a value.
    #[default]
    Null,
    /// `boolean`.
    Bool(bool),
    /// `ubyte`.
    Ubyte(u8),
    /// `ushort`.
    Ushort(u16),
    /// `uint`.
    Uint(u32),
    /// `ulong`.
    Ulong(u64),
    /// `byte`.
    Byte(i8),
    /// `short`.
    Short(i16),
    /// `int`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `float` (IEEE 754 binary32).
    Float(f32),
    /// `double` (IEEE 754 binary64).
    Double(f64),
    /// `decimal32`, kept as its four encoded bytes (IEEE 754 decimal32, big-endian).
    Decimal32([u8; 4]),
    /// `decimal64`, kept as its eight encoded bytes.
    Decimal64([u8; 8]),
    /// `decimal128`, kept as its sixteen encoded bytes.
    Decimal128([u8; 16]),
    /// `char`: one Unicode scalar value.
    Char(char),
    /// `timestamp`.
    Timestamp(Timestamp),
    /// `uuid`, in RFC 4122 byte order.
    Uuid([u8; 16]),
    /// `binary`.
    Binary(Vec<u8>),
    /// `string` (UTF-8).
    String(String),
    /// `symbol`.
    Symbol(Symbol),
    /// A described type.
    Described(Box<Described>),
    /// `list`: a sequence of values of any types.
    List(Vec<Value>),
    /// `map`: key and value pairs in their encoded order.
    Map(Vec<(Value, Value)>),
    /// `array`: a sequence of values of one type.
    Array(Array),
}

impl Value {
    /// Creates a described value.
    pub fn described(descriptor: Descriptor, value: Value) -> Value {
        Value::Described(Box::new(Described { descriptor, value }))
    }

    /// Creates a `symbol` value.
    pub fn symbol(text: impl Into<String>) -> Value {
        Value::Symbol(Symbol(text.into()))
    }

    /// Creates a `string` value.
    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// Returns true for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Returns the name of the value's AMQP type, such as `int` or `string`, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Ubyte(_) => "ubyte",
            Value::Ushort(_) => "ushort",
            Value::Uint(_) => "uint",
            Value::Ulong(_) => "ulong",
            Value::Byte(_) => "byte",
            Value::Short(_) => "short",
            Value::Int(_) => "int",
            Value::Long(_) => "long",
            Value::Float(_) => "float",
            Value::Double(_) => "double",
            Value::Decimal32(_) => "decimal32",
            Value::Decimal64(_) => "decimal64",
            Value::Decimal128(_) => "decimal128",
            Value::Char(_) => "char",
            Value::Timestamp(_) => "timestamp",
            Value::Uuid(_) => "uuid",
            Value::Binary(_) => "binary",
            Value::String(_) => "string",
            Value::Symbol(_) => "symbol",
            Value::Described(_) => "described value",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Array(_) => "array",
        }
    }

    /// Returns the text of a `string` or `symbol`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            Value::Symbol(symbol) => Some(symbol.as_str()),
            _ => None,
        }
    }

    /// Returns any integer value that fits in an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Ubyte(v) => Some(i64::from(v)),
            Value::Ushort(v) => Some(i64::from(v)),
            Value::Uint(v) => Some(i64::from(v)),
            Value::Ulong(v) => i64::try_from(v).ok(),
            Value::Byte(v) => Some(i64::from(v)),
            Value::Short(v) => Some(i64::from(v)),
            Value::Int(v) => Some(i64::from(v)),
            Value::Long(v) => Some(v),
            _ => None,
        }
    }

    /// Encodes the value and returns the bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        super::encode::encode_value(self, &mut out);
        out
    }
}

/// An AMQP `array`: values that share one constructor, kept with that constructor.
///
/// The element format code is fixed when the array is created, so encoding cannot fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    descriptor: Option<Descriptor>,
    element_code: u8,
    items: Vec<Value>,
}

impl Array {
    /// Creates an array whose items all use the primitive format code `element_code`
    /// (for example `0xb1` for `str32`), optionally described by `descriptor`.
    ///
    /// Returns an error when a value does not fit that code.
    pub fn new(
        descriptor: Option<Descriptor>,
        element_code: u8,
        items: Vec<Value>,
    ) -> Result<Array, EncodeError> {
        for item in &items {
            if !code::value_fits(element_code, item) {
                return Err(EncodeError::ArrayItemMismatch {
                    element_code,
                    item: format!("{item:?}"),
                });
            }
        }
        Ok(Array {
            descriptor,
            element_code,
            items,
        })
    }

    /// Creates an array of strings (`str32` elements).
    pub fn of_strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Array {
        Array {
            descriptor: None,
            element_code: code::STR32,
            items: items.into_iter().map(|s| Value::String(s.into())).collect(),
        }
    }

    /// Creates an array of symbols (`sym32` elements).
    pub fn of_symbols<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Array {
        Array {
            descriptor: None,
            element_code: code::SYM32,
            items: items
                .into_iter()
                .map(|s| Value::Symbol(Symbol(s.into())))
                .collect(),
        }
    }

    pub(crate) fn from_decoded(
        descriptor: Option<Descriptor>,
        element_code: u8,
        items: Vec<Value>,
    ) -> Array {
        Array {
            descriptor,
            element_code,
            items,
        }
    }

    /// Returns the descriptor shared by every element, if the elements are described.
    pub fn descriptor(&self) -> Option<&Descriptor> {
        self.descriptor.as_ref()
    }

    /// Returns the primitive format code of every element.
    pub fn element_code(&self) -> u8 {
        self.element_code
    }

    /// Returns the elements (without their descriptor).
    pub fn items(&self) -> &[Value] {
        &self.items
    }

    /// Consumes the array and returns its elements.
    pub fn into_items(self) -> Vec<Value> {
        self.items
    }
}
