//! Typed access to the fields of a described list, read by position.

use super::decode::type_name;
use super::value::{Symbol, Value};
use crate::error::DecodeError;

/// The fields of one composite value (a performative, a terminus, a message section).
///
/// Missing trailing fields read as null, which AMQP defines as "use the default".
#[derive(Debug)]
pub(crate) struct Fields {
    context: &'static str,
    items: Vec<Value>,
}

impl Fields {
    /// Wraps the list of a described value; any other value is an error.
    pub(crate) fn new(context: &'static str, value: Value) -> Result<Fields, DecodeError> {
        match value {
            Value::List(items) => Ok(Fields { context, items }),
            other => Err(DecodeError::NotAList {
                context,
                found: type_name(&other),
            }),
        }
    }

    pub(crate) fn take(&mut self, index: usize) -> Value {
        match self.items.get_mut(index) {
            Some(slot) => std::mem::replace(slot, Value::Null),
            None => Value::Null,
        }
    }

    fn invalid(&self, field: &'static str, expected: &'static str, found: &Value) -> DecodeError {
        DecodeError::InvalidField {
            context: self.context,
            field,
            expected,
            found: type_name(found),
        }
    }

    /// Returns an error naming the field when a mandatory field is null.
    pub(crate) fn required<T>(
        &self,
        value: Option<T>,
        field: &'static str,
    ) -> Result<T, DecodeError> {
        value.ok_or(DecodeError::MissingField {
            context: self.context,
            field,
        })
    }

    fn unsigned(&mut self, index: usize, field: &'static str) -> Result<Option<u64>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(None),
            Value::Ubyte(v) => Ok(Some(u64::from(v))),
            Value::Ushort(v) => Ok(Some(u64::from(v))),
            Value::Uint(v) => Ok(Some(u64::from(v))),
            Value::Ulong(v) => Ok(Some(v)),
            other => Err(self.invalid(field, "an unsigned integer", &other)),
        }
    }

    pub(crate) fn ubyte(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<u8>, DecodeError> {
        self.narrow(index, field, "a ubyte")
    }

    pub(crate) fn ushort(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<u16>, DecodeError> {
        self.narrow(index, field, "a ushort")
    }

    pub(crate) fn uint(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<u32>, DecodeError> {
        self.narrow(index, field, "a uint")
    }

    fn narrow<T: TryFrom<u64>>(
        &mut self,
        index: usize,
        field: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, DecodeError> {
        match self.unsigned(index, field)? {
            None => Ok(None),
            Some(v) => T::try_from(v)
                .map(Some)
                .map_err(|_| self.invalid(field, expected, &Value::Ulong(v))),
        }
    }

    pub(crate) fn ulong(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<u64>, DecodeError> {
        self.unsigned(index, field)
    }

    pub(crate) fn bool(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<bool>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(b)),
            other => Err(self.invalid(field, "a boolean", &other)),
        }
    }

    pub(crate) fn string(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(self.invalid(field, "a string", &other)),
        }
    }

    pub(crate) fn symbol(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<Symbol>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(None),
            Value::Symbol(s) => Ok(Some(s)),
            other => Err(self.invalid(field, "a symbol", &other)),
        }
    }

    pub(crate) fn binary(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<Vec<u8>>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(None),
            Value::Binary(b) => Ok(Some(b)),
            other => Err(self.invalid(field, "a binary", &other)),
        }
    }

    pub(crate) fn map(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Option<Vec<(Value, Value)>>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(None),
            Value::Map(pairs) => Ok(Some(pairs)),
            other => Err(self.invalid(field, "a map", &other)),
        }
    }

    /// Reads a `symbol` field declared `multiple="true"`: null, one symbol or an array of them.
    pub(crate) fn symbols(
        &mut self,
        index: usize,
        field: &'static str,
    ) -> Result<Vec<Symbol>, DecodeError> {
        match self.take(index) {
            Value::Null => Ok(Vec::new()),
            Value::Symbol(s) => Ok(vec![s]),
            Value::Array(array) => {
                let mut out = Vec::with_capacity(array.items().len());
                for item in array.into_items() {
                    match item {
                        Value::Symbol(s) => out.push(s),
                        other => return Err(self.invalid(field, "an array of symbols", &other)),
                    }
                }
                Ok(out)
            }
            other => Err(self.invalid(field, "a symbol or an array of symbols", &other)),
        }
    }
}
