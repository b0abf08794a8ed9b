//! Archive name formats: where a capture file lands, relative to the hub's container folder.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::CaptureError;

/// The course's archive name format; `.avro` is appended to the rendered name.
pub const COURSE_ARCHIVE_NAME_FORMAT: &str = "{EventHub}/{Year}/{Month}/{Day}/{Hour}/\
{EventHub}_{Year}_{Month}_{Day}_{Hour}_{Minute}_{Second}_{PartitionId}_{Namespace}";

/// The tokens Azure requires in every archive name format, each at least once.
const TOKENS: [&str; 9] = [
    "Namespace",
    "EventHub",
    "PartitionId",
    "Year",
    "Month",
    "Day",
    "Hour",
    "Minute",
    "Second",
];

/// A validated archive name format such as [`COURSE_ARCHIVE_NAME_FORMAT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveNameFormat {
    format: String,
}

impl ArchiveNameFormat {
    /// Checks that the format uses every one of Azure's nine tokens and no other.
    pub fn parse(format: &str) -> Result<Self, CaptureError> {
        let invalid = |reason: String| CaptureError::InvalidNameFormat {
            format: format.to_owned(),
            reason,
        };
        let mut rest = format;
        let mut seen = Vec::new();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| invalid("a `{` has no closing `}`".to_owned()))?;
            let token = &after[..close];
            if !TOKENS.contains(&token) {
                return Err(invalid(format!(
                    "unknown token {{{token}}}: use {{Namespace}}, {{EventHub}}, {{PartitionId}}, \
                     {{Year}}, {{Month}}, {{Day}}, {{Hour}}, {{Minute}} and {{Second}}"
                )));
            }
            seen.push(token);
            rest = &after[close + 1..];
        }
        if let Some(missing) = TOKENS.iter().find(|token| !seen.contains(token)) {
            return Err(invalid(format!(
                "it lacks {{{missing}}}: every token is required"
            )));
        }
        // The format names files below the container's folder on this machine, so it must not
        // leave it on any system: no root, no `..`, and no `\\` or `:` that Windows reads as a
        // separator or a drive.
        let escapes = format.starts_with('/')
            || format.contains('\\')
            || format.contains(':')
            || format.split('/').any(|part| part == "..");
        if escapes {
            return Err(invalid(
                "it must be a relative path without `..`, `\\` or `:`".to_owned(),
            ));
        }
        if format.chars().any(char::is_control) {
            return Err(invalid("it contains a control character".to_owned()));
        }
        if format.split('/').any(str::is_empty) {
            return Err(invalid(
                "it has an empty part between two `/` or after the last one, so it names no \
                 file"
                    .to_owned(),
            ));
        }
        Ok(Self {
            format: format.to_owned(),
        })
    }

    /// Returns the course's format.
    pub fn course() -> Self {
        Self::parse(COURSE_ARCHIVE_NAME_FORMAT).expect("the course format is valid")
    }

    /// Renders the relative path of a file, `.avro` included, for a window that started at
    /// `window_start` (UTC). Date and time fields have two digits, the year four.
    pub fn render(
        &self,
        namespace: &str,
        hub: &str,
        partition: u32,
        window_start: DateTime<Utc>,
    ) -> String {
        let values = [
            ("Namespace", namespace.to_owned()),
            ("EventHub", hub.to_owned()),
            ("PartitionId", partition.to_string()),
            ("Year", format!("{:04}", window_start.year())),
            ("Month", format!("{:02}", window_start.month())),
            ("Day", format!("{:02}", window_start.day())),
            ("Hour", format!("{:02}", window_start.hour())),
            ("Minute", format!("{:02}", window_start.minute())),
            ("Second", format!("{:02}", window_start.second())),
        ];
        let mut name = self.format.clone();
        for (token, value) in values {
            name = name.replace(&format!("{{{token}}}"), &value);
        }
        name.push_str(".avro");
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn course_format_renders_two_digit_fields() {
        let start = Utc.with_ymd_and_hms(2026, 3, 7, 9, 5, 1).unwrap();
        let name = ArchiveNameFormat::course().render("eda-local", "lead", 3, start);
        assert_eq!(
            name,
            "lead/2026/03/07/09/lead_2026_03_07_09_05_01_3_eda-local.avro"
        );
    }

    #[test]
    fn missing_token_rejected() {
        let error = ArchiveNameFormat::parse(
            "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "archive name format `{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}` \
             is invalid: it lacks {Second}: every token is required"
        );
    }

    #[test]
    fn unknown_token_rejected() {
        let error = ArchiveNameFormat::parse("{Hub}/{Namespace}").unwrap_err();
        assert!(error.to_string().contains("unknown token {Hub}"));
    }

    #[test]
    fn azure_default_format_accepted() {
        let format =
            "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}";
        let start = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 58).unwrap();
        let name = ArchiveNameFormat::parse(format)
            .unwrap()
            .render("ns", "hub", 0, start);
        assert_eq!(name, "ns/hub/0/2026/12/31/23/59/58.avro");
    }

    #[test]
    fn unwritable_formats_rejected() {
        let course = COURSE_ARCHIVE_NAME_FORMAT;
        for (format, reason) in [
            (format!("{course}/"), "empty part"),
            (format!("x//{course}"), "empty part"),
            (format!("{course}\u{0}x"), "control character"),
        ] {
            let error = ArchiveNameFormat::parse(&format).unwrap_err();
            assert!(error.to_string().contains(reason), "{format:?}: {error}");
        }
    }
}
