//! The `schema register` command against the local registry, run as a person runs it.

use std::path::Path;
use std::process::{Command, Output};

fn register(data_dir: &Path, schema: &Path, mode: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eda-workshop"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["schema", "register", "--group", "blobs"]);
    if let Some(mode) = mode {
        command.args(["--mode", mode]);
    }
    command.arg(schema).output().expect("the binary runs")
}

fn blob_schema(folder: &Path, file: &str, payload_type: &str) -> std::path::PathBuf {
    let path = folder.join(file);
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"record","name":"Blob","namespace":"demo",
                "fields":[{{"name":"payload","type":"{payload_type}"}}]}}"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn register_bytes_to_string_warns() {
    let folder = tempfile::tempdir().unwrap();
    let data_dir = folder.path().join("data");
    let first = blob_schema(folder.path(), "v1.avsc", "bytes");
    let second = blob_schema(folder.path(), "v2.avsc", "string");

    let output = register(&data_dir, &first, Some("backward"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = register(&data_dir, &second, None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("registered demo.Blob version 2 in schema group blobs"),
        "{text}"
    );
    assert!(
        text.contains("warning: field `payload` changes from bytes to string."),
        "{text}"
    );
    assert!(
        text.contains("fix: keep field `payload` as bytes."),
        "{text}"
    );
}
