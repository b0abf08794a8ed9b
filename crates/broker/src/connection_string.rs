//! Event Hubs connection strings: `Endpoint=sb://host[:port]/;SharedAccessKeyName=...;
//! SharedAccessKey=...[;EntityPath=hub][;UseDevelopmentEmulator=true]`.
//!
//! Part names match case-insensitively and unknown parts are ignored, unless a name contains a
//! non-ASCII or control character, which a look-alike of a known name would. The Endpoint is a
//! scheme, host and port with no path, because clients ignore a path. No error message contains
//! a key or signature, so errors are safe to show and log. A value that contains another part's
//! `Name=` is rejected before anything is shown, because a lost `;` may have joined a key to it.
//! The text that errors do show has secrets and key-like text replaced by `***`.

mod redact;

use self::redact::Redactor;
use crate::entity::{validate_hub_name, EntityError};
use crate::sas::{SasToken, TokenError};
use crate::secret::Secret;

/// The parts this parser reads, spelled as Azure writes them.
const PART_NAMES: [&str; 7] = [
    "Endpoint",
    "SharedAccessKeyName",
    "SharedAccessKey",
    "SharedAccessSignature",
    "EntityPath",
    "UseDevelopmentEmulator",
    "HostName",
];

/// The AMQP port over TLS, used when the endpoint names no port.
pub const AMQPS_PORT: u16 = 5671;

/// The plain AMQP port, used with `UseDevelopmentEmulator=true` when the endpoint names no port.
pub const AMQP_PORT: u16 = 5672;

/// The `Endpoint` part: scheme, host and an optional port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The scheme as written, in lower case: `sb`, `amqp` or `amqps`.
    pub scheme: String,
    /// The host name.
    pub host: String,
    /// The port, when the endpoint names one.
    pub port: Option<u16>,
}

/// The connection string's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A rule name and key, from which clients sign their own tokens.
    SharedAccessKey {
        /// `SharedAccessKeyName`.
        key_name: String,
        /// `SharedAccessKey`.
        key: Secret<String>,
    },
    /// A ready-made token (`SharedAccessSignature`).
    SharedAccessSignature(Secret<String>),
}

/// A parsed and validated Event Hubs connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionString {
    endpoint: Endpoint,
    credential: Credential,
    entity_path: Option<String>,
    use_development_emulator: bool,
}

/// A connection string that cannot be used. Messages name parts, never their secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    /// The string is empty.
    #[error("the connection string is empty: copy it from the namespace's or hub's shared access policies")]
    Empty,
    /// A part has no `=`.
    #[error("part {position} of the connection string is not Name=Value: separate parts with `;`")]
    MalformedPart {
        /// The part's position, counting from 1.
        position: usize,
    },
    /// Text that is not a part comes before `Endpoint=`, as when a whole shell or configuration
    /// line is copied.
    #[error("{}: use only the connection string, from Endpoint= to its last part, without \
             quotation marks", match .assignment {
        Some(assignment) => format!("the text before Endpoint= (`{assignment}`) is not part of the \
                                connection string but a shell or configuration line's start"),
        None => "text that is not part of the connection string comes before Endpoint=, such \
                 as a setting's name or a shell command".to_owned(),
    })]
    LeadingText {
        /// The text before `Endpoint=` when it is a variable assignment such as `export
        /// NAME="`, which shows no secret; `None` otherwise.
        assignment: Option<String>,
    },
    /// The whole string, or the value of a part, is in quotation marks, as configuration files
    /// and shells show them.
    #[error("{} in quotation marks: remove them, they are not part of the connection string", match .part {
        Some(part) => format!("the value of {part} is"),
        None => "the connection string is".to_owned(),
    })]
    Quoted {
        /// The part whose value is quoted; `None` when the whole string is.
        part: Option<&'static str>,
    },
    /// The whole string, or the value of a part, has a quotation mark at one end only, which a
    /// partial copy of quoted text leaves.
    #[error("{} a quotation mark at its {end}: remove it, it is not part of the connection string", match .part {
        Some(part) => format!("the value of {part} has"),
        None => "the connection string has".to_owned(),
    })]
    StrayQuotationMark {
        /// The part whose value has the mark, or `None` when the whole string has it.
        part: Option<&'static str>,
        /// The end the mark is at: `start` or `end`.
        end: &'static str,
    },
    /// A part's value contains a character that no valid value contains, such as the space, line
    /// break or zero-width space that copying text can add.
    #[error(
        "the value of {part} contains {character} at character {position}: remove it or type \
         it again, copying the string can add spaces, line breaks, invisible characters and \
         look-alike letters"
    )]
    UnexpectedCharacter {
        /// The part's name.
        part: &'static str,
        /// The character in words, such as "a space" or "the invisible character U+200B".
        character: String,
        /// The character's position in the value, counting from 1.
        position: usize,
    },
    /// A part's name contains a character that no part name contains: a letter that only looks
    /// like an ASCII one, an invisible character or a control character. The name itself is not
    /// shown, because a part without `=` may be a piece of a key.
    #[error(
        "the name of part {position} {}contains {character} at character {index}: type the name \
         again in ASCII letters, copying the string can add invisible characters and look-alike \
         letters",
        match .looks_like {
            Some(name) => format!("looks like {name} but "),
            None => String::new(),
        }
    )]
    UnexpectedCharacterInName {
        /// The part's position, counting from 1.
        position: usize,
        /// The part name this name matches when its unexpected characters are ignored.
        looks_like: Option<&'static str>,
        /// The character in words, such as "the non-ASCII character U+0435".
        character: String,
        /// The character's position in the name, counting from 1.
        index: usize,
    },
    /// A part occurs twice.
    #[error("the connection string has {name} twice: keep one")]
    DuplicatePart {
        /// The part name.
        name: &'static str,
    },
    /// A part's value contains another part's `Name=`, so the `;` between them is missing.
    #[error(
        "the value of {part} contains `{contained}=`, so a semicolon seems to be missing between \
         the parts: separate them with `;`"
    )]
    MissingSeparator {
        /// The part whose value is affected: its name, or `part N` for a part this parser does
        /// not read.
        part: String,
        /// The name of the part found inside the value.
        contained: &'static str,
    },
    /// The string belongs to an IoT hub, not an Event Hubs namespace.
    #[error(
        "this is an IoT Hub connection string (it has HostName=), not an Event Hubs one: \
             in the Azure portal open the IoT hub's Built-in endpoints page and copy the \
             Event Hubs-compatible endpoint, which starts with Endpoint=sb://"
    )]
    IotHub,
    /// The string belongs to another Azure service, such as a storage account.
    #[error(
        "this is an {service} connection string (it has {marker}=), not an Event Hubs one: \
         in the Azure portal open the Event Hubs namespace or event hub, then Shared access \
         policies, and copy a policy's connection string, which starts with Endpoint=sb://"
    )]
    OtherService {
        /// The service the string belongs to.
        service: &'static str,
        /// The part that identifies the service.
        marker: &'static str,
    },
    /// The string requests Microsoft Entra ID authentication (`Authentication=`, as the older
    /// .NET client read it) and has no key or signature.
    #[error(
        "the connection string requests `Authentication={value}` and has no key: a connection \
         string here authenticates with a shared access key, and Microsoft Entra ID sign-in \
         (managed identity) is not available on the Local target. Copy a shared access \
         policy's connection string, which has SharedAccessKeyName and SharedAccessKey"
    )]
    EntraIdOnly {
        /// The `Authentication` value, such as `Managed Identity`.
        value: String,
    },
    /// A required part is absent.
    #[error("the connection string has no {part}: {hint}")]
    MissingPart {
        /// The missing part's name.
        part: &'static str,
        /// A hint on where to find the part.
        hint: &'static str,
    },
    /// A required part is present with no value.
    #[error("the connection string's {part} is empty: {hint}")]
    EmptyPart {
        /// The empty part's name.
        part: &'static str,
        /// A hint on where to find the value.
        hint: &'static str,
    },
    /// `SharedAccessSignature` is not a SAS token.
    #[error(
        "the connection string's SharedAccessSignature is not a SAS token: {reason}. Paste the \
         whole token, written SharedAccessSignature sr={{resource}}&sig={{signature}}\
         &se={{expiry}}&skn={{policy}}"
    )]
    InvalidSharedAccessSignature {
        /// The reason the token does not parse, which names fields but never the signature.
        reason: String,
    },
    /// `EntityPath` is not an event hub name, such as a path with consumer group or partition.
    #[error(
        "the connection string's EntityPath `{entity_path}` is not an event hub name: it \
         {problem}. Set EntityPath to the hub's name alone, such as EntityPath=lead, or remove it"
    )]
    InvalidEntityPath {
        /// The value as written, with key-like text replaced by `***`.
        entity_path: String,
        /// The way the value breaks Azure's rule for event hub names.
        problem: String,
    },
    /// Both a key and a ready-made token were given.
    #[error("the connection string has both SharedAccessKey and SharedAccessSignature: keep one")]
    ConflictingCredentials,
    /// The `Endpoint` cannot be parsed.
    #[error("the Endpoint `{endpoint}` is invalid: {reason}")]
    InvalidEndpoint {
        /// The endpoint as written, with key-like text replaced by `***`.
        endpoint: String,
        /// The reason, with the expected form.
        reason: &'static str,
    },
    /// `UseDevelopmentEmulator` is neither `true` nor `false`.
    #[error(
        "UseDevelopmentEmulator must be true or false, not `{value}`: write \
         UseDevelopmentEmulator=true for plain AMQP to a broker on this machine, or remove the \
         part to connect over TLS"
    )]
    InvalidEmulatorFlag {
        /// The value as written, with key-like text replaced by `***`.
        value: String,
    },
    /// `UseDevelopmentEmulator=true` with an endpoint on another machine.
    #[error(
        "UseDevelopmentEmulator=true is allowed only with localhost or 127.0.0.1, not `{host}`: \
             it turns TLS off, and plain, unencrypted AMQP is allowed only to this machine"
    )]
    EmulatorNotLocal {
        /// The endpoint's host, with key-like text replaced by `***`.
        host: String,
    },
    /// The string names one hub and the caller another.
    #[error(
        "the connection string is scoped to event hub `{scoped}` (EntityPath), not `{requested}`: \
             use a connection string for `{requested}` or one without EntityPath"
    )]
    EntityPathMismatch {
        /// The hub in `EntityPath`, with key-like text replaced by `***`.
        scoped: String,
        /// The hub the caller asked for.
        requested: String,
    },
    /// Neither the string nor the caller names a hub.
    #[error("the connection string has no EntityPath: name the event hub to use")]
    MissingHub,
}

impl ConnectionString {
    /// Parses and validates a connection string.
    pub fn parse(text: &str) -> Result<Self, ConnectionStringError> {
        let parts = split_parts(text)?;
        if parts.is_empty() {
            return Err(ConnectionStringError::Empty);
        }
        check_non_ascii(&parts)?;
        check_separators(&parts)?;
        check_characters(&parts)?;
        let find = |name: &str| {
            parts
                .iter()
                .find(|part| part.name.eq_ignore_ascii_case(name))
                .map(|part| part.value)
        };
        let redactor = Redactor::new(
            [find("SharedAccessKey"), find("SharedAccessSignature")]
                .into_iter()
                .flatten(),
        );

        if find("HostName").is_some() && find("Endpoint").is_none() {
            return Err(ConnectionStringError::IotHub);
        }
        if find("Endpoint").is_none() {
            if let Some(error) = other_service(&parts) {
                return Err(error);
            }
        }
        let endpoint_text = find("Endpoint").ok_or(ConnectionStringError::MissingPart {
            part: "Endpoint",
            hint: "add Endpoint=sb://{namespace}.servicebus.windows.net/",
        })?;
        let endpoint = parse_endpoint(endpoint_text, &redactor)?;

        let use_development_emulator = match find("UseDevelopmentEmulator") {
            None => false,
            Some(value) if value.eq_ignore_ascii_case("true") => true,
            Some(value) if value.eq_ignore_ascii_case("false") => false,
            Some(value) => {
                return Err(ConnectionStringError::InvalidEmulatorFlag {
                    value: redactor.show(value),
                })
            }
        };
        if use_development_emulator && !is_local_host(&endpoint.host) {
            return Err(ConnectionStringError::EmulatorNotLocal {
                host: redactor.show(&endpoint.host),
            });
        }

        if let Some(value) = find("Authentication") {
            let has_secret = [find("SharedAccessKey"), find("SharedAccessSignature")]
                .into_iter()
                .flatten()
                .any(|secret| !secret.is_empty());
            if !has_secret {
                return Err(ConnectionStringError::EntraIdOnly {
                    value: redactor.show(value),
                });
            }
        }
        let credential = parse_credential(
            find("SharedAccessKeyName"),
            find("SharedAccessKey"),
            find("SharedAccessSignature"),
        )?;
        let entity_path = find("EntityPath")
            .filter(|path| !path.is_empty())
            .map(|path| check_entity_path(path, &redactor))
            .transpose()?;
        Ok(Self {
            endpoint,
            credential,
            entity_path,
            use_development_emulator,
        })
    }

    /// Returns the endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Returns the credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Returns `EntityPath`, the hub the string is scoped to.
    pub fn entity_path(&self) -> Option<&str> {
        self.entity_path.as_deref()
    }

    /// Returns whether `UseDevelopmentEmulator=true` was given: plain AMQP, port kept.
    pub fn use_development_emulator(&self) -> bool {
        self.use_development_emulator
    }

    /// Returns whether clients must use TLS: every string except a development emulator one.
    pub fn uses_tls(&self) -> bool {
        !self.use_development_emulator
    }

    /// Returns the port to connect to: the endpoint's own, else 5672 for the emulator and 5671
    /// for TLS.
    pub fn port(&self) -> u16 {
        self.endpoint.port.unwrap_or(if self.uses_tls() {
            AMQPS_PORT
        } else {
            AMQP_PORT
        })
    }

    /// Returns `host:port`, the fully qualified namespace clients connect to. An IPv6 host is
    /// in brackets, as in `[::1]:5671`, so that its colons are not read as the port's.
    pub fn fully_qualified_namespace(&self) -> String {
        let host = &self.endpoint.host;
        if host.contains(':') {
            format!("[{host}]:{}", self.port())
        } else {
            format!("{host}:{}", self.port())
        }
    }

    /// Returns the AMQP URL clients open: `amqp://host:port` for the emulator, else
    /// `amqps://host:port`.
    pub fn amqp_url(&self) -> String {
        let scheme = if self.uses_tls() { "amqps" } else { "amqp" };
        format!("{scheme}://{}", self.fully_qualified_namespace())
    }

    /// Writes the string in the form the Azure portal shows: part names in Azure's spelling, no
    /// spaces and no unknown parts. Clients that match part names case-sensitively, such as
    /// `azeventhubs` 0.20, then read the same namespace, hub and credential as this parser.
    pub fn to_canonical(&self) -> Secret<String> {
        let host = &self.endpoint.host;
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let port = self
            .endpoint
            .port
            .map(|port| format!(":{port}"))
            .unwrap_or_default();
        let mut text = format!("Endpoint={}://{host}{port}/", self.endpoint.scheme);
        match &self.credential {
            Credential::SharedAccessKey { key_name, key } => {
                text.push_str(&format!(
                    ";SharedAccessKeyName={key_name};SharedAccessKey={}",
                    key.expose()
                ));
            }
            Credential::SharedAccessSignature(signature) => {
                text.push_str(&format!(";SharedAccessSignature={}", signature.expose()));
            }
        }
        if let Some(entity_path) = &self.entity_path {
            text.push_str(&format!(";EntityPath={entity_path}"));
        }
        if self.use_development_emulator {
            text.push_str(";UseDevelopmentEmulator=true");
        }
        Secret::new(text)
    }

    /// Chooses the hub to use: the caller's, which must match `EntityPath` when the string
    /// has one, or else `EntityPath`.
    pub fn hub<'a>(&'a self, requested: Option<&'a str>) -> Result<&'a str, ConnectionStringError> {
        match (self.entity_path.as_deref(), requested) {
            (Some(scoped), Some(requested)) if !scoped.eq_ignore_ascii_case(requested) => {
                let secret = match &self.credential {
                    Credential::SharedAccessKey { key, .. } => key.expose(),
                    Credential::SharedAccessSignature(signature) => signature.expose(),
                };
                Err(ConnectionStringError::EntityPathMismatch {
                    scoped: Redactor::new([secret.as_str()]).show_name(scoped),
                    requested: requested.to_owned(),
                })
            }
            (Some(scoped), _) => Ok(scoped),
            (None, Some(requested)) => Ok(requested),
            (None, None) => Err(ConnectionStringError::MissingHub),
        }
    }
}

/// One `Name=Value` part of a connection string.
struct Part<'a> {
    /// The part's position, counting from 1.
    position: usize,
    name: &'a str,
    value: &'a str,
}

fn split_parts(text: &str) -> Result<Vec<Part<'_>>, ConnectionStringError> {
    check_leading_text(text)?;
    check_quotation_marks(text.trim(), None)?;
    let mut parts: Vec<Part<'_>> = Vec::new();
    for (index, part) in text.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        check_name_characters(
            part.split_once('=').map_or(part, |(name, _)| name),
            index + 1,
        )?;
        // Split at the first `=` only: base64 keys end in `=`.
        let (name, value) = part
            .split_once('=')
            .ok_or(ConnectionStringError::MalformedPart {
                position: index + 1,
            })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(ConnectionStringError::MalformedPart {
                position: index + 1,
            });
        }
        // Only the parts this parser reads can be duplicates: an unknown name is never shown,
        // because it may be a piece of a key.
        if let Some(known) = known_part_name(name) {
            if parts
                .iter()
                .any(|seen| seen.name.eq_ignore_ascii_case(known))
            {
                return Err(ConnectionStringError::DuplicatePart { name: known });
            }
        }
        let value = value.trim();
        if let Some(known) = known_part_name(name) {
            check_quotation_marks(value, Some(known))?;
        }
        parts.push(Part {
            position: index + 1,
            name,
            value,
        });
    }
    Ok(parts)
}

/// Rejects text in front of the first `Endpoint=` that is not a part of its own, such as the
/// `export NAME="` of a shell line or the key of a JSON setting. Only an `Endpoint=` at a word
/// boundary counts, so a base64 key that happens to end in `Endpoint=` is not taken for one.
fn check_leading_text(text: &str) -> Result<(), ConnectionStringError> {
    let lower = text.to_ascii_lowercase();
    let is_key_character = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
    let start = lower.match_indices("endpoint").find_map(|(at, _)| {
        let at_boundary = !lower[..at]
            .chars()
            .next_back()
            .is_some_and(is_key_character);
        let assigned = lower[at + "endpoint".len()..].trim_start().starts_with('=');
        (at_boundary && assigned).then_some(at)
    });
    let Some(start) = start else {
        return Ok(());
    };

    let before = text[..start].trim();
    // Quotation marks and invisible characters alone are left to the checks that name them.
    let stray = |c: char| c.is_whitespace() || QUOTATION_MARKS.contains(&c) || is_invisible(c);
    if before.chars().all(stray) || before.ends_with(';') {
        return Ok(());
    }

    // Parts before Endpoint= with a lost `;`, as in `SharedAccessKeyName=send Endpoint=`, are
    // left to the check that names the missing separator.
    let before_lower = before.to_ascii_lowercase();
    if PART_NAMES
        .into_iter()
        .any(|name| find_part_name(&before_lower, name).is_some())
    {
        return Ok(());
    }

    Err(ConnectionStringError::LeadingText {
        assignment: is_variable_assignment(before).then(|| before.to_owned()),
    })
}

/// Decides whether `text` is the start of a variable assignment: `export `, `set ` or `$env:`
/// or a name with `_`, then `=` and an optional quotation mark. A bare name without `_` is not
/// taken for one, because a base64 key with its `=` looks the same and must not be shown.
fn is_variable_assignment(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let command = ["export ", "set ", "$env:"]
        .into_iter()
        .find_map(|command| lower.strip_prefix(command));
    let rest = command.unwrap_or(&lower).trim_start();
    let rest = rest
        .strip_suffix(|c: char| QUOTATION_MARKS.contains(&c))
        .unwrap_or(rest)
        .trim_end();
    let Some(name) = rest.strip_suffix('=') else {
        return false;
    };
    let name = name.trim_end();
    let mut characters = name.chars();
    let is_name = characters
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name && (command.is_some() || name.contains('_'))
}

/// The quotation marks that shells, configuration files, Markdown and word processors put
/// around a copied string. No valid value starts or ends with one.
const QUOTATION_MARKS: [char; 10] = [
    '"', '\'', '`', '\u{201c}', '\u{201d}', '\u{201e}', '\u{2018}', '\u{2019}', '\u{ab}', '\u{bb}',
];

/// Rejects a text, the whole string when `part` is `None`, that starts or ends with a
/// quotation mark.
fn check_quotation_marks(
    text: &str,
    part: Option<&'static str>,
) -> Result<(), ConnectionStringError> {
    let is_mark = |c: Option<char>| c.is_some_and(|c| QUOTATION_MARKS.contains(&c));
    let starts = is_mark(text.chars().next());
    let ends = is_mark(text.chars().next_back());
    match (starts, ends) {
        (true, true) if text.chars().count() >= 2 => Err(ConnectionStringError::Quoted { part }),
        (true, _) => Err(ConnectionStringError::StrayQuotationMark { part, end: "start" }),
        (false, true) => Err(ConnectionStringError::StrayQuotationMark { part, end: "end" }),
        (false, false) => Ok(()),
    }
}

fn known_part_name(name: &str) -> Option<&'static str> {
    PART_NAMES
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(name))
}

/// Rejects a part whose value contains another part's `Name=` (spaces before the `=` allowed),
/// naming the part found first in the value.
fn check_separators(parts: &[Part<'_>]) -> Result<(), ConnectionStringError> {
    for part in parts {
        let value = part.value.to_ascii_lowercase();
        let found = PART_NAMES
            .into_iter()
            .filter_map(|name| find_part_name(&value, name).map(|at| (at, name)))
            .min();
        if let Some((_, contained)) = found {
            let part = match known_part_name(part.name) {
                Some(name) => name.to_owned(),
                None => format!("part {}", part.position),
            };
            return Err(ConnectionStringError::MissingSeparator { part, contained });
        }
    }
    Ok(())
}

/// Returns where `name=` starts in `lower_value`, which must be in lower case.
fn find_part_name(lower_value: &str, name: &str) -> Option<usize> {
    let name = name.to_ascii_lowercase();
    lower_value.match_indices(&name).find_map(|(at, _)| {
        let after = &lower_value[at + name.len()..];
        after.trim_start().starts_with('=').then_some(at)
    })
}

/// Rejects a value of a part this parser reads that contains whitespace, a control character
/// or an invisible formatting character. No valid value does, except the space that follows
/// `SharedAccessSignature` at the start of a token.
fn check_characters(parts: &[Part<'_>]) -> Result<(), ConnectionStringError> {
    for part in parts {
        let Some(name) = known_part_name(part.name) else {
            continue;
        };
        let space_allowed = name == "SharedAccessSignature";
        let found = part.value.chars().enumerate().find(|(_, c)| {
            let unexpected_space = c.is_whitespace() && !(space_allowed && *c == ' ');
            unexpected_space || c.is_control() || is_invisible(*c)
        });
        if let Some((index, c)) = found {
            return Err(ConnectionStringError::UnexpectedCharacter {
                part: name,
                character: describe_character(c),
                position: index + 1,
            });
        }
    }
    Ok(())
}

/// Rejects a part name, or a part without `=`, that contains a non-ASCII or control
/// character. Part names are ASCII letters, so such a character is a look-alike of a letter or
/// was added by copying, and the part would otherwise be ignored as unknown.
fn check_name_characters(name: &str, position: usize) -> Result<(), ConnectionStringError> {
    let name = name.trim();
    let found = name
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii() || c.is_ascii_control());
    let Some((index, c)) = found else {
        return Ok(());
    };
    Err(ConnectionStringError::UnexpectedCharacterInName {
        position,
        looks_like: PART_NAMES
            .into_iter()
            .find(|known| matches_ignoring_unexpected(name, known)),
        character: describe_character(c),
        index: index + 1,
    })
}

/// Decides whether `name` is `known` in any case once invisible characters are dropped and
/// every other non-ASCII character is taken for the letter at its place.
fn matches_ignoring_unexpected(name: &str, known: &str) -> bool {
    let visible: Vec<char> = name
        .chars()
        .filter(|c| !is_invisible(*c) && !c.is_control())
        .collect();
    visible.len() == known.len()
        && visible
            .iter()
            .zip(known.chars())
            .all(|(c, k)| !c.is_ascii() || c.eq_ignore_ascii_case(&k))
}

/// Rejects a value of a part this parser reads that contains a non-ASCII character. No valid
/// value does: hosts, names, keys and tokens are ASCII. This runs before the search for lost
/// separators, so that a look-alike of `;` is named as such.
fn check_non_ascii(parts: &[Part<'_>]) -> Result<(), ConnectionStringError> {
    for part in parts {
        let Some(name) = known_part_name(part.name) else {
            continue;
        };
        if let Some((index, c)) = part.value.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
            return Err(ConnectionStringError::UnexpectedCharacter {
                part: name,
                character: describe_character(c),
                position: index + 1,
            });
        }
    }
    Ok(())
}

/// Decides whether a character is a formatting character that prints as nothing: soft hyphen,
/// zero-width spaces and joiners, direction marks, word joiners and the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF
    )
}

fn describe_character(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\n' | '\r' => "a line break".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_whitespace() => format!("the space character U+{:04X}", u32::from(c)),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c if is_invisible(c) => format!("the invisible character U+{:04X}", u32::from(c)),
        c => format!("the non-ASCII character U+{:04X}", u32::from(c)),
    }
}

/// Parts that only connection strings of other Azure services have, with the service's name.
/// They are looked for in this order, because Cosmos DB strings have `AccountKey` too.
const OTHER_SERVICE_PARTS: [(&str, &str); 5] = [
    ("AccountEndpoint", "Azure Cosmos DB"),
    ("DefaultEndpointsProtocol", "Azure Storage"),
    ("AccountName", "Azure Storage"),
    ("AccountKey", "Azure Storage"),
    ("BlobEndpoint", "Azure Storage"),
];

/// Returns the error for a string of another Azure service, when one of its parts marks it.
fn other_service(parts: &[Part<'_>]) -> Option<ConnectionStringError> {
    OTHER_SERVICE_PARTS
        .into_iter()
        .find(|(marker, _)| {
            parts
                .iter()
                .any(|part| part.name.eq_ignore_ascii_case(marker))
        })
        .map(|(marker, service)| ConnectionStringError::OtherService { service, marker })
}

fn parse_credential<'a>(
    key_name: Option<&'a str>,
    key: Option<&'a str>,
    signature: Option<&'a str>,
) -> Result<Credential, ConnectionStringError> {
    // An empty signature means the token was lost in copying, also when a key is given.
    if signature == Some("") {
        return Err(ConnectionStringError::EmptyPart {
            part: "SharedAccessSignature",
            hint: "paste the whole token, which starts with `SharedAccessSignature sr=`, or use \
                   SharedAccessKeyName and SharedAccessKey instead",
        });
    }
    let non_empty = |value: Option<&'a str>| value.filter(|value| !value.is_empty());
    match (non_empty(key), signature) {
        (Some(_), Some(_)) => Err(ConnectionStringError::ConflictingCredentials),
        (None, Some(signature)) => {
            SasToken::parse(signature).map_err(|error| {
                ConnectionStringError::InvalidSharedAccessSignature {
                    reason: token_problem(&error),
                }
            })?;
            Ok(Credential::SharedAccessSignature(Secret::new(
                signature.to_owned(),
            )))
        }
        (_, None) => {
            let key_name = required_part(key_name, "SharedAccessKeyName", KEY_NAME_HINT)?;
            let key = required_part(key, "SharedAccessKey", KEY_HINT)?;
            Ok(Credential::SharedAccessKey {
                key_name: key_name.to_owned(),
                key: Secret::new(key.to_owned()),
            })
        }
    }
}

/// Describes why a `SharedAccessSignature` value does not parse, in words that fit the
/// connection string's error.
fn token_problem(error: &TokenError) -> String {
    match error {
        TokenError::MissingPrefix => {
            "it does not start with the word SharedAccessSignature and a space".to_owned()
        }
        TokenError::MissingField { field } => format!("it has no `{field}=` field"),
        TokenError::DuplicateField { field } => format!("it has the `{field}=` field twice"),
        TokenError::MalformedField => "one of its fields has no `=`".to_owned(),
        TokenError::InvalidEncoding { field } => {
            format!("its `{field}=` field is not valid URL-encoded UTF-8")
        }
        TokenError::InvalidExpiry { value } => {
            format!("its expiry `se={value}` is not a number of seconds since the Unix epoch")
        }
    }
}

/// Checks that `EntityPath` is an event hub name, as Azure's connection strings scoped to a hub
/// have it, and not a path that also names a consumer group or partition.
fn check_entity_path(
    entity_path: &str,
    redactor: &Redactor<'_>,
) -> Result<String, ConnectionStringError> {
    match validate_hub_name(entity_path) {
        Ok(()) => Ok(entity_path.to_owned()),
        Err(EntityError::InvalidName { problem, .. }) => {
            Err(ConnectionStringError::InvalidEntityPath {
                entity_path: redactor.show_path(entity_path),
                problem,
            })
        }
        Err(other) => Err(ConnectionStringError::InvalidEntityPath {
            entity_path: redactor.show_path(entity_path),
            problem: other.to_string(),
        }),
    }
}

const KEY_NAME_HINT: &str =
    "add the name of the shared access policy, such as SharedAccessKeyName=send";

const KEY_HINT: &str = "copy the policy's primary or secondary key into SharedAccessKey=";

/// Returns a part's value, or the error for a part that is missing or empty.
fn required_part<'a>(
    value: Option<&'a str>,
    part: &'static str,
    hint: &'static str,
) -> Result<&'a str, ConnectionStringError> {
    match value {
        None => Err(ConnectionStringError::MissingPart { part, hint }),
        Some("") => Err(ConnectionStringError::EmptyPart { part, hint }),
        Some(value) => Ok(value),
    }
}

fn parse_endpoint(text: &str, redactor: &Redactor<'_>) -> Result<Endpoint, ConnectionStringError> {
    let invalid = |reason| ConnectionStringError::InvalidEndpoint {
        endpoint: redactor.show(text),
        reason,
    };
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| invalid("write it as sb://{host}[:port]/"))?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "sb" | "amqp" | "amqps") {
        return Err(invalid("use the sb:// scheme"));
    }
    // A user name or password before `@` is never part of an Event Hubs endpoint, and the
    // message must not show a password. It is looked for first, because a password may contain
    // `/`, `?` or `#`, which would otherwise end the host.
    if let Some((_, after)) = rest.rsplit_once('@') {
        let host_part = after.split(['/', '?', '#']).next().unwrap_or_default();
        return Err(ConnectionStringError::InvalidEndpoint {
            endpoint: redactor.show(&format!("{scheme}://***@{host_part}/")),
            reason: "it contains a user name or password before `@`: remove them, the \
                     SharedAccessKeyName and SharedAccessKey parts carry the credential",
        });
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // An Endpoint names only the namespace. Clients ignore a path, so a hub named there would
    // silently not be the one they use.
    if !matches!(&rest[authority.len()..], "" | "/") {
        return Err(invalid(
            "it has a path, query or fragment after the host: an Endpoint names only the \
             namespace, as sb://{namespace}.servicebus.windows.net/, and the event hub goes in \
             EntityPath",
        ));
    }
    // An IPv6 literal keeps its colons inside brackets: `[::1]:5672`.
    let (host, port_text) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':')),
            None => return Err(invalid("an IPv6 host needs a closing `]`")),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = port_text
        .map(|port| {
            port.parse::<u16>()
                .ok()
                .filter(|port| *port != 0)
                .ok_or_else(|| invalid("the port must be a number from 1 to 65535"))
        })
        .transpose()?;
    if host.is_empty() {
        return Err(invalid("it names no host: write it as sb://{host}[:port]/"));
    }
    let valid_host = if authority.starts_with('[') {
        host.chars().all(is_ipv6_char)
    } else {
        host.chars().all(is_host_name_char)
    };
    if !valid_host {
        return Err(invalid(
            "the host may contain only ASCII letters (a-z, A-Z), digits, hyphens and periods, \
             or an IPv6 address in brackets",
        ));
    }
    if !authority.starts_with('[') && !has_valid_labels(host) {
        return Err(invalid(
            "each label of the host, between periods, must be 1 to 63 characters that start \
             and end with a letter or digit: check for a missing namespace name or a doubled \
             period",
        ));
    }
    Ok(Endpoint {
        scheme,
        host: host.to_owned(),
        port,
    })
}

/// The longest DNS label, in characters.
const MAX_LABEL_LEN: usize = 63;

/// Checks the DNS labels of a host name: 1 to 63 characters each, not starting or ending with
/// a hyphen. One period may end the name, as in a fully qualified name.
fn has_valid_labels(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

fn is_host_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.')
}

fn is_ipv6_char(c: char) -> bool {
    c.is_ascii_hexdigit() || matches!(c, ':' | '.')
}

fn is_local_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "c2VjcmV0LWtleS1vZi10aGUtc2VuZC1ydWxlMTIzNDU=";

    fn azure(extra: &str) -> String {
        format!(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={KEY}{extra}"
        )
    }

    #[test]
    fn quoted_string_or_value_is_named() {
        let plain = azure(";EntityPath=customer");
        let whole = format!("\"{plain}\"");
        assert_eq!(
            ConnectionString::parse(&whole).unwrap_err().to_string(),
            "the connection string is in quotation marks: remove them, they are not part of the \
             connection string"
        );
        let single = format!("'{plain}'");
        assert_eq!(
            ConnectionString::parse(&single).unwrap_err(),
            ConnectionStringError::Quoted { part: None }
        );
        let endpoint = plain.replacen(
            "Endpoint=sb://ns.servicebus.windows.net/",
            "Endpoint=\"sb://ns.servicebus.windows.net/\"",
            1,
        );
        assert_eq!(
            ConnectionString::parse(&endpoint).unwrap_err().to_string(),
            "the value of Endpoint is in quotation marks: remove them, they are not part of the \
             connection string"
        );
    }

    #[test]
    fn shell_line_start_is_named() {
        let plain = azure(";EntityPath=customer");
        for (line, assignment) in [
            (
                format!("export EVENTHUB_CONNECTION_STRING=\"{plain}\""),
                "export EVENTHUB_CONNECTION_STRING=\"",
            ),
            (
                format!("EVENTHUB_CONNECTION_STRING={plain}"),
                "EVENTHUB_CONNECTION_STRING=",
            ),
            (
                format!("$env:EVENTHUB_CONNECTION_STRING = '{plain}'"),
                "$env:EVENTHUB_CONNECTION_STRING = '",
            ),
            (
                format!("set EVENTHUB_CONNECTION_STRING={plain}"),
                "set EVENTHUB_CONNECTION_STRING=",
            ),
        ] {
            let error = ConnectionString::parse(&line).unwrap_err();
            assert_eq!(
                error,
                ConnectionStringError::LeadingText {
                    assignment: Some(assignment.to_owned())
                },
                "{line}"
            );
            assert_eq!(
                error.to_string(),
                format!(
                    "the text before Endpoint= (`{assignment}`) is not part of the connection \
                     string but a shell or configuration line's start: use only the connection \
                     string, from Endpoint= to its last part, without quotation marks"
                )
            );
        }
    }

    #[test]
    fn setting_name_before_endpoint_rejected() {
        let plain = azure(";EntityPath=customer");
        let json = format!("\"EventHub\": \"{plain}\"");
        let error = ConnectionString::parse(&json).unwrap_err();
        assert_eq!(
            error,
            ConnectionStringError::LeadingText { assignment: None }
        );
        assert!(!error.to_string().contains(KEY));
        assert!(error
            .to_string()
            .starts_with("text that is not part of the connection string comes before Endpoint="));
    }

    #[test]
    fn lost_separator_before_endpoint_named() {
        let string = format!(
            "SharedAccessKeyName=send Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey={KEY}"
        );
        assert_eq!(
            ConnectionString::parse(&string).unwrap_err(),
            ConnectionStringError::MissingSeparator {
                part: "SharedAccessKeyName".to_owned(),
                contained: "Endpoint"
            }
        );
    }

    #[test]
    fn endpoint_after_other_parts_accepted() {
        let reordered = format!(
            "SharedAccessKeyName=send;SharedAccessKey={KEY};Endpoint=sb://ns.servicebus.windows.net/"
        );
        assert!(ConnectionString::parse(&reordered).is_ok());
        // A key that ends in `Endpoint=` is not taken for the Endpoint part.
        let odd_key = "abcdEndpoint=";
        let string = format!(
            "SharedAccessKeyName=send;SharedAccessKey={odd_key};Endpoint=sb://ns.servicebus.windows.net/"
        );
        assert!(!matches!(
            ConnectionString::parse(&string),
            Err(ConnectionStringError::LeadingText { .. })
        ));
    }

    #[test]
    fn entity_path_differs_from_hub() {
        let string = ConnectionString::parse(&azure(";EntityPath=customer")).unwrap();
        let error = string.hub(Some("lead")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the connection string is scoped to event hub `customer` (EntityPath), not `lead`: \
             use a connection string for `lead` or one without EntityPath"
        );
        assert_eq!(string.hub(Some("Customer")).unwrap(), "customer");
        assert_eq!(string.hub(None).unwrap(), "customer");
    }

    #[test]
    fn no_entity_path_and_no_hub() {
        let string = ConnectionString::parse(&azure("")).unwrap();
        assert_eq!(string.hub(None), Err(ConnectionStringError::MissingHub));
        assert_eq!(
            ConnectionStringError::MissingHub.to_string(),
            "the connection string has no EntityPath: name the event hub to use"
        );
        assert_eq!(string.hub(Some("lead")).unwrap(), "lead");
    }

    #[test]
    fn missing_key_named_without_secret() {
        let error = ConnectionString::parse(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send",
        )
        .unwrap_err();
        assert_eq!(
            error,
            ConnectionStringError::MissingPart {
                part: "SharedAccessKey",
                hint: "copy the policy's primary or secondary key into SharedAccessKey="
            }
        );
        let error = ConnectionString::parse(&format!(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey={KEY}"
        ))
        .unwrap_err();
        assert!(error.to_string().contains("SharedAccessKeyName"));
        assert!(!error.to_string().contains(KEY));
    }

    #[test]
    fn key_never_in_any_error() {
        let broken = [
            format!("Endpoint=ns;SharedAccessKeyName=send;SharedAccessKey={KEY}"),
            format!("SharedAccessKeyName=send;SharedAccessKey={KEY}"),
            format!("{KEY};Endpoint=sb://ns/"),
            azure(";SharedAccessKey=again"),
            azure(";SharedAccessSignature=SharedAccessSignature sr=x"),
            azure(";UseDevelopmentEmulator=true"),
            azure(";UseDevelopmentEmulator=yes"),
            format!("HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey={KEY}"),
            // Semicolons lost in pasting, so the key ends up inside another part's value.
            format!("Endpoint=sb://127.0.0.1:5672 SharedAccessKeyName=send SharedAccessKey={KEY};UseDevelopmentEmulator=true"),
            format!("Endpoint=sb://localhost SharedAccessKeyName=send SharedAccessKey={KEY};UseDevelopmentEmulator=true"),
            format!("Endpoint=sb://localhost;SharedAccessKeyName=send SharedAccessKey={KEY};UseDevelopmentEmulator=true"),
            format!("Endpoint=sb://localhost;SharedAccessKeyName=send;SharedAccessKey={KEY} EntityPath=lead"),
            format!("Endpoint=sb://localhost;SharedAccessKeyName=send;SharedAccessKey={KEY}UseDevelopmentEmulator=true"),
            format!("Endpoint=sb://localhost SharedAccessKey = {KEY};SharedAccessKeyName=send"),
            format!("Endpoint=sb://ns/;SharedAccessKeyName=send;SharedAccessKey={KEY};UseDevelopmentEmulator=true SharedAccessKey={KEY}"),
            format!("Endpoint=sb://ns/;SharedAccessKeyName=send;SharedAccessKey={KEY};Foo=bar SharedAccessKey={KEY}"),
            // The key where a value belongs, with or without its own part.
            format!("Endpoint=sb://127.0.0.1:{KEY};SharedAccessKeyName=send;SharedAccessKey={KEY}"),
            format!("Endpoint=sb://127.0.0.1:{KEY};SharedAccessKeyName=send"),
            format!("Endpoint={KEY};SharedAccessKeyName=send"),
            format!("Endpoint=sb://{KEY};SharedAccessKeyName=send;UseDevelopmentEmulator=true"),
            format!("Endpoint=sb://{KEY};SharedAccessKeyName=send;SharedAccessKey={KEY};UseDevelopmentEmulator=true"),
            format!("Endpoint=sb://localhost;SharedAccessKeyName=send;SharedAccessKey=k;UseDevelopmentEmulator={KEY}"),
            format!("{KEY};{KEY};Endpoint=sb://ns/"),
            format!("SharedAccessKey {KEY};SharedAccessKey {KEY};Endpoint=sb://ns/"),
            // Text that pasting adds to the key or around it.
            azure("\";EntityPath=lead"),
            azure("\u{200b}"),
            format!("DefaultEndpointsProtocol=https;AccountName=sa;AccountKey={KEY}"),
        ];
        for text in broken {
            let error = ConnectionString::parse(&text).unwrap_err();
            assert!(!error.to_string().contains(KEY), "{error}");
            assert!(!format!("{error:?}").contains(KEY), "{error:?}");
        }
        let parsed = ConnectionString::parse(&azure("")).unwrap();
        assert!(!format!("{parsed:?}").contains(KEY));
    }

    #[test]
    fn lost_semicolon_named() {
        let error = ConnectionString::parse(&format!(
            "Endpoint=sb://127.0.0.1:5672 SharedAccessKeyName=send SharedAccessKey={KEY};\
             UseDevelopmentEmulator=true"
        ))
        .unwrap_err();
        assert_eq!(
            error,
            ConnectionStringError::MissingSeparator {
                part: "Endpoint".to_owned(),
                contained: "SharedAccessKeyName"
            }
        );
        assert_eq!(
            error.to_string(),
            "the value of Endpoint contains `SharedAccessKeyName=`, so a semicolon seems to be \
             missing between the parts: separate them with `;`"
        );

        let cases = [
            (
                format!("Endpoint=sb://ns/;SharedAccessKeyName=send sharedaccesskey = {KEY}"),
                "SharedAccessKeyName",
                "SharedAccessKey",
            ),
            (
                format!("Endpoint=sb://ns/;SharedAccessKeyName=send;SharedAccessKey={KEY}EntityPath=lead"),
                "SharedAccessKey",
                "EntityPath",
            ),
            (
                format!("Endpoint=sb://ns/;SharedAccessKeyName=send;SharedAccessKey={KEY};Note=a Endpoint=b"),
                "part 4",
                "Endpoint",
            ),
        ];
        for (text, part, contained) in cases {
            assert_eq!(
                ConnectionString::parse(&text),
                Err(ConnectionStringError::MissingSeparator {
                    part: part.to_owned(),
                    contained
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn duplicate_part_named_in_azure_spelling() {
        let error = ConnectionString::parse(&azure(";sharedaccesskey=again")).unwrap_err();
        assert_eq!(
            error,
            ConnectionStringError::DuplicatePart {
                name: "SharedAccessKey"
            }
        );
        let unknown_twice = ConnectionString::parse(&azure(";Note=a;Note=b"));
        assert!(unknown_twice.is_ok(), "{unknown_twice:?}");
    }

    #[test]
    fn iot_hub_string_explained() {
        let error = ConnectionString::parse(&format!(
            "HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey={KEY}"
        ))
        .unwrap_err();
        assert_eq!(error, ConnectionStringError::IotHub);
        let message = error.to_string();
        assert!(message.contains("IoT Hub connection string"));
        assert!(message.contains("Event Hubs-compatible endpoint"));
    }

    #[test]
    fn managed_identity_without_key_explained() {
        let error = ConnectionString::parse(
            "Endpoint=sb://ns.servicebus.windows.net/;Authentication=Managed Identity;\
             EntityPath=customer",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the connection string requests `Authentication=Managed Identity` and has no key: a \
             connection string here authenticates with a shared access key, and Microsoft Entra \
             ID sign-in (managed identity) is not available on the Local target. Copy a shared \
             access policy's connection string, which has SharedAccessKeyName and SharedAccessKey"
        );
        // With a key, the part is one this parser does not read, as other clients ignore it.
        let parsed = ConnectionString::parse(
            "Endpoint=sb://ns.servicebus.windows.net/;Authentication=Managed Identity;\
             SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0LWtleS12YWx1ZQ==",
        );
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    #[test]
    fn emulator_only_on_this_machine() {
        let remote = ConnectionString::parse(&azure(";UseDevelopmentEmulator=true")).unwrap_err();
        assert_eq!(
            remote,
            ConnectionStringError::EmulatorNotLocal {
                host: "ns.servicebus.windows.net".to_owned()
            }
        );
        assert!(remote
            .to_string()
            .contains("plain, unencrypted AMQP is allowed only to this machine"));
        for host in ["localhost", "127.0.0.1", "LOCALHOST"] {
            let string = ConnectionString::parse(&format!(
                "Endpoint=sb://{host};SharedAccessKeyName=k;SharedAccessKey={KEY};UseDevelopmentEmulator=true"
            ))
            .unwrap();
            assert!(!string.uses_tls());
            assert_eq!(string.port(), AMQP_PORT);
        }
        let other_loopback = ConnectionString::parse(&format!(
            "Endpoint=sb://127.0.0.2;SharedAccessKeyName=k;SharedAccessKey={KEY};UseDevelopmentEmulator=true"
        ));
        assert!(other_loopback.is_err());
    }

    #[test]
    fn custom_port_kept() {
        let string = ConnectionString::parse(&format!(
            "Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey={KEY};UseDevelopmentEmulator=true"
        ))
        .unwrap();
        assert_eq!(string.endpoint().port, Some(5673));
        assert_eq!(string.port(), 5673);
        assert_eq!(string.fully_qualified_namespace(), "127.0.0.1:5673");
        assert_eq!(string.amqp_url(), "amqp://127.0.0.1:5673");
        let tls = ConnectionString::parse(&format!(
            "Endpoint=sb://127.0.0.1:5673/;SharedAccessKeyName=k;SharedAccessKey={KEY}"
        ))
        .unwrap();
        assert_eq!(tls.amqp_url(), "amqps://127.0.0.1:5673");
    }

    #[test]
    fn default_ports() {
        let string = ConnectionString::parse(&azure("")).unwrap();
        assert_eq!(string.port(), AMQPS_PORT);
        assert!(string.uses_tls());
    }

    #[test]
    fn parts_any_case_and_key_with_padding() {
        let string = ConnectionString::parse(&format!(
            " endpoint=SB://ns.servicebus.windows.net/ ; sharedaccesskeyname=send;sharedaccesskey={KEY};"
        ))
        .unwrap();
        assert_eq!(string.endpoint().scheme, "sb");
        match string.credential() {
            Credential::SharedAccessKey { key_name, key } => {
                assert_eq!(key_name, "send");
                assert_eq!(key.expose(), KEY);
            }
            other => panic!("expected a key credential, got {other:?}"),
        }
    }

    #[test]
    fn invalid_endpoints() {
        for (endpoint, reason) in [
            (
                "ns.servicebus.windows.net",
                "write it as sb://{host}[:port]/",
            ),
            ("https://ns/", "use the sb:// scheme"),
            (
                "sb://:5672",
                "it names no host: write it as sb://{host}[:port]/",
            ),
            ("sb://ns:99999", "the port must be a number from 1 to 65535"),
            (
                "sb://ns_1.example/",
                "the host may contain only ASCII letters (a-z, A-Z), digits, hyphens and periods, \
                 or an IPv6 address in brackets",
            ),
        ] {
            let error = ConnectionString::parse(&format!(
                "Endpoint={endpoint};SharedAccessKeyName=k;SharedAccessKey={KEY}"
            ))
            .unwrap_err();
            assert_eq!(
                error,
                ConnectionStringError::InvalidEndpoint {
                    endpoint: endpoint.to_owned(),
                    reason
                }
            );
        }
    }

    #[test]
    fn invalid_endpoint_shown_without_key() {
        let error = ConnectionString::parse(&format!(
            "Endpoint=sb://ns.example:{KEY};SharedAccessKeyName=k;SharedAccessKey={KEY}"
        ))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the Endpoint `sb://ns.example:***` is invalid: the port must be a number from 1 to \
             65535"
        );
    }

    #[test]
    fn shared_access_signature_credential() {
        let string = ConnectionString::parse(
            "Endpoint=sb://ns/;SharedAccessSignature=SharedAccessSignature sr=a&sig=b&se=1&skn=c",
        )
        .unwrap();
        assert!(matches!(
            string.credential(),
            Credential::SharedAccessSignature(_)
        ));
    }

    #[test]
    fn typographic_quotation_marks_named() {
        let plain = azure("");
        let whole = format!("\u{201c}{plain}\u{201d}");
        assert_eq!(
            ConnectionString::parse(&whole),
            Err(ConnectionStringError::Quoted { part: None })
        );
        let endpoint = plain.replacen(
            "sb://ns.servicebus.windows.net/",
            "\u{2018}sb://ns.servicebus.windows.net/\u{2019}",
            1,
        );
        assert_eq!(
            ConnectionString::parse(&endpoint),
            Err(ConnectionStringError::Quoted {
                part: Some("Endpoint")
            })
        );
    }

    #[test]
    fn stray_quotation_mark_named() {
        let cases = [
            (format!("\"{}", azure("")), None, "start"),
            (azure(";EntityPath=lead\""), None, "end"),
            (azure("';EntityPath=lead"), Some("SharedAccessKey"), "end"),
            (
                format!("Endpoint=`sb://ns/;SharedAccessKeyName=send;SharedAccessKey={KEY}"),
                Some("Endpoint"),
                "start",
            ),
            (
                azure(";EntityPath=\u{201c}lead;UseDevelopmentEmulator=false"),
                Some("EntityPath"),
                "start",
            ),
        ];
        for (text, part, end) in cases {
            assert_eq!(
                ConnectionString::parse(&text),
                Err(ConnectionStringError::StrayQuotationMark { part, end }),
                "{text}"
            );
        }
        let error = ConnectionString::parse(&azure("';EntityPath=lead")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the value of SharedAccessKey has a quotation mark at its end: remove it, it is not \
             part of the connection string"
        );
    }

    #[test]
    fn pasted_characters_in_values_named() {
        let wrapped_key = format!(
            "Endpoint=sb://ns/;SharedAccessKeyName=send;SharedAccessKey={}\n{}",
            &KEY[..20],
            &KEY[20..]
        );
        let cases = [
            (wrapped_key, "SharedAccessKey", "a line break", 21),
            (
                azure("\u{200b}"),
                "SharedAccessKey",
                "the invisible character U+200B",
                45,
            ),
            (azure(";EntityPath=le ad"), "EntityPath", "a space", 3),
            (
                format!("Endpoint=sb://ns\u{a0}1/;SharedAccessKeyName=send;SharedAccessKey={KEY}"),
                "Endpoint",
                "the space character U+00A0",
                8,
            ),
            (
                format!("Endpoint=sb://ns/;SharedAccessKeyName=se\tnd;SharedAccessKey={KEY}"),
                "SharedAccessKeyName",
                "a tab",
                3,
            ),
        ];
        for (text, part, character, position) in cases {
            assert_eq!(
                ConnectionString::parse(&text),
                Err(ConnectionStringError::UnexpectedCharacter {
                    part,
                    character: character.to_owned(),
                    position
                }),
                "{text:?}"
            );
        }
        let error = ConnectionString::parse(&azure("\u{200b}")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the value of SharedAccessKey contains the invisible character U+200B at character \
             45: remove it or type it again, copying the string can add spaces, line breaks, \
             invisible characters and look-alike letters"
        );
    }

    #[test]
    fn empty_parts_named() {
        let cases = [
            (
                "Endpoint=sb://ns/;SharedAccessKeyName=send;SharedAccessKey=".to_owned(),
                "SharedAccessKey",
                KEY_HINT,
            ),
            (
                format!("Endpoint=sb://ns/;SharedAccessKeyName= ;SharedAccessKey={KEY}"),
                "SharedAccessKeyName",
                KEY_NAME_HINT,
            ),
        ];
        for (text, part, hint) in cases {
            assert_eq!(
                ConnectionString::parse(&text),
                Err(ConnectionStringError::EmptyPart { part, hint }),
                "{text}"
            );
        }
        let error =
            ConnectionString::parse("Endpoint=sb://ns/;SharedAccessSignature=").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the connection string's SharedAccessSignature is empty: paste the whole token, which \
             starts with `SharedAccessSignature sr=`, or use SharedAccessKeyName and \
             SharedAccessKey instead"
        );
        let beside_key = ConnectionString::parse(&format!(
            "Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey={KEY};SharedAccessSignature="
        ));
        assert!(
            matches!(
                beside_key,
                Err(ConnectionStringError::EmptyPart {
                    part: "SharedAccessSignature",
                    ..
                })
            ),
            "{beside_key:?}"
        );
    }

    #[test]
    fn other_service_strings_named() {
        let cases = [
            (
                format!(
                    "DefaultEndpointsProtocol=https;AccountName=dvlakesaeundgrf;AccountKey={KEY};\
                     EndpointSuffix=core.windows.net"
                ),
                "Azure Storage",
                "DefaultEndpointsProtocol",
            ),
            (
                "BlobEndpoint=https://sa.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=a"
                    .to_owned(),
                "Azure Storage",
                "BlobEndpoint",
            ),
            (
                format!("AccountEndpoint=https://db.documents.azure.com:443/;AccountKey={KEY};"),
                "Azure Cosmos DB",
                "AccountEndpoint",
            ),
        ];
        for (text, service, marker) in cases {
            assert_eq!(
                ConnectionString::parse(&text),
                Err(ConnectionStringError::OtherService { service, marker }),
                "{text}"
            );
        }
        let error = ConnectionString::parse(&format!(
            "DefaultEndpointsProtocol=https;AccountName=sa;AccountKey={KEY}"
        ))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "this is an Azure Storage connection string (it has DefaultEndpointsProtocol=), not an \
             Event Hubs one: in the Azure portal open the Event Hubs namespace or event hub, then \
             Shared access policies, and copy a policy's connection string, which starts with \
             Endpoint=sb://"
        );
    }

    #[test]
    fn host_labels_checked() {
        let long_label = "a".repeat(64);
        for host in [
            ".servicebus.windows.net".to_owned(),
            "ns..servicebus.windows.net".to_owned(),
            "-ns.servicebus.windows.net".to_owned(),
            "ns-.servicebus.windows.net".to_owned(),
            format!("{long_label}.servicebus.windows.net"),
        ] {
            let endpoint = format!("sb://{host}/");
            let error = ConnectionString::parse(&format!(
                "Endpoint={endpoint};SharedAccessKeyName=k;SharedAccessKey={KEY}"
            ))
            .unwrap_err();
            assert_eq!(
                error,
                ConnectionStringError::InvalidEndpoint {
                    endpoint,
                    reason: "each label of the host, between periods, must be 1 to 63 characters \
                             that start and end with a letter or digit: check for a missing \
                             namespace name or a doubled period"
                }
            );
        }
        let fully_qualified = ConnectionString::parse(&format!(
            "Endpoint=sb://ns.servicebus.windows.net./;SharedAccessKeyName=k;SharedAccessKey={KEY}"
        ));
        assert!(fully_qualified.is_ok(), "{fully_qualified:?}");
    }

    #[test]
    fn ipv6_host_in_brackets() {
        let string = ConnectionString::parse(&format!(
            "Endpoint=sb://[::1]:5671/;SharedAccessKeyName=k;SharedAccessKey={KEY}"
        ))
        .unwrap();
        assert_eq!(string.endpoint().host, "::1");
        assert_eq!(string.fully_qualified_namespace(), "[::1]:5671");
        assert_eq!(string.amqp_url(), "amqps://[::1]:5671");
    }

    #[test]
    fn entity_path_not_a_hub_name() {
        let error = ConnectionString::parse(&azure(";EntityPath=lead/ConsumerGroups/$Default"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the connection string's EntityPath `lead/ConsumerGroups/$Default` is not an event \
             hub name: it contains `/` (U+002F), which is not allowed. Set EntityPath to the \
             hub's name alone, such as EntityPath=lead, or remove it"
        );
        for entity_path in [
            "lead/",
            "lead/Partitions/0",
            "/lead",
            "$cbs",
            "-lead",
            "lead.",
            "sb://ns.servicebus.windows.net/lead",
        ] {
            let error =
                ConnectionString::parse(&azure(&format!(";EntityPath={entity_path}"))).unwrap_err();
            assert!(
                matches!(
                    &error,
                    ConnectionStringError::InvalidEntityPath { entity_path: shown, .. }
                        if shown == entity_path
                ),
                "EntityPath={entity_path} gave {error:?}"
            );
        }
        // A URL-encoded value is shown as `***`, as an encoded signature would be, but the
        // problem still names the character.
        let encoded = ConnectionString::parse(&azure(";EntityPath=lead%20orders")).unwrap_err();
        assert_eq!(
            encoded,
            ConnectionStringError::InvalidEntityPath {
                entity_path: "***".to_owned(),
                problem: "contains `%` (U+0025), which is not allowed".to_owned()
            }
        );
        let longest = "h".repeat(256);
        assert!(ConnectionString::parse(&azure(&format!(";EntityPath={longest}"))).is_ok());
        let too_long = "h".repeat(257);
        assert!(ConnectionString::parse(&azure(&format!(";EntityPath={too_long}"))).is_err());
    }

    #[test]
    fn entity_path_mismatch_shows_mixed_case_hub() {
        let string = ConnectionString::parse(&azure(";EntityPath=CustomerOrdersFromWeb")).unwrap();
        assert_eq!(
            string
                .hub(Some("LeadsFromTheWebShop"))
                .unwrap_err()
                .to_string(),
            "the connection string is scoped to event hub `CustomerOrdersFromWeb` (EntityPath), \
             not `LeadsFromTheWebShop`: use a connection string for `LeadsFromTheWebShop` or one \
             without EntityPath"
        );
        let piece_of_key = &KEY[..12];
        let string =
            ConnectionString::parse(&azure(&format!(";EntityPath={piece_of_key}"))).unwrap();
        let error = string.hub(Some("lead")).unwrap_err().to_string();
        assert!(!error.contains(piece_of_key), "{error}");
    }

    #[test]
    fn invalid_shared_access_signature_named() {
        let signature = "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg%3D%3D";
        let cases = [
            (
                format!("sr=sb%3A%2F%2Fns%2Flead&sig={signature}&se=1700000000&skn=send"),
                "it does not start with the word SharedAccessSignature and a space",
            ),
            (
                "SharedAccessSignature".to_owned(),
                "it does not start with the word SharedAccessSignature and a space",
            ),
            (
                "hello".to_owned(),
                "it does not start with the word SharedAccessSignature and a space",
            ),
            (
                format!("SharedAccessSignature sr=sb%3A%2F%2Fns%2Flead&sig={signature}&skn=send"),
                "it has no `se=` field",
            ),
            (
                format!("SharedAccessSignature sig={signature}&se=1700000000&skn=send"),
                "it has no `sr=` field",
            ),
            (
                format!(
                    "SharedAccessSignature sr=a&sig={signature}&se=1700000000&skn=send&sig=other"
                ),
                "it has the `sig=` field twice",
            ),
            (
                format!("SharedAccessSignature sr=a&sig={signature}&se=tomorrow&skn=send"),
                "its expiry `se=tomorrow` is not a number of seconds since the Unix epoch",
            ),
        ];
        for (token, reason) in cases {
            let error = ConnectionString::parse(&format!(
                "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature={token}"
            ))
            .unwrap_err();
            assert_eq!(
                error,
                ConnectionStringError::InvalidSharedAccessSignature {
                    reason: reason.to_owned()
                },
                "token {token}"
            );
            assert!(!error.to_string().contains(signature));
        }
        assert_eq!(
            ConnectionString::parse(
                "Endpoint=sb://ns/;SharedAccessSignature=SharedAccessSignature sr=a&sig=b&se=x&skn=c"
            )
            .unwrap_err()
            .to_string(),
            "the connection string's SharedAccessSignature is not a SAS token: its expiry `se=x` \
             is not a number of seconds since the Unix epoch. Paste the whole token, written \
             SharedAccessSignature sr={resource}&sig={signature}&se={expiry}&skn={policy}"
        );
    }

    #[test]
    fn endpoint_user_info_rejected_and_hidden() {
        let error = ConnectionString::parse(&format!(
            "Endpoint=sb://admin:Pa55word@ns.servicebus.windows.net/;SharedAccessKeyName=k;\
             SharedAccessKey={KEY}"
        ))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the Endpoint `sb://***@ns.servicebus.windows.net/` is invalid: it contains a user \
             name or password before `@`: remove them, the SharedAccessKeyName and \
             SharedAccessKey parts carry the credential"
        );
    }

    #[test]
    fn endpoint_path_rejected() {
        for endpoint in [
            "sb://ns.servicebus.windows.net/orders",
            "sb://ns.servicebus.windows.net/?a=b",
            "sb://ns.servicebus.windows.net#lead",
        ] {
            let error = ConnectionString::parse(&format!(
                "Endpoint={endpoint};SharedAccessKeyName=k;SharedAccessKey={KEY}"
            ))
            .unwrap_err();
            assert_eq!(
                error,
                ConnectionStringError::InvalidEndpoint {
                    endpoint: endpoint.to_owned(),
                    reason: "it has a path, query or fragment after the host: an Endpoint names \
                             only the namespace, as sb://{namespace}.servicebus.windows.net/, \
                             and the event hub goes in EntityPath"
                }
            );
        }
    }

    #[test]
    fn password_with_slash_hidden() {
        let error = ConnectionString::parse(&format!(
            "Endpoint=sb://admin:Pa/55word@ns.servicebus.windows.net/;SharedAccessKeyName=k;\
             SharedAccessKey={KEY}"
        ))
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("the Endpoint `sb://***@ns.servicebus.windows.net/` is invalid"),
            "{message}"
        );
        assert!(!message.contains("55word"), "{message}");
    }

    #[test]
    fn look_alike_part_name_named() {
        let greek = azure("").replacen("SharedAccessKeyName", "SharedAcc\u{0435}ssKeyName", 1);
        let error = ConnectionString::parse(&greek).unwrap_err();
        assert_eq!(
            error,
            ConnectionStringError::UnexpectedCharacterInName {
                position: 2,
                looks_like: Some("SharedAccessKeyName"),
                character: "the non-ASCII character U+0435".to_owned(),
                index: 10
            }
        );
        assert_eq!(
            error.to_string(),
            "the name of part 2 looks like SharedAccessKeyName but contains the non-ASCII \
             character U+0435 at character 10: type the name again in ASCII letters, copying the \
             string can add invisible characters and look-alike letters"
        );

        let byte_order_mark = ConnectionString::parse(&format!("\u{feff}{}", azure("")));
        assert_eq!(
            byte_order_mark,
            Err(ConnectionStringError::UnexpectedCharacterInName {
                position: 1,
                looks_like: Some("Endpoint"),
                character: "the invisible character U+FEFF".to_owned(),
                index: 1
            })
        );
        let full_width_equals = ConnectionString::parse(&azure(";EntityPath\u{ff1d}lead"));
        assert_eq!(
            full_width_equals,
            Err(ConnectionStringError::UnexpectedCharacterInName {
                position: 4,
                looks_like: None,
                character: "the non-ASCII character U+FF1D".to_owned(),
                index: 11
            })
        );
    }

    #[test]
    fn look_alike_separator_named() {
        // U+037E, the Greek question mark, looks like `;`.
        let error = ConnectionString::parse(&azure("\u{037e}EntityPath=lead")).unwrap_err();
        assert_eq!(
            error,
            ConnectionStringError::UnexpectedCharacter {
                part: "SharedAccessKey",
                character: "the non-ASCII character U+037E".to_owned(),
                position: 45
            }
        );
    }

    #[test]
    fn emulator_flag_error_gives_fix() {
        let error = ConnectionString::parse(&format!(
            "Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey={KEY};\
             UseDevelopmentEmulator=yes"
        ))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "UseDevelopmentEmulator must be true or false, not `yes`: write \
             UseDevelopmentEmulator=true for plain AMQP to a broker on this machine, or remove \
             the part to connect over TLS"
        );
    }

    #[test]
    fn canonical_form_in_azure_spelling() {
        let string = ConnectionString::parse(&format!(
            " endpoint = SB://localhost:5673 ; sharedaccesskeyname=send; sharedaccesskey={KEY}; \
             TransportType=Amqp; entitypath=lead; usedevelopmentemulator=TRUE;"
        ))
        .unwrap();
        assert_eq!(
            string.to_canonical().expose(),
            &format!(
                "Endpoint=sb://localhost:5673/;SharedAccessKeyName=send;SharedAccessKey={KEY};\
                 EntityPath=lead;UseDevelopmentEmulator=true"
            )
        );
        let signature = ConnectionString::parse(
            "Endpoint=amqps://[::1]:5671;SharedAccessSignature=SharedAccessSignature \
             sr=a&sig=b&se=1&skn=c",
        )
        .unwrap();
        assert_eq!(
            signature.to_canonical().expose(),
            "Endpoint=amqps://[::1]:5671/;SharedAccessSignature=SharedAccessSignature \
             sr=a&sig=b&se=1&skn=c"
        );
    }

    /// Parts that malformed strings are made of, with the key in every place a paste can put it.
    fn pieces(key: &str) -> Vec<String> {
        [
            "Endpoint=sb://127.0.0.1:5672",
            "Endpoint=sb://localhost",
            "Endpoint=sb://ns.servicebus.windows.net/",
            "Endpoint=ns.servicebus.windows.net",
            "Endpoint=https://ns/",
            "Endpoint=sb://:5672",
            "Endpoint=sb://ns:99999",
            "Endpoint=sb://[::1",
            "Endpoint=sb://{KEY}",
            "Endpoint=sb://127.0.0.1:{KEY}",
            "Endpoint={KEY}",
            "Endpoint=sb://localhost/{KEY}",
            "Endpoint=sb://{KEY}.servicebus.windows.net/",
            "SharedAccessKeyName=send",
            "SharedAccessKeyName={KEY}",
            "SharedAccessKeyName",
            "SharedAccessKey={KEY}",
            "SharedAccessKey = {KEY}",
            "SharedAccessKey {KEY}",
            "SharedAccessKey:{KEY}",
            "{KEY}",
            "SharedAccessSignature=SharedAccessSignature sr=sb%3A%2F%2Fns%2Fhub&sig={KEY}&se=1&skn=send",
            "EntityPath=lead",
            "EntityPath={KEY}",
            "UseDevelopmentEmulator=true",
            "UseDevelopmentEmulator=yes",
            "UseDevelopmentEmulator={KEY}",
            "HostName=hub.azure-devices.net",
            "TransportType=Amqp",
        ]
        .iter()
        .map(|piece| piece.replace("{KEY}", key))
        .collect()
    }

    /// Separators that keep, lose, double or replace the `;` between parts.
    const SEPARATORS: [&str; 9] = [";", " ", "", "\n", "\t", ";;", " ; ", ",", "&"];

    /// Returns the first piece of the key, at least 16 characters long, that `text` contains.
    fn piece_of_key<'a>(text: &str, key: &'a str) -> Option<&'a str> {
        (0..=key.len() - 16)
            .map(|start| &key[start..start + 16])
            .find(|piece| text.contains(piece))
    }

    #[test]
    fn malformed_strings_never_show_key() {
        use base64::Engine as _;
        use proptest::collection::vec;
        use proptest::test_runner::{Config, RngSeed, TestRunner};

        // A fixed seed and case count make the run the same every time.
        let config = Config {
            cases: 3_000,
            rng_seed: RngSeed::Fixed(0x0ed4_5eed),
            failure_persistence: None,
            ..Config::default()
        };
        let piece_count = pieces(KEY).len();
        let strategy = (
            proptest::array::uniform32(proptest::num::u8::ANY),
            vec((0..piece_count, 0..SEPARATORS.len()), 1..7),
        );
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |(key_bytes, layout)| {
            let key = base64::engine::general_purpose::STANDARD.encode(key_bytes);
            let pieces = pieces(&key);
            let text: String = layout
                .iter()
                .map(|(piece, separator)| format!("{}{}", pieces[*piece], SEPARATORS[*separator]))
                .collect();
            let messages = match ConnectionString::parse(&text) {
                Err(error) => vec![error.to_string(), format!("{error:?}")],
                Ok(parsed) => {
                    // A valid endpoint is shown as parsed, even where it repeats part of the
                    // key, but the key itself stays hidden.
                    let debug = format!("{parsed:?}");
                    proptest::prop_assert!(!debug.contains(&key), "{debug}");
                    match parsed.hub(Some("elsewhere")) {
                        Err(error) => vec![error.to_string(), format!("{error:?}")],
                        Ok(_) => Vec::new(),
                    }
                }
            };
            for message in messages {
                proptest::prop_assert!(
                    piece_of_key(&message, &key).is_none(),
                    "input {text:?} gave {message:?}"
                );
            }
            Ok(())
        });
        result.unwrap();
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(text in ".*") {
            let _ = ConnectionString::parse(&text);
        }
    }
}
