//! Captures the frames a real AMQP client sends to the engine, one hex file per frame.
//!
//! Usage: `cargo run -p amqp --example capture -- OUT_DIR LABEL COMMAND [ARGS...]`
//!
//! Starts the engine with the test mini broker on 127.0.0.1 (an ephemeral port). Then it runs
//! `COMMAND ARGS...` with every `{port}` in the arguments replaced by that port and waits for it
//! to exit (at most 180 s). Finally it writes each inbound frame of each connection to
//! `OUT_DIR/{connection}-{index}-{kind}.hex`. LABEL (for example `azure-eventhub 5.15.1`) goes
//! into each file's comment line. The first line printed reports whether setting TCP_MAXSEG on
//! the listener worked; set `CAPTURE_SKIP_MSS` to leave it unset, and
//! `CAPTURE_UNSETTLED_REPLIES` to send CBS and management replies unsettled so that the client
//! answers them with dispositions.

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use amqp::frame::{parse_frame, split_body, FRAME_TYPE_SASL};
use amqp::sasl::SaslFrame;
use amqp::{Performative, BATCH_MESSAGE_FORMAT};

/// The maximum time the client command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out_dir, label, command, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: capture OUT_DIR LABEL COMMAND [ARGS...] (`{{port}}` is replaced)");
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let set_mss = std::env::var_os("CAPTURE_SKIP_MSS").is_none();
    let server = runtime.block_on(support::server::start(0, set_mss))?;
    server.store.lock().unwrap().unsettled_replies =
        std::env::var_os("CAPTURE_UNSETTLED_REPLIES").is_some();
    let port = server.address.port();
    println!(
        "listening on {}; TCP_MAXSEG 1460 on the listener: {:?}",
        server.address, server.mss_result
    );

    let args: Vec<String> = rest
        .iter()
        .map(|arg| arg.replace("{port}", &port.to_string()))
        .collect();
    let mut child = Command::new(command)
        .args(&args)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            child.kill()?;
            child.wait()?;
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    println!("client finished: {status:?}");
    // Let the server finish reading the connections the client closed.
    std::thread::sleep(Duration::from_secs(1));

    let out_dir = PathBuf::from(out_dir);
    std::fs::create_dir_all(&out_dir)?;
    let captures = server.captures.lock().unwrap().clone();
    for (index, stream) in captures.iter().enumerate() {
        let written = write_frames(&out_dir, label, index, stream)?;
        println!(
            "connection {index}: {} bytes, {written} frames",
            stream.len()
        );
    }
    let store = server.store.lock().unwrap();
    println!("broker counters: {:?}", store.counts);
    println!("connection errors: {:?}", store.errors);
    Ok(())
}

/// Splits one connection's inbound stream into protocol headers and frames and writes each to
/// its own file. Returns how many files it wrote.
fn write_frames(
    out_dir: &Path,
    label: &str,
    connection: usize,
    stream: &[u8],
) -> anyhow::Result<usize> {
    let mut offset = 0;
    let mut index = 0;
    while offset < stream.len() {
        let rest = &stream[offset..];
        // A frame size starting with `A` (0x41) would be over a gigabyte, so `AMQP` always
        // starts a protocol header.
        let (kind, length) = if rest.starts_with(b"AMQP") && rest.len() >= 8 {
            ("header".to_owned(), 8)
        } else {
            match parse_frame(rest, u32::MAX) {
                Ok(Some((frame, used))) => (frame_kind(frame.frame_type, frame.body), used),
                Ok(None) => ("truncated".to_owned(), rest.len()),
                Err(error) => anyhow::bail!("connection {connection} at byte {offset}: {error}"),
            }
        };
        let bytes = &rest[..length];
        let name = format!("c{connection:02}-{index:03}-{kind}.hex");
        let mut text =
            format!("# {label}: connection {connection}, inbound frame {index} ({kind})\n");
        for line in bytes.chunks(32) {
            for byte in line {
                write!(text, "{byte:02x}")?;
            }
            text.push('\n');
        }
        std::fs::write(out_dir.join(name), text)?;
        offset += length;
        index += 1;
    }
    Ok(index)
}

/// Names a frame by its performative, marking batches and split transfers.
fn frame_kind(frame_type: u8, body: &[u8]) -> String {
    if body.is_empty() {
        return "heartbeat".to_owned();
    }
    let Ok((value, _)) = split_body(body) else {
        return "undecodable".to_owned();
    };
    if frame_type == FRAME_TYPE_SASL {
        return match SaslFrame::from_value(value) {
            Ok(SaslFrame::Init { .. }) => "sasl-init".to_owned(),
            Ok(SaslFrame::Response(_)) => "sasl-response".to_owned(),
            Ok(_) => "sasl-other".to_owned(),
            Err(_) => "undecodable".to_owned(),
        };
    }
    match Performative::from_value(value) {
        Ok(Performative::Transfer(transfer)) => {
            let mut kind = "transfer".to_owned();
            if transfer.message_format == Some(BATCH_MESSAGE_FORMAT) {
                kind.push_str("-batch");
            }
            if transfer.more {
                kind.push_str("-more");
            }
            kind
        }
        Ok(performative) => performative.name().to_owned(),
        Err(_) => "undecodable".to_owned(),
    }
}
