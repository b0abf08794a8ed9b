//! Error responses in the shape Azure Schema Registry sends: a JSON object with the HTTP status
//! as `Code` and a sentence as `Detail`, followed by a tracking id, the path the request
//! reached and a UTC timestamp.
//!
//! Example from the service:
//! `{"Code":400,"Detail":"Schema validation failed: ... TrackingId:..., SystemTracker:...,
//! Timestamp:2022-02-18T22:19:56"}`.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::StatusCode;
use ring::rand::{SecureRandom, SystemRandom};

/// An error response of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AzureError {
    pub(crate) status: StatusCode,
    pub(crate) detail: String,
}

impl AzureError {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        AzureError {
            status,
            detail: detail.into(),
        }
    }

    /// Renders the body; `tracker` is `{host}:{path}` of the request.
    pub(crate) fn body(&self, tracker: &str) -> String {
        let detail = format!(
            "{} TrackingId:{}, SystemTracker:{tracker}, Timestamp:{}",
            self.detail,
            tracking_id(),
            utc_timestamp(SystemTime::now())
        );
        serde_json::json!({ "Code": self.status.as_u16(), "Detail": detail }).to_string()
    }
}

fn tracking_id() -> String {
    let mut bytes = [0u8; 16];
    // A tracking id only correlates logs, so a failed random draw may leave it zero.
    let _ = SystemRandom::new().fill(&mut bytes);
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SS` in UTC.
pub(crate) fn utc_timestamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let days = (seconds / 86_400) as i64;
    let second_of_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        (second_of_day % 3600) / 60,
        second_of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamp_formats_known_instant() {
        // 2022-02-18T22:19:56Z
        let time = UNIX_EPOCH + Duration::from_secs(1_645_222_796);
        assert_eq!(utc_timestamp(time), "2022-02-18T22:19:56");
    }

    #[test]
    fn body_has_code_and_detail() {
        let error = AzureError::new(StatusCode::NOT_FOUND, "Schema group `g` does not exist.");
        let body: serde_json::Value = serde_json::from_str(&error.body("h:/p")).unwrap();
        assert_eq!(body["Code"], 404);
        let detail = body["Detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Schema group `g` does not exist. TrackingId:"),
            "{detail}"
        );
        assert!(detail.contains("SystemTracker:h:/p"), "{detail}");
    }
}
