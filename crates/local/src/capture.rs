//! A hub's capture settings from its ARM `captureDescription`, with the container as a folder.

use std::path::Path;

use broker::capture::{ArchiveNameFormat, CaptureSettings, DemoInterval};
use broker::server::HubCapture;
use serde_json::Value;

/// The archive name format Azure uses when a hub's capture names none.
const AZURE_DEFAULT_NAME_FORMAT: &str =
    "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}";
/// Azure's default time window, in seconds.
const DEFAULT_INTERVAL_SECONDS: u64 = 300;
/// Azure's default size window: 300 MiB.
const DEFAULT_SIZE_LIMIT_BYTES: u64 = 300 * 1024 * 1024;
/// Capture sizes are given in bytes and checked by the broker in MiB.
const BYTES_PER_MEGABYTE: u64 = 1024 * 1024;

/// Reads a `captureDescription` into the broker's capture of `hub`, with files going to
/// `{storage_root}/{account}/{container}`, the folder the local Resource Manager made for the
/// destination container. Returns `None` when capture is disabled.
pub(crate) fn hub_capture(
    storage_root: &Path,
    hub: &str,
    description: &Value,
) -> Result<Option<HubCapture>, String> {
    if !description["enabled"].as_bool().unwrap_or(false) {
        return Ok(None);
    }
    let encoding = description["encoding"].as_str().unwrap_or("Avro");
    if !encoding.eq_ignore_ascii_case("Avro") {
        return Err(format!(
            "capture encoding `{encoding}` is not supported locally: use Avro"
        ));
    }
    let interval = description["intervalInSeconds"]
        .as_u64()
        .unwrap_or(DEFAULT_INTERVAL_SECONDS);
    let size_bytes = description["sizeLimitInBytes"]
        .as_u64()
        .unwrap_or(DEFAULT_SIZE_LIMIT_BYTES);
    let skip_empty = description["skipEmptyArchives"].as_bool().unwrap_or(false);

    let destination = &description["destination"]["properties"];
    let account_id = destination["storageAccountResourceId"]
        .as_str()
        .unwrap_or_default();
    let account = account_id
        .rsplit_once("/storageAccounts/")
        .map(|(_, name)| name.trim_end_matches('/'))
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| {
            format!("capture destination `{account_id}` does not name a storage account")
        })?;
    let container = destination["blobContainer"]
        .as_str()
        .filter(|name| !name.is_empty())
        .ok_or("capture destination names no blob container")?;
    let format = destination["archiveNameFormat"]
        .as_str()
        .unwrap_or(AZURE_DEFAULT_NAME_FORMAT);

    let name_format = ArchiveNameFormat::parse(format).map_err(|error| error.to_string())?;
    let settings = CaptureSettings::new(
        u32::try_from(interval).unwrap_or(u32::MAX),
        u32::try_from(size_bytes / BYTES_PER_MEGABYTE).unwrap_or(u32::MAX),
        skip_empty,
        name_format,
    )
    .map_err(|error| error.to_string())?;
    Ok(Some(HubCapture {
        hub: hub.to_owned(),
        settings,
        // The Resource Manager names storage folders in lower case, as Azure's storage names are.
        container: storage_root
            .join(account.to_ascii_lowercase())
            .join(container.to_ascii_lowercase()),
    }))
}

/// Returns a capture as the broker runs it: with its time window replaced by the demo window,
/// if there is one, and otherwise as the hub's `captureDescription` sets it.
pub(crate) fn running_capture(capture: &HubCapture, demo: Option<DemoInterval>) -> HubCapture {
    let mut running = capture.clone();
    if let Some(interval) = demo {
        running.settings = running.settings.with_demo_interval(interval);
    }
    running
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn description() -> Value {
        json!({
            "enabled": true,
            "encoding": "Avro",
            "intervalInSeconds": 120,
            "sizeLimitInBytes": 314_572_800,
            "skipEmptyArchives": true,
            "destination": {
                "name": "EventHubArchive.AzureBlockBlob",
                "properties": {
                    "storageAccountResourceId": "/subscriptions/s/resourceGroups/g/providers/\
                        Microsoft.Storage/storageAccounts/dvevents001sa",
                    "blobContainer": "capture",
                    "archiveNameFormat": broker::capture::COURSE_ARCHIVE_NAME_FORMAT,
                },
            },
        })
    }

    #[test]
    fn enabled_capture_goes_to_container_folder() {
        let capture = hub_capture(Path::new("/data/storage"), "customer", &description())
            .unwrap()
            .unwrap();
        assert_eq!(capture.hub, "customer");
        assert_eq!(
            capture.container,
            Path::new("/data/storage/dvevents001sa/capture")
        );
        assert_eq!(capture.settings.interval_ms(), 120_000);
        assert_eq!(capture.settings.size_limit_bytes(), 314_572_800);
        assert!(capture.settings.skip_empty());
    }

    #[test]
    fn demo_window_replaces_only_interval() {
        let capture = hub_capture(Path::new("/data/storage"), "lead", &description())
            .unwrap()
            .unwrap();
        let demo = running_capture(&capture, Some(DemoInterval::from_seconds(5).unwrap()));
        assert_eq!(demo.hub, "lead");
        assert_eq!(demo.container, capture.container);
        assert_eq!(demo.settings.interval_ms(), 5_000);
        assert_eq!(demo.settings.size_limit_bytes(), 314_572_800);
        assert!(demo.settings.skip_empty());

        let unchanged = running_capture(&capture, None);
        assert_eq!(unchanged.settings, capture.settings);
    }

    #[test]
    fn disabled_capture_is_none() {
        let mut value = description();
        value["enabled"] = json!(false);
        assert!(hub_capture(Path::new("/s"), "customer", &value)
            .unwrap()
            .is_none());
    }

    #[test]
    fn window_out_of_range_rejected() {
        let mut value = description();
        value["intervalInSeconds"] = json!(30);
        let error = hub_capture(Path::new("/s"), "customer", &value).unwrap_err();
        assert!(error.contains("30"), "{error}");
    }

    #[test]
    fn missing_account_rejected() {
        let mut value = description();
        value["destination"]["properties"]["storageAccountResourceId"] = json!("");
        let error = hub_capture(Path::new("/s"), "customer", &value).unwrap_err();
        assert_eq!(
            error,
            "capture destination `` does not name a storage account"
        );
    }
}
