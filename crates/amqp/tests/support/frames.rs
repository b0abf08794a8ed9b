//! Loading captured frames kept as hex files under `tests/frames`.

use std::path::PathBuf;

/// Returns the folder that contains the captured frames.
pub(crate) fn frames_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/frames")
}

/// Reads one hex file (lines starting with `#` are comments) relative to `tests/frames`.
pub(crate) fn load(relative: &str) -> Vec<u8> {
    let path = frames_dir().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    decode_hex(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Reads every hex file of a folder in name order and returns the names with the bytes.
pub(crate) fn load_all(relative: &str) -> Vec<(String, Vec<u8>)> {
    let dir = frames_dir().join(relative);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".hex"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let bytes = load(&format!("{relative}/{name}"));
            (name, bytes)
        })
        .collect()
}

/// Concatenates every frame of a folder into the byte stream the client sent.
pub(crate) fn load_stream(relative: &str) -> Vec<u8> {
    load_all(relative)
        .into_iter()
        .flat_map(|(_, bytes)| bytes)
        .collect()
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(|line| line.bytes().filter(|b| !b.is_ascii_whitespace()))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
            u8::from_str_radix(text, 16).map_err(|e| format!("`{text}`: {e}"))
        })
        .collect()
}
