//! RabbitMQ as a peer: a private node started and stopped through `scripts/rabbitmq.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use fe2o3_amqp::sasl_profile::SaslProfile;

use crate::client::Destination;

/// A running RabbitMQ node. Dropping it stops the node and its epmd by their PIDs.
#[derive(Debug)]
pub(crate) struct RabbitMq {
    script: PathBuf,
    dir: PathBuf,
    port: u16,
    stopped: bool,
}

impl RabbitMq {
    /// Starts a node on 127.0.0.1:`port` with its state under `dir`, and returns once it serves
    /// AMQP 1.0 (the script waits at most 60 s).
    pub(crate) fn start(script: &Path, dir: &Path, port: u16) -> anyhow::Result<Self> {
        let output = Command::new(script)
            .arg("start")
            .arg(dir)
            .arg(port.to_string())
            .output()
            .with_context(|| format!("running `{}` failed", script.display()))?;
        let node = Self {
            script: script.to_owned(),
            dir: dir.to_owned(),
            port,
            stopped: false,
        };
        if !output.status.success() {
            bail!(
                "`{} start` failed ({}): {}",
                script.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let printed = String::from_utf8_lossy(&output.stdout);
        tracing::info!(port, pids = printed.trim(), "RabbitMQ started");
        Ok(node)
    }

    /// Returns how the client reaches a durable queue: the address `/queue/{queue}` creates
    /// it, durable because the links ask for a durable terminus.
    pub(crate) fn destination(&self, queue: &str) -> Destination {
        let address = format!("/queue/{queue}");
        Destination {
            broker: "RabbitMQ",
            url: format!("amqp://127.0.0.1:{}", self.port),
            sasl: SaslProfile::Plain {
                username: "guest".to_owned(),
                password: "guest".to_owned(),
            },
            sender_address: address.clone(),
            receiver_addresses: vec![address],
            token: None,
        }
    }

    /// Stops the node and its epmd.
    pub(crate) fn stop(mut self) -> anyhow::Result<()> {
        self.stop_once()
    }

    fn stop_once(&mut self) -> anyhow::Result<()> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let status = Command::new(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .status()
            .with_context(|| format!("running `{} stop` failed", self.script.display()))?;
        if !status.success() {
            bail!("`{} stop` failed ({status})", self.script.display());
        }
        tracing::info!(port = self.port, "RabbitMQ stopped");
        Ok(())
    }
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        if let Err(error) = self.stop_once() {
            tracing::error!(%error, "stopping RabbitMQ failed");
        }
    }
}
