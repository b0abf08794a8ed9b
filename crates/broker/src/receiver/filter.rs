//! Start-position filter expressions on receiver links.
//!
//! Clients send one selector filter whose expression names a message annotation, an operator
//! and a value: `amqp.annotation.x-opt-offset > -1` (earliest), `... > @latest`,
//! `amqp.annotation.x-opt-sequence-number >= 5` (inclusive) or `> 5` (exclusive),
//! `amqp.annotation.x-opt-enqueued-time > 1700000000000` (Unix milliseconds). The Python SDK
//! quotes the value (`> '-1'`); the Rust SDK does not. Both forms are accepted.

use crate::log::StartPosition;

/// The filter's key as a symbol, as the Python SDK sends it.
pub const SELECTOR_FILTER_NAME: &str = "apache.org:selector-filter:string";

/// The filter's numeric descriptor (0x0000468C:0x00000004), as the Rust SDK sends it.
pub const SELECTOR_FILTER_CODE: u64 = 0x0000_468C_0000_0004;

/// A filter expression that names no supported start position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The expression does not have the form `amqp.annotation.{name} {op} {value}`.
    #[error(
        "unsupported filter `{expression}`: use amqp.annotation.x-opt-offset, \
             x-opt-sequence-number or x-opt-enqueued-time with > or >="
    )]
    Unsupported {
        /// The expression as received.
        expression: String,
    },
    /// The value is not a number (or `@latest` for an offset).
    #[error("invalid value `{value}` in filter `{expression}`: use a whole number{latest}")]
    InvalidValue {
        /// The expression as received.
        expression: String,
        /// The rejected value.
        value: String,
        /// A hint naming `@latest` where it is allowed.
        latest: &'static str,
    },
}

/// Parses a selector filter expression into a start position.
pub fn parse_filter(expression: &str) -> Result<StartPosition, FilterError> {
    let unsupported = || FilterError::Unsupported {
        expression: expression.to_owned(),
    };
    let text = expression.trim();
    let prefix = "amqp.annotation.";
    let rest = match text.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => &text[prefix.len()..],
        _ => return Err(unsupported()),
    };
    let name_end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '>' | '<' | '='))
        .ok_or_else(unsupported)?;
    let name = rest[..name_end].to_ascii_lowercase();
    let rest = rest[name_end..].trim_start();
    let (inclusive, value) = if let Some(value) = rest.strip_prefix(">=") {
        (true, value)
    } else if let Some(value) = rest.strip_prefix('>') {
        (false, value)
    } else {
        return Err(unsupported());
    };
    let value = unquote(value.trim());
    let invalid = |latest| FilterError::InvalidValue {
        expression: expression.to_owned(),
        value: value.to_owned(),
        latest,
    };

    match name.as_str() {
        "x-opt-offset" => {
            if value.eq_ignore_ascii_case("@latest") {
                return Ok(StartPosition::Latest);
            }
            let offset: i64 = value.parse().map_err(|_| invalid(" or @latest"))?;
            if offset < 0 {
                // Every offset is at least 0, so any negative start is the earliest event.
                return Ok(StartPosition::Earliest);
            }
            Ok(StartPosition::Offset { offset, inclusive })
        }
        "x-opt-sequence-number" => {
            let sequence_number: i64 = value.parse().map_err(|_| invalid(""))?;
            if sequence_number < 0 || (sequence_number == 0 && inclusive) {
                return Ok(StartPosition::Earliest);
            }
            Ok(StartPosition::SequenceNumber {
                sequence_number,
                inclusive,
            })
        }
        "x-opt-enqueued-time" => {
            let time_ms: i64 = value.parse().map_err(|_| invalid(""))?;
            // `>= t` selects the same events as `> t - 1` on millisecond times.
            let time_ms = if inclusive {
                time_ms.saturating_sub(1)
            } else {
                time_ms
            };
            Ok(StartPosition::EnqueuedAfter { time_ms })
        }
        _ => Err(unsupported()),
    }
}

fn unquote(value: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner.trim();
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_quoted_or_not() {
        for expression in [
            "amqp.annotation.x-opt-offset > -1",
            "amqp.annotation.x-opt-offset > '-1'",
            "amqp.annotation.x-opt-offset >'-1'",
            "AMQP.ANNOTATION.X-OPT-OFFSET>-1",
        ] {
            assert_eq!(
                parse_filter(expression),
                Ok(StartPosition::Earliest),
                "{expression}"
            );
        }
    }

    #[test]
    fn latest() {
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-offset > '@latest'"),
            Ok(StartPosition::Latest)
        );
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-offset > @latest"),
            Ok(StartPosition::Latest)
        );
    }

    #[test]
    fn offsets() {
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-offset > '120'"),
            Ok(StartPosition::Offset {
                offset: 120,
                inclusive: false
            })
        );
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-offset >= 120"),
            Ok(StartPosition::Offset {
                offset: 120,
                inclusive: true
            })
        );
    }

    #[test]
    fn sequence_numbers() {
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-sequence-number >= 5"),
            Ok(StartPosition::SequenceNumber {
                sequence_number: 5,
                inclusive: true
            })
        );
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-sequence-number > '5'"),
            Ok(StartPosition::SequenceNumber {
                sequence_number: 5,
                inclusive: false
            })
        );
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-sequence-number >= 0"),
            Ok(StartPosition::Earliest)
        );
    }

    #[test]
    fn enqueued_time() {
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-enqueued-time > '1700000000000'"),
            Ok(StartPosition::EnqueuedAfter {
                time_ms: 1_700_000_000_000
            })
        );
        assert_eq!(
            parse_filter("amqp.annotation.x-opt-enqueued-time >= 1700000000000"),
            Ok(StartPosition::EnqueuedAfter {
                time_ms: 1_699_999_999_999
            })
        );
    }

    #[test]
    fn unsupported_forms_rejected() {
        for expression in [
            "",
            "x-opt-offset > 1",
            "amqp.annotation.x-opt-offset < 5",
            "amqp.annotation.x-opt-offset = 5",
            "amqp.annotation.x-opt-partition-key > 5",
            "amqp.annotation.x-opt-offset",
        ] {
            assert!(
                matches!(
                    parse_filter(expression),
                    Err(FilterError::Unsupported { .. })
                ),
                "{expression}"
            );
        }
    }

    #[test]
    fn invalid_values_named() {
        let error = parse_filter("amqp.annotation.x-opt-sequence-number > 'five'").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value `five` in filter `amqp.annotation.x-opt-sequence-number > 'five'`: \
             use a whole number"
        );
        let error = parse_filter("amqp.annotation.x-opt-offset > soon").unwrap_err();
        assert!(error.to_string().ends_with("use a whole number or @latest"));
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(text in ".*") {
            let _ = parse_filter(&text);
        }

        #[test]
        fn parser_never_panics_after_prefix(rest in ".*") {
            let _ = parse_filter(&format!("amqp.annotation.x-opt-offset{rest}"));
        }
    }
}
