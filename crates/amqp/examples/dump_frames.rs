//! Prints the decoded content of captured frame files.
//!
//! Usage: `cargo run -p amqp --example dump_frames -- FILE...` where each FILE contains one
//! protocol header or frame in hex (as the `capture` example writes them; `#` starts a comment
//! line).

use amqp::frame::{parse_frame, split_body, FRAME_TYPE_SASL};
use amqp::sasl::SaslFrame;
use amqp::{Message, Performative};

fn main() -> anyhow::Result<()> {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let hex: String = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
            .collect();
        let bytes = decode_hex(&hex)?;
        println!("== {path} ({} bytes)", bytes.len());
        if bytes.starts_with(b"AMQP") {
            println!("protocol header {:?}", &bytes[4..]);
            continue;
        }
        let Some((frame, _)) = parse_frame(&bytes, u32::MAX)? else {
            anyhow::bail!("{path}: the frame is incomplete");
        };
        if frame.body.is_empty() {
            println!("heartbeat on channel {}", frame.channel);
            continue;
        }
        let (value, payload) = split_body(frame.body)?;
        if frame.frame_type == FRAME_TYPE_SASL {
            println!("{:#?}", SaslFrame::from_value(value)?);
            continue;
        }
        println!(
            "channel {}: {:#?}",
            frame.channel,
            Performative::from_value(value)?
        );
        if !payload.is_empty() {
            match Message::decode(payload) {
                Ok(message) => println!("payload ({} bytes): {message:#?}", payload.len()),
                Err(error) => {
                    println!("payload ({} bytes) does not decode: {error}", payload.len())
                }
            }
        }
    }
    Ok(())
}

fn decode_hex(hex: &str) -> anyhow::Result<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        anyhow::bail!("odd number of hex digits");
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| Ok(u8::from_str_radix(&hex[i..i + 2], 16)?))
        .collect()
}
