// Microsoft's @azure/event-hubs over TLS, as it connects to Azure: a connection string without
// `UseDevelopmentEmulator`, naming the broker's TLS port, with the broker's CA trusted through
// NODE_EXTRA_CA_CERTS.
//
// Node reads NODE_EXTRA_CA_CERTS only when it starts, and the broker makes its CA when it
// starts, so this file runs twice. First it starts the broker and checks that a client without
// the CA fails the handshake. Then it runs itself again in a child process whose environment
// names the CA file and the broker, and that child runs the suite.

"use strict";

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const { test } = require("node:test");

const { EventHubProducerClient } = require("@azure/event-hubs");
const { startBroker } = require("../broker.cjs");
const { defineSuite } = require("../suite.cjs");

/** The environment variable that names, for the child process, the broker to test. */
const BROKER_VARIABLE = "EDA_NODE_TLS_BROKER";
/** The maximum time the child process may take to run the whole suite. */
const CHILD_TIMEOUT_MS = 240_000;

async function runChild(broker) {
  const environment = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: broker.caCertificate,
    [BROKER_VARIABLE]: JSON.stringify({ connectionStrings: broker.tlsConnectionStrings }),
  };
  // Without this the child would report to this test runner instead of printing its results.
  delete environment.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [__filename], {
    env: environment,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: CHILD_TIMEOUT_MS,
  });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

if (process.env[BROKER_VARIABLE] === undefined) {
  const options = { timeout: CHILD_TIMEOUT_MS + 60_000 };
  test("TLS with the local CA in NODE_EXTRA_CA_CERTS", options, async () => {
    const broker = await startBroker();
    try {
      const text = broker.tlsConnectionStrings.RootManageSharedAccessKey;
      assert.ok(text.startsWith(`Endpoint=sb://localhost:${broker.tlsPort};`), text);
      assert.ok(!text.includes("UseDevelopmentEmulator"), text);

      // This process does not trust the broker's CA, so the TLS handshake must fail.
      const untrusted = new EventHubProducerClient(text, "orders", {
        retryOptions: { maxRetries: 0 },
      });
      try {
        await assert.rejects(untrusted.getEventHubProperties(), (error) => {
          assert.match(String(error.message), /certificate/i);
          return true;
        });
      } finally {
        await untrusted.close();
      }

      const { code, signal } = await runChild(broker);
      assert.equal(signal, null, `the TLS suite was stopped by ${signal}; see ${broker.logPath}`);
      assert.equal(code, 0, `the TLS suite failed; see the output above and ${broker.logPath}`);
    } finally {
      await broker.stop();
    }
  });
} else {
  const { connectionStrings } = JSON.parse(process.env[BROKER_VARIABLE]);
  defineSuite(
    "TLS with NODE_EXTRA_CA_CERTS",
    () => connectionStrings.RootManageSharedAccessKey,
    (name) => connectionStrings[name],
  );
}
