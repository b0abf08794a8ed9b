// Starts the broker's `serve` example over a temporary data folder, for the Node peer tests.
//
// The example prints one JSON line with both ports (plain AMQP and AMQP over TLS), the path of
// the CA certificate behind the TLS listener, and a connection string per rule for each
// listener. Closing its standard input stops it.

"use strict";

const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");

const REPOSITORY = path.resolve(__dirname, "..", "..", "..");
/** The hubs of the namespace `eda-local`, as HUB:PARTITIONS. */
const HUBS = ["orders:4", "batches:4", "keyed:4", "timed:2"];
const BUILD_TIMEOUT_MS = 20 * 60 * 1000;
const READY_TIMEOUT_MS = 30 * 1000;
const STOP_TIMEOUT_MS = 15 * 1000;

/** Returns the serve example: EDA_BROKER_SERVE when set, else a fresh `cargo build`. */
function serveBinary() {
  if (process.env.EDA_BROKER_SERVE) {
    return process.env.EDA_BROKER_SERVE;
  }
  const built = spawnSync("cargo", ["build", "--quiet", "-p", "broker", "--example", "serve"], {
    cwd: REPOSITORY,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: BUILD_TIMEOUT_MS,
  });
  if (built.status !== 0) {
    throw new Error(`building the broker's serve example failed (status ${built.status})`);
  }
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(REPOSITORY, "target");
  return path.join(targetDir, "debug", "examples", "serve");
}

/**
 * Starts a broker and resolves to its ports, CA certificate path, connection strings and a
 * `stop()` that closes its standard input and waits for it to exit.
 */
async function startBroker() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "eda-node-peer-"));
  const logPath = path.join(dataDir, "broker.log");
  const log = fs.openSync(logPath, "a");
  const child = spawn(serveBinary(), [path.join(dataDir, "data"), ...HUBS], {
    stdio: ["pipe", "pipe", log],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "info" },
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));

  const lines = readline.createInterface({ input: child.stdout });
  let timer;
  const ready = await Promise.race([
    new Promise((resolve) => lines.once("line", resolve)),
    exited.then((code) => {
      throw new Error(`the broker exited with ${code} before it was ready; see ${logPath}`);
    }),
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the broker was not ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const info = JSON.parse(ready);

  async function stop() {
    child.stdin.end();
    let killTimer;
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise((resolve) => {
        killTimer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(killTimer);
    if (!stopped) {
      child.kill("SIGKILL");
      await exited;
    }
    lines.close();
    fs.closeSync(log);
    // The log stays for a look after a failure. The event log and certificates go.
    fs.rmSync(path.join(dataDir, "data"), { recursive: true, force: true });
  }

  return {
    port: info.port,
    tlsPort: info.tls_port,
    caCertificate: info.ca_certificate,
    connectionStrings: info.connection_strings,
    tlsConnectionStrings: info.tls_connection_strings,
    logPath,
    stop,
  };
}

module.exports = { startBroker };
