//! A lenient model of an Avro schema, parsed from its JSON text.
//!
//! The registry needs its own model because Azure Schema Registry accepts schemas that a strict
//! Avro parser (such as `apache-avro`) rejects, for example a field default of the wrong type.
//! The model keeps every default as raw JSON so that the compatibility check can accept what
//! Azure accepts and the default lint can warn about what the specification forbids.
//!
//! Names follow the Avro specification: a name that contains a dot is already a full name and
//! ignores the enclosing namespace, so `"name": "Customer.Created"` with
//! `"namespace": "example.avro"` has the full name `Customer.Created`.

mod logical;
mod names;

use std::collections::HashMap;

use serde_json::{Map, Value};

pub use logical::LogicalType;
use names::{check_full_name, check_not_primitive, check_simple_name, SimpleName};

/// The character U+FEFF, which some editors write at the start of a UTF-8 file as a
/// byte-order mark (the bytes EF BB BF). RFC 8259 (section 8.1) forbids adding one to JSON
/// text, and serde_json rejects it with a message that does not name it.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// The deepest nesting of JSON arrays and objects that serde_json reads, its default recursion
/// limit. A record nested in a field takes about three levels (the field, its type, the fields
/// array), so about 40 nested records reach it.
const JSON_NESTING_LIMIT: usize = 128;

/// The message serde_json gives when a document passes [`JSON_NESTING_LIMIT`].
const RECURSION_LIMIT_MESSAGE: &str = "recursion limit exceeded";

/// Failure to read a text as an Avro schema.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SchemaError {
    /// The text is not well-formed JSON.
    #[error("{message}. Path '', line {line}, position {column}")]
    Json {
        /// The JSON parser's message, without its position.
        message: String,
        /// One-based line of the error.
        line: usize,
        /// One-based column of the error.
        column: usize,
    },
    /// The JSON nests arrays and objects deeper than the parser reads.
    #[error(
        "the schema nests JSON objects and arrays more than {JSON_NESTING_LIMIT} levels deep, \
         the most this registry reads (Path '', line {line}, position {column}): flatten the \
         schema, for example by moving the fields of deeply nested records into their parent \
         records"
    )]
    TooDeep {
        /// One-based line where the limit was passed.
        line: usize,
        /// One-based column where the limit was passed.
        column: usize,
    },
    /// The text starts with a UTF-8 byte-order mark, which JSON does not allow.
    #[error(
        "the schema text starts with a UTF-8 byte-order mark (the bytes EF BB BF), which JSON \
         does not allow: save the file as UTF-8 without a byte-order mark"
    )]
    ByteOrderMark,
    /// The JSON is well-formed but is not a valid Avro schema.
    #[error("invalid Avro schema at `{path}`: {message}")]
    Invalid {
        /// Location of the problem in the schema (record and field names, dotted).
        path: String,
        /// Description of the problem and its fix.
        message: String,
    },
}

/// An Avro type as it appears in a schema. Named types are stored once in
/// [`ParsedSchema::named`] and referenced by full name.
#[derive(Debug, Clone, PartialEq)]
pub enum AvroType {
    /// `null`
    Null,
    /// `boolean`
    Boolean,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `bytes`
    Bytes,
    /// `string`
    String,
    /// `bytes` with the `decimal` logical type.
    Decimal(Decimal),
    /// An int, long, string or bytes type with a valid logical type other than `decimal`.
    Logical {
        /// The logical type, such as `timestamp-millis`.
        logical_type: LogicalType,
        /// The annotated primitive type, such as `long`.
        underlying: Box<AvroType>,
    },
    /// `array` of the item type.
    Array(Box<AvroType>),
    /// `map` with string keys and the value type.
    Map(Box<AvroType>),
    /// A union of branches, in declaration order.
    Union(Vec<AvroType>),
    /// A record, enum or fixed type, by full name.
    Named(String),
}

/// The `bytes` type, for [`AvroType::underlying`].
static BYTES: AvroType = AvroType::Bytes;

impl AvroType {
    /// Returns the type without its logical type: `bytes` for a decimal, the annotated
    /// primitive for another logical type, the type itself otherwise.
    pub fn underlying(&self) -> &AvroType {
        match self {
            AvroType::Decimal(_) => &BYTES,
            AvroType::Logical { underlying, .. } => underlying,
            other => other,
        }
    }
}

/// A record, enum or fixed type.
#[derive(Debug, Clone, PartialEq)]
pub enum NamedType {
    /// A record with its fields in declaration order.
    Record {
        /// Full name, such as `example.avro.Order` or `Customer.Created`.
        full_name: String,
        /// Full names this record was known by before.
        aliases: Vec<String>,
        /// The fields in declaration order.
        fields: Vec<Field>,
    },
    /// An enumeration.
    Enum {
        /// Full name.
        full_name: String,
        /// Full names this enum was known by before.
        aliases: Vec<String>,
        /// The symbols in declaration order.
        symbols: Vec<String>,
        /// The symbol a reader uses for a writer's symbol it does not know.
        default: Option<String>,
    },
    /// A fixed-size byte string.
    Fixed {
        /// Full name.
        full_name: String,
        /// Full names this type was known by before.
        aliases: Vec<String>,
        /// Size in bytes.
        size: u64,
        /// The `decimal` logical type, when the fixed type carries a valid one.
        decimal: Option<Decimal>,
        /// The `uuid` or `duration` logical type, when the fixed type carries a valid one.
        logical_type: Option<LogicalType>,
    },
}

/// The parameters of the `decimal` logical type: a value is `unscaled × 10^-scale`, with at
/// most `precision` digits. The specification lets readers ignore an invalid decimal, so such
/// a schema parses as its underlying type. A decimal is invalid without a positive precision,
/// with a scale above the precision, or with a precision that a fixed type's size cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    /// The maximum number of decimal digits.
    pub precision: u64,
    /// The number of digits after the decimal point.
    pub scale: u64,
}

impl Decimal {
    /// Reads the decimal attributes of a `bytes` or `fixed` schema object, or returns `None`
    /// when the object has no valid decimal logical type. `fixed_size` is the fixed type's
    /// size, which bounds the precision.
    fn from_attributes(object: &Map<String, Value>, fixed_size: Option<u64>) -> Option<Decimal> {
        if object.get("logicalType").and_then(Value::as_str) != Some("decimal") {
            return None;
        }
        let precision = object.get("precision")?.as_u64().filter(|p| *p > 0)?;
        let scale = match object.get("scale") {
            None => 0,
            Some(value) => value.as_u64()?,
        };
        if scale > precision {
            return None;
        }
        // n bytes of two's complement hold floor(log10(2^(8n-1) - 1)) decimal digits.
        if let Some(size) = fixed_size {
            let max_digits = ((8 * size).saturating_sub(1) as f64 * 2f64.log10()).floor() as u64;
            if precision > max_digits {
                return None;
            }
        }
        Some(Decimal { precision, scale })
    }
}

impl NamedType {
    /// Returns the full name of the type.
    pub fn full_name(&self) -> &str {
        match self {
            NamedType::Record { full_name, .. }
            | NamedType::Enum { full_name, .. }
            | NamedType::Fixed { full_name, .. } => full_name,
        }
    }

    /// Returns the aliases of the type, as full names.
    pub fn aliases(&self) -> &[String] {
        match self {
            NamedType::Record { aliases, .. }
            | NamedType::Enum { aliases, .. }
            | NamedType::Fixed { aliases, .. } => aliases,
        }
    }
}

/// One field of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Names the field was known by before (field aliases are plain names).
    pub aliases: Vec<String>,
    /// Field type.
    pub ty: AvroType,
    /// The default as written in the schema, unchecked; `None` when absent.
    pub default: Option<Value>,
}

/// A whole schema: its top-level type and every named type it defines.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSchema {
    /// The top-level type.
    pub root: AvroType,
    /// Named types by full name.
    pub named: HashMap<String, NamedType>,
}

impl ParsedSchema {
    /// Parses a schema's JSON text.
    pub fn parse(text: &str) -> Result<Self, SchemaError> {
        let json = parse_json(text)?;
        let mut parser = Parser {
            named: HashMap::new(),
        };
        let root = parser.parse_type(&json, None, "")?;
        Ok(ParsedSchema {
            root,
            named: parser.named,
        })
    }

    /// Returns the full name of the top-level type when it is a named type.
    pub fn root_name(&self) -> Option<&str> {
        match &self.root {
            AvroType::Named(name) => Some(name),
            _ => None,
        }
    }

    /// Returns the named type with this full name.
    pub fn lookup(&self, full_name: &str) -> Option<&NamedType> {
        self.named.get(full_name)
    }

    /// Describes a type for messages, such as `string`, `["string", "null"]` or `array<long>`.
    pub fn describe(&self, ty: &AvroType) -> String {
        describe_type(ty)
    }
}

/// Describes a type for messages, such as `string`, `["string", "null"]` or `array<long>`.
/// Named types are described by their full name.
fn describe_type(ty: &AvroType) -> String {
    match ty {
        AvroType::Null => "null".into(),
        AvroType::Boolean => "boolean".into(),
        AvroType::Int => "int".into(),
        AvroType::Long => "long".into(),
        AvroType::Float => "float".into(),
        AvroType::Double => "double".into(),
        AvroType::Bytes => "bytes".into(),
        AvroType::String => "string".into(),
        AvroType::Decimal(decimal) => format!("bytes {}", describe_decimal(decimal)),
        AvroType::Logical {
            logical_type,
            underlying,
        } => format!("{} {}", describe_type(underlying), logical_type.name()),
        AvroType::Array(items) => format!("array<{}>", describe_type(items)),
        AvroType::Map(values) => format!("map<{}>", describe_type(values)),
        AvroType::Union(branches) => {
            let parts: Vec<String> = branches
                .iter()
                .map(|branch| format!("\"{}\"", describe_type(branch)))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        AvroType::Named(name) => name.clone(),
    }
}

/// Writes a type as schema JSON, for fixes that a person copies into a schema, such as
/// `{"type": "long", "logicalType": "timestamp-millis"}`. Named types are written by full name.
pub(crate) fn type_json(ty: &AvroType) -> String {
    match ty {
        AvroType::Decimal(decimal) => format!(
            r#"{{"type": "bytes", "logicalType": "decimal", "precision": {}, "scale": {}}}"#,
            decimal.precision, decimal.scale
        ),
        AvroType::Logical {
            logical_type,
            underlying,
        } => format!(
            r#"{{"type": {}, "logicalType": "{}"}}"#,
            type_json(underlying),
            logical_type.name()
        ),
        AvroType::Array(items) => format!(r#"{{"type": "array", "items": {}}}"#, type_json(items)),
        AvroType::Map(values) => {
            format!(r#"{{"type": "map", "values": {}}}"#, type_json(values))
        }
        AvroType::Union(branches) => {
            let parts: Vec<String> = branches.iter().map(type_json).collect();
            format!("[{}]", parts.join(", "))
        }
        AvroType::Named(name) => format!("\"{name}\""),
        primitive => format!("\"{}\"", describe_type(primitive)),
    }
}

/// Describes a decimal logical type for messages, such as `decimal(10, 2)`.
pub(crate) fn describe_decimal(decimal: &Decimal) -> String {
    format!("decimal({}, {})", decimal.precision, decimal.scale)
}

/// Returns the normalized form of a schema text, which decides whether two registrations carry
/// the same content. It is the JSON re-serialized compactly with object keys sorted, so
/// whitespace and key order do not matter, but every attribute (defaults, docs, aliases) does.
pub fn normalized_content(text: &str) -> Result<String, SchemaError> {
    // serde_json's default map is ordered by key, so serializing sorts the keys.
    Ok(parse_json(text)?.to_string())
}

fn parse_json(text: &str) -> Result<Value, SchemaError> {
    if text.starts_with(BYTE_ORDER_MARK) {
        return Err(SchemaError::ByteOrderMark);
    }
    serde_json::from_str(text).map_err(|error| {
        let message = json_message_without_position(&error);
        let line = error.line();
        let column = character_column(text, line, error.column());
        if message == RECURSION_LIMIT_MESSAGE {
            SchemaError::TooDeep { line, column }
        } else {
            SchemaError::Json {
                message,
                line,
                column,
            }
        }
    })
}

/// Converts serde_json's column, which counts bytes, to a count of characters, as editors
/// show it, so that letters such as `é` before the error do not move the position.
fn character_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line_text) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_column;
    };
    let within = byte_column.min(line_text.len());
    // The column points at the last byte read, which may lie inside a character: that
    // character counts whole.
    let end = (0..=within)
        .rev()
        .find(|&end| line_text.is_char_boundary(end))
        .unwrap_or(0);
    let partial = usize::from(end < within);
    line_text[..end].chars().count() + partial + (byte_column - within)
}

fn json_message_without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

struct Parser {
    named: HashMap<String, NamedType>,
}

impl Parser {
    fn parse_type(
        &mut self,
        json: &Value,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        match json {
            Value::String(name) => self.parse_reference(name, namespace, path),
            Value::Array(branches) => self.parse_union(branches, namespace, path),
            Value::Object(object) => self.parse_complex(object, namespace, path),
            other => Err(invalid(
                path,
                &format!("a type must be a name, an array (union) or an object, not `{other}`"),
            )),
        }
    }

    /// Parses a union's branches. The specification forbids a union directly inside a union
    /// and two branches of the same type, because a writer could not tell which branch a value
    /// belongs to. Named types count as the same when their full names are equal.
    fn parse_union(
        &mut self,
        branches: &[Value],
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        let mut parsed: Vec<AvroType> = Vec::with_capacity(branches.len());
        for branch in branches {
            let ty = self.parse_type(branch, namespace, path)?;
            if matches!(ty, AvroType::Union(_)) {
                return Err(invalid(
                    path,
                    "a union cannot directly contain another union: list the inner union's \
                     branches in the outer union instead",
                ));
            }
            if let Some(earlier) = parsed.iter().find(|earlier| same_branch(earlier, &ty)) {
                return Err(invalid(path, &duplicate_branch_message(earlier, &ty)));
            }
            parsed.push(ty);
        }
        Ok(AvroType::Union(parsed))
    }

    fn parse_reference(
        &self,
        name: &str,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        if let Some(primitive) = primitive(name) {
            return Ok(primitive);
        }
        let full_name = full_name(name, namespace);
        if self.named.contains_key(&full_name) {
            return Ok(AvroType::Named(full_name));
        }
        if self.named.contains_key(name) {
            return Ok(AvroType::Named(name.to_string()));
        }
        Err(invalid(
            path,
            &format!("unknown type `{name}`: define it before its first use or fix the spelling"),
        ))
    }

    fn parse_complex(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        let Some(type_value) = object.get("type") else {
            return Err(invalid(path, "the object has no `type` attribute"));
        };
        let Value::String(type_name) = type_value else {
            // `{"type": {...}}` or `{"type": [...]}` wraps another type.
            return self.parse_type(type_value, namespace, path);
        };
        match type_name.as_str() {
            "record" | "error" => self.parse_record(object, namespace, path),
            "enum" => self.parse_enum(object, namespace, path),
            "fixed" => self.parse_fixed(object, namespace, path),
            "array" => {
                let items = object
                    .get("items")
                    .ok_or_else(|| invalid(path, "an array needs an `items` attribute"))?;
                Ok(AvroType::Array(Box::new(
                    self.parse_type(items, namespace, path)?,
                )))
            }
            "map" => {
                let values = object
                    .get("values")
                    .ok_or_else(|| invalid(path, "a map needs a `values` attribute"))?;
                Ok(AvroType::Map(Box::new(
                    self.parse_type(values, namespace, path)?,
                )))
            }
            "bytes" => Ok(match Decimal::from_attributes(object, None) {
                Some(decimal) => AvroType::Decimal(decimal),
                None => with_logical_type(object, AvroType::Bytes),
            }),
            // A primitive with other attributes, such as another logical type, or a reference
            // to a named type, whose attributes other than `type` the specification ignores.
            other => Ok(with_logical_type(
                object,
                self.parse_reference(other, namespace, path)?,
            )),
        }
    }

    fn declare_name(
        &self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<(String, Option<String>, Vec<String>), SchemaError> {
        let Some(Value::String(name)) = object.get("name") else {
            return Err(invalid(
                path,
                "a named type needs a string `name` attribute",
            ));
        };
        let declared_namespace = match object.get("namespace") {
            Some(Value::String(ns)) if !ns.is_empty() => Some(ns.as_str()),
            Some(Value::String(_)) | None => namespace,
            Some(other) => {
                return Err(invalid(
                    path,
                    &format!("`namespace` must be a string, not `{other}`"),
                ))
            }
        };
        let full = full_name(name, declared_namespace);
        check_full_name(&full).map_err(|message| invalid(path, &message))?;
        check_not_primitive(&full).map_err(|message| invalid(path, &message))?;
        if self.named.contains_key(&full) {
            return Err(invalid(
                path,
                &format!(
                    "the name `{full}` is defined twice: define the type once and refer to it \
                     by its name (\"{full}\") afterwards, or give the second type another name"
                ),
            ));
        }
        let own_namespace = full.rsplit_once('.').map(|(ns, _)| ns.to_string());
        let aliases = string_list(object.get("aliases"), path, "aliases")?
            .into_iter()
            .map(|alias| full_name(&alias, own_namespace.as_deref()))
            .collect();
        Ok((full, own_namespace, aliases))
    }

    fn parse_record(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        let (full, own_namespace, aliases) = self.declare_name(object, namespace, path)?;
        // Register the name first so that fields may refer to the record itself.
        self.named.insert(
            full.clone(),
            NamedType::Record {
                full_name: full.clone(),
                aliases: aliases.clone(),
                fields: Vec::new(),
            },
        );
        let Some(Value::Array(field_values)) = object.get("fields") else {
            return Err(invalid(&full, "a record needs a `fields` array"));
        };
        let mut fields: Vec<Field> = Vec::with_capacity(field_values.len());
        for field_value in field_values {
            let Value::Object(field_object) = field_value else {
                return Err(invalid(&full, "each field must be an object"));
            };
            let Some(Value::String(name)) = field_object.get("name") else {
                return Err(invalid(&full, "each field needs a string `name` attribute"));
            };
            let field_path = format!("{full}.{name}");
            check_simple_name(SimpleName::Field, name)
                .map_err(|message| invalid(&field_path, &message))?;
            if fields.iter().any(|existing| &existing.name == name) {
                return Err(invalid(
                    &field_path,
                    &format!(
                        "the record declares the field `{name}` twice: give each field its own \
                         name, or remove one of them"
                    ),
                ));
            }
            let type_value = field_object
                .get("type")
                .ok_or_else(|| invalid(&field_path, "the field has no `type` attribute"))?;
            let ty = self.parse_type(type_value, own_namespace.as_deref(), &field_path)?;
            check_field_order(field_object.get("order"), &field_path)?;
            fields.push(Field {
                name: name.clone(),
                aliases: string_list(field_object.get("aliases"), &field_path, "aliases")?,
                ty,
                default: field_object.get("default").cloned(),
            });
        }
        self.named.insert(
            full.clone(),
            NamedType::Record {
                full_name: full.clone(),
                aliases,
                fields,
            },
        );
        Ok(AvroType::Named(full))
    }

    fn parse_enum(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        let (full, _, aliases) = self.declare_name(object, namespace, path)?;
        let symbols = string_list(object.get("symbols"), &full, "symbols")?;
        check_symbols(&full, &symbols)?;
        let default = match object.get("default") {
            None => None,
            Some(Value::String(symbol)) if symbols.contains(symbol) => Some(symbol.clone()),
            Some(other) => {
                return Err(invalid(
                    &full,
                    &format!(
                        "the enum default {other} is not one of its symbols: use one of {}, or \
                         remove the default",
                        symbols.join(", ")
                    ),
                ))
            }
        };
        self.named.insert(
            full.clone(),
            NamedType::Enum {
                full_name: full.clone(),
                aliases,
                symbols,
                default,
            },
        );
        Ok(AvroType::Named(full))
    }

    fn parse_fixed(
        &mut self,
        object: &Map<String, Value>,
        namespace: Option<&str>,
        path: &str,
    ) -> Result<AvroType, SchemaError> {
        let (full, _, aliases) = self.declare_name(object, namespace, path)?;
        let size =
            match object.get("size") {
                Some(value) => value.as_u64().ok_or_else(|| {
                    invalid(
                        &full,
                        &format!(
                            "the fixed type's `size` is {value}, but it must be a non-negative \
                         integer number of bytes, such as 16"
                        ),
                    )
                })?,
                None => return Err(invalid(
                    &full,
                    "the fixed type has no `size`: add \"size\" with its number of bytes, such \
                     as 16",
                )),
            };
        self.named.insert(
            full.clone(),
            NamedType::Fixed {
                full_name: full.clone(),
                aliases,
                size,
                decimal: Decimal::from_attributes(object, Some(size)),
                logical_type: LogicalType::for_fixed(object, size),
            },
        );
        Ok(AvroType::Named(full))
    }
}

/// Wraps a primitive type in the logical type its schema object names, when that logical type
/// is valid on it. Any other type is returned unchanged.
fn with_logical_type(object: &Map<String, Value>, ty: AvroType) -> AvroType {
    match LogicalType::for_primitive(object, &ty) {
        Some(logical_type) => AvroType::Logical {
            logical_type,
            underlying: Box::new(ty),
        },
        None => ty,
    }
}

fn primitive(name: &str) -> Option<AvroType> {
    Some(match name {
        "null" => AvroType::Null,
        "boolean" => AvroType::Boolean,
        "int" => AvroType::Int,
        "long" => AvroType::Long,
        "float" => AvroType::Float,
        "double" => AvroType::Double,
        "bytes" => AvroType::Bytes,
        "string" => AvroType::String,
        _ => return None,
    })
}

/// Applies the Avro naming rule: a dotted name is already full, otherwise the namespace
/// (when there is one) is prefixed.
fn full_name(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) if !name.contains('.') && !ns.is_empty() => format!("{ns}.{name}"),
        _ => name.to_string(),
    }
}

/// Checks an enum's symbols: at least one, each a valid name, none listed twice.
fn check_symbols(full: &str, symbols: &[String]) -> Result<(), SchemaError> {
    if symbols.is_empty() {
        return Err(invalid(full, "an enum needs a non-empty `symbols` array"));
    }
    for (index, symbol) in symbols.iter().enumerate() {
        check_simple_name(SimpleName::EnumSymbol, symbol)
            .map_err(|message| invalid(full, &message))?;
        if symbols[..index].contains(symbol) {
            return Err(invalid(
                full,
                &format!(
                    "the enum lists the symbol `{symbol}` twice: list each symbol once, because \
                     readers match a writer's symbol by name"
                ),
            ));
        }
    }
    Ok(())
}

/// The values the specification allows for a field's `order`, which decides how records sort.
const FIELD_ORDERS: [&str; 3] = ["ascending", "descending", "ignore"];

/// Checks a field's `order` attribute, when present, against [`FIELD_ORDERS`].
fn check_field_order(order: Option<&Value>, field_path: &str) -> Result<(), SchemaError> {
    match order {
        None => Ok(()),
        Some(Value::String(value)) if FIELD_ORDERS.contains(&value.as_str()) => Ok(()),
        Some(other) => Err(invalid(
            field_path,
            &format!(
                "the field's `order` is {other}, but it must be one of \"{}\": use one of them, \
                 or remove `order` to sort the field ascending",
                FIELD_ORDERS.join("\", \"")
            ),
        )),
    }
}

/// Decides whether two union branches are of the same type in the specification's sense:
/// the same primitive, both arrays, both maps, or named types with the same full name.
fn same_branch(left: &AvroType, right: &AvroType) -> bool {
    match (left, right) {
        (AvroType::Array(_), AvroType::Array(_)) | (AvroType::Map(_), AvroType::Map(_)) => true,
        _ => left.underlying() == right.underlying(),
    }
}

fn duplicate_branch_message(earlier: &AvroType, later: &AvroType) -> String {
    let reason = "because a writer could not tell which branch a value belongs to";
    let container = match later {
        AvroType::Array(_) => Some(("array", "items")),
        AvroType::Map(_) => Some(("map", "values")),
        _ => None,
    };
    match container {
        Some((kind, contents)) if earlier != later => format!(
            "the union lists two {kind}s, `{}` and `{}`: a union may contain only one {kind}, \
             {reason}. Keep one {kind}, whose {contents} may be a union",
            describe_type(earlier),
            describe_type(later)
        ),
        // A logical type does not make another type, so the message names the underlying one.
        _ => format!(
            "the union lists `{}` twice: a union may contain each type only once, {reason}. \
             Remove one of the two branches",
            describe_type(later.underlying())
        ),
    }
}

fn string_list(
    value: Option<&Value>,
    path: &str,
    attribute: &str,
) -> Result<Vec<String>, SchemaError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                other => Err(invalid(
                    path,
                    &format!("`{attribute}` must contain strings, not `{other}`"),
                )),
            })
            .collect(),
        Some(other) => Err(invalid(
            path,
            &format!("`{attribute}` must be an array of strings, not `{other}`"),
        )),
    }
}

fn invalid(path: &str, message: &str) -> SchemaError {
    SchemaError::Invalid {
        path: if path.is_empty() {
            "(top level)".to_string()
        } else {
            path.to_string()
        },
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests;
