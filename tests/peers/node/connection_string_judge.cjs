// Reports how Microsoft's @azure/event-hubs reads each of a list of connection strings.
//
// Input on stdin: a JSON list of {"id", "text"}. Output on stdout: a JSON list with one object
// per input, in the same order: {"id", "accepted": true, "host", "port", "hub", "key_name",
// "credential", "tls"} when `new EventHubProducerClient(text)` builds a client, or {"id",
// "accepted": false, "error"} when it throws. `port` is the port the Endpoint names, or null.
// `credential` is "key" or "signature".
//
// Constructing the client opens no connection. Every socket connect is still replaced by one
// that throws, so that a change in the SDK cannot make this script reach any address.

"use strict";

const fs = require("node:fs");
const net = require("node:net");
const tls = require("node:tls");

const refuseConnect = (...args) => {
  const address = JSON.stringify(args[0]);
  throw new Error(`the judge must not connect, but something connected to ${address}`);
};
net.Socket.prototype.connect = refuseConnect;
net.connect = refuseConnect;
net.createConnection = refuseConnect;
tls.connect = refuseConnect;

const { EventHubProducerClient } = require("@azure/event-hubs");

/** Constructs a producer client from `text` and describes what the SDK read. */
function judge(text) {
  let client;
  try {
    client = new EventHubProducerClient(text);
  } catch (error) {
    return { accepted: false, error: `${error.name}: ${error.message}` };
  }
  const config = client._context.config;
  const signature = config.sharedAccessKeyName === undefined;
  return {
    accepted: true,
    host: config.host,
    port: config.port ?? null,
    hub: config.entityPath ?? null,
    key_name: config.sharedAccessKeyName ?? null,
    credential: signature ? "signature" : "key",
    tls: !config.useDevelopmentEmulator,
  };
}

const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const outcomes = cases.map((entry) => ({ id: entry.id, ...judge(entry.text) }));
process.stdout.write(JSON.stringify(outcomes));
