// Microsoft's @azure/event-hubs in emulator mode (`UseDevelopmentEmulator=true`): plain AMQP
// to the broker's port on 127.0.0.1.

"use strict";

const assert = require("node:assert/strict");
const { after, before, test } = require("node:test");

const { startBroker } = require("../broker.cjs");
const { defineSuite } = require("../suite.cjs");

let broker;

before(async () => {
  broker = await startBroker();
});

after(async () => {
  if (broker) {
    await broker.stop();
  }
});

const rootConnectionString = () => broker.connectionStrings.RootManageSharedAccessKey;

test("connection string is in emulator form", () => {
  const text = rootConnectionString();
  assert.ok(text.startsWith(`Endpoint=sb://127.0.0.1:${broker.port};`), text);
  assert.ok(text.endsWith(";UseDevelopmentEmulator=true"), text);
});

defineSuite(
  "emulator mode over plain AMQP",
  rootConnectionString,
  (name) => broker.connectionStrings[name],
);
