// The checks the Node peer tests run against one broker, over plain AMQP or over TLS.
//
// Microsoft's @azure/event-hubs 6.0.4 sends every `sendBatch` (an array or an EventDataBatch)
// as one batch envelope (message format 0x80013700) and has no single-event send, so "single
// events" here are batches of one event each, sent one call at a time.

"use strict";

const assert = require("node:assert/strict");
const { describe, it } = require("node:test");
const {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
} = require("@azure/event-hubs");

/** The maximum wait for the expected events of one read. */
const RECEIVE_TIMEOUT_MS = 20_000;
/** A pause after the expected events arrived, long enough to see any the broker sent extra. */
const SETTLE_MS = 500;
/** How far an enqueued time may be from the test's clock. */
const CLOCK_TOLERANCE_MS = 60_000;
/** The maximum time a rejected request may take, with retries off. */
const REJECTION_TIMEOUT_MS = 5_000;
/** The largest event body Event Hubs accepts on the Standard tier: 1 MB. */
const MAX_EVENT_BYTES = 1_048_576;
/** Bytes that are not JSON, so the SDK hands them back as a Buffer. */
const BINARY_BODY = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7f]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads one partition from `startPosition` until `expected` events arrived or the timeout
 * passed, then returns the events and the errors the consumer reported.
 */
async function receive(
  connectionString,
  hub,
  partitionId,
  startPosition,
  expected,
  { consumerGroup = "$Default", lastEnqueued = null } = {},
) {
  const consumer = new EventHubConsumerClient(consumerGroup, connectionString, hub);
  const received = [];
  const errors = [];
  let subscription;
  try {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, RECEIVE_TIMEOUT_MS);
      subscription = consumer.subscribe(
        partitionId,
        {
          processEvents: async (events, context) => {
            received.push(...events);
            if (lastEnqueued !== null && events.length > 0) {
              lastEnqueued.push({ ...context.lastEnqueuedEventProperties });
            }
            if (received.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
          processError: async (error) => {
            errors.push(error);
          },
        },
        {
          startPosition,
          maxBatchSize: 100,
          maxWaitTimeInSeconds: 1,
          trackLastEnqueuedEventProperties: lastEnqueued !== null,
        },
      );
    });
    await sleep(SETTLE_MS);
  } finally {
    if (subscription) {
      await subscription.close();
    }
    await consumer.close();
  }
  return { received, errors };
}

/** Runs `action` with a producer for `hub`, closing the producer afterwards. */
async function withProducer(connectionString, hub, action) {
  const producer = new EventHubProducerClient(connectionString, hub);
  try {
    return await action(producer);
  } finally {
    await producer.close();
  }
}

function assertRecent(date, label) {
  assert.ok(date instanceof Date, `${label} is a Date`);
  const distance = Math.abs(Date.now() - date.getTime());
  assert.ok(distance < CLOCK_TOLERANCE_MS, `${label} ${date.toISOString()} is near now`);
}

/** Checks the broker's annotations on a received event against its typed fields. */
function assertAnnotations(event, partitionKey) {
  const annotations = event.getRawAmqpMessage().messageAnnotations;
  assert.equal(annotations["x-opt-sequence-number"], event.sequenceNumber);
  assert.equal(typeof annotations["x-opt-offset"], "string");
  assert.equal(annotations["x-opt-offset"], event.offset);
  assert.ok(annotations["x-opt-enqueued-time"] instanceof Date);
  assert.equal(annotations["x-opt-enqueued-time"].getTime(), event.enqueuedTimeUtc.getTime());
  if (partitionKey === null) {
    assert.equal(annotations["x-opt-partition-key"], undefined);
  } else {
    assert.equal(annotations["x-opt-partition-key"], partitionKey);
  }
}

/** Returns which partitions of `hub` contain events, with every partition's properties. */
async function usedPartitions(producer, hub) {
  const { partitionIds } = await producer.getEventHubProperties();
  const properties = {};
  for (const id of partitionIds) {
    properties[id] = await producer.getPartitionProperties(id);
    assert.equal(properties[id].eventHubName, hub);
  }
  const used = partitionIds.filter((id) => !properties[id].isEmpty);
  return { used, properties };
}

/** Expects `promise` to reject within the rejection timeout and returns the error. */
async function rejection(promise) {
  const started = Date.now();
  const error = await promise.then(
    () => assert.fail("the request succeeded"),
    (error) => error,
  );
  const elapsed = Date.now() - started;
  assert.ok(elapsed < REJECTION_TIMEOUT_MS, `the rejection took ${elapsed} ms`);
  return error;
}

/**
 * Defines the tests for one transport. `connectionString()` returns the connection string of
 * the namespace's RootManageSharedAccessKey rule and `ruleConnectionString(name)` that of
 * another namespace rule, both read once the broker runs.
 */
function defineSuite(title, connectionString, ruleConnectionString) {
  describe(title, () => {
    it("reads hub properties", async () => {
      const properties = await withProducer(connectionString(), "orders", (producer) =>
        producer.getEventHubProperties(),
      );
      assert.equal(properties.name, "orders");
      assert.deepEqual(properties.partitionIds, ["0", "1", "2", "3"]);
      assertRecent(properties.createdOn, "createdOn");

      const consumer = new EventHubConsumerClient("$Default", connectionString(), "timed");
      try {
        const timed = await consumer.getEventHubProperties();
        assert.equal(timed.name, "timed");
        assert.deepEqual(timed.partitionIds, ["0", "1"]);
        assert.deepEqual(await consumer.getPartitionIds(), ["0", "1"]);
      } finally {
        await consumer.close();
      }
    });

    it("reads empty partition properties", async () => {
      const properties = await withProducer(connectionString(), "orders", (producer) =>
        producer.getPartitionProperties("3"),
      );
      assert.equal(properties.eventHubName, "orders");
      assert.equal(properties.partitionId, "3");
      assert.equal(properties.beginningSequenceNumber, -1);
      assert.equal(properties.lastEnqueuedSequenceNumber, -1);
      assert.equal(properties.lastEnqueuedOffset, "-1");
      assert.equal(properties.isEmpty, true);
    });

    it("sends single events and reads them from earliest", async () => {
      const bodies = ["plain text", { lead: 7, tags: ["a", "b"] }, BINARY_BODY];
      const sent = bodies.map((body, index) => ({
        body,
        properties: { team: "blue", index, score: 0.5, urgent: index === 1 },
        contentType: index === 2 ? "application/octet-stream" : "application/json",
        messageId: `message-${index}`,
        correlationId: `order-${index}`,
      }));
      const partition = await withProducer(connectionString(), "orders", async (producer) => {
        for (const event of sent) {
          await producer.sendBatch([event], { partitionId: "1" });
        }
        return producer.getPartitionProperties("1");
      });
      assert.equal(partition.beginningSequenceNumber, 0);
      assert.equal(partition.lastEnqueuedSequenceNumber, 2);
      assert.equal(partition.isEmpty, false);

      const { received, errors } = await receive(
        connectionString(),
        "orders",
        "1",
        earliestEventPosition,
        3,
      );
      assert.deepEqual(errors, []);
      assert.equal(received.length, 3);
      assert.equal(received[0].body, "plain text");
      assert.deepEqual(received[1].body, { lead: 7, tags: ["a", "b"] });
      assert.ok(Buffer.isBuffer(received[2].body), "a non-JSON body comes back as a Buffer");
      assert.ok(received[2].body.equals(BINARY_BODY));
      assert.deepEqual(
        received.map((event) => event.sequenceNumber),
        [0, 1, 2],
      );
      assert.equal(received[0].offset, "0");
      const offsets = received.map((event) => BigInt(event.offset));
      assert.ok(offsets[0] < offsets[1], `${offsets}`);
      assert.ok(offsets[1] < offsets[2], `${offsets}`);
      received.forEach((event, index) => {
        assert.deepEqual(event.properties, sent[index].properties);
        assert.equal(event.contentType, sent[index].contentType);
        assert.equal(event.messageId, sent[index].messageId);
        assert.equal(event.correlationId, sent[index].correlationId);
        // The annotation is absent, which the SDK reports as undefined rather than null.
        assert.equal(event.partitionKey, undefined);
        assertRecent(event.enqueuedTimeUtc, "enqueuedTimeUtc");
        assertAnnotations(event, null);
      });
      assert.ok(received[0].enqueuedTimeUtc <= received[1].enqueuedTimeUtc);
      assert.ok(received[1].enqueuedTimeUtc <= received[2].enqueuedTimeUtc);
      assert.equal(partition.lastEnqueuedOffset, received[2].offset);
      assert.equal(partition.lastEnqueuedOnUtc.getTime(), received[2].enqueuedTimeUtc.getTime());
    });

    it("sends a batch to one partition and reads from a sequence number", async () => {
      const { used, properties } = await withProducer(
        connectionString(),
        "batches",
        async (producer) => {
          const batch = await producer.createBatch();
          for (let index = 0; index < 100; index += 1) {
            assert.ok(batch.tryAdd({ body: `event-${index}`, properties: { index } }));
          }
          assert.equal(batch.count, 100);
          await producer.sendBatch(batch);
          return usedPartitions(producer, "batches");
        },
      );
      assert.equal(used.length, 1, `events landed on ${used}`);
      const partition = used[0];
      assert.equal(properties[partition].beginningSequenceNumber, 0);
      assert.equal(properties[partition].lastEnqueuedSequenceNumber, 99);

      const lastEnqueued = [];
      const all = await receive(
        connectionString(),
        "batches",
        partition,
        earliestEventPosition,
        100,
        { lastEnqueued },
      );
      assert.deepEqual(all.errors, []);
      assert.ok(lastEnqueued.length > 0);
      assert.equal(lastEnqueued[0].sequenceNumber, 99);
      assert.equal(lastEnqueued[0].offset, properties[partition].lastEnqueuedOffset);
      assert.equal(
        lastEnqueued[0].enqueuedOn.getTime(),
        properties[partition].lastEnqueuedOnUtc.getTime(),
      );
      assertRecent(lastEnqueued[0].retrievedOn, "retrievedOn");
      assert.deepEqual(
        all.received.map((event) => event.body),
        Array.from({ length: 100 }, (_, index) => `event-${index}`),
      );
      assert.deepEqual(
        all.received.map((event) => event.sequenceNumber),
        Array.from({ length: 100 }, (_, index) => index),
      );
      assert.deepEqual(
        all.received.map((event) => event.properties.index),
        Array.from({ length: 100 }, (_, index) => index),
      );

      const inclusive = await receive(
        connectionString(),
        "batches",
        partition,
        { sequenceNumber: 95, isInclusive: true },
        5,
      );
      assert.deepEqual(inclusive.errors, []);
      assert.deepEqual(
        inclusive.received.map((event) => event.sequenceNumber),
        [95, 96, 97, 98, 99],
      );
      const exclusive = await receive(
        connectionString(),
        "batches",
        partition,
        { sequenceNumber: 95 },
        4,
      );
      assert.deepEqual(exclusive.errors, []);
      assert.deepEqual(
        exclusive.received.map((event) => event.body),
        ["event-96", "event-97", "event-98", "event-99"],
      );
    });

    it("sends keyed events to one partition", async () => {
      const key = "customer-42";
      const { used } = await withProducer(connectionString(), "keyed", async (producer) => {
        const batch = await producer.createBatch({ partitionKey: key });
        assert.ok(batch.tryAdd({ body: "keyed-batch-1" }));
        assert.ok(batch.tryAdd({ body: "keyed-batch-2" }));
        await producer.sendBatch(batch);
        await producer.sendBatch([{ body: "keyed-array" }], { partitionKey: key });
        return usedPartitions(producer, "keyed");
      });
      assert.equal(used.length, 1, `keyed events landed on ${used}`);

      const { received, errors } = await receive(
        connectionString(),
        "keyed",
        used[0],
        earliestEventPosition,
        3,
      );
      assert.deepEqual(errors, []);
      assert.deepEqual(
        received.map((event) => event.body),
        ["keyed-batch-1", "keyed-batch-2", "keyed-array"],
      );
      for (const event of received) {
        assert.equal(event.partitionKey, key);
        assertAnnotations(event, key);
      }

      const billing = await receive(
        connectionString(),
        "keyed",
        used[0],
        earliestEventPosition,
        3,
        { consumerGroup: "billing" },
      );
      assert.deepEqual(billing.errors, []);
      assert.deepEqual(
        billing.received.map((event) => event.body),
        ["keyed-batch-1", "keyed-batch-2", "keyed-array"],
      );
    });

    it("reads from an enqueued time", async () => {
      const boundary = await withProducer(connectionString(), "timed", async (producer) => {
        await producer.sendBatch([{ body: "old" }], { partitionId: "0" });
        // Enqueued times have millisecond resolution: keep clear of the boundary.
        await sleep(1_200);
        const boundary = new Date();
        await sleep(200);
        await producer.sendBatch([{ body: "new-1" }], { partitionId: "0" });
        await producer.sendBatch([{ body: "new-2" }], { partitionId: "0" });
        return boundary;
      });
      const { received, errors } = await receive(
        connectionString(),
        "timed",
        "0",
        { enqueuedOn: boundary },
        2,
      );
      assert.deepEqual(errors, []);
      assert.deepEqual(
        received.map((event) => event.body),
        ["new-1", "new-2"],
      );
      assert.deepEqual(
        received.map((event) => event.sequenceNumber),
        [1, 2],
      );
      for (const event of received) {
        assert.ok(event.enqueuedTimeUtc > boundary);
      }
    });

    it("rejects a send with the listen rule", async () => {
      const listen = ruleConnectionString("listen");
      const producer = new EventHubProducerClient(listen, "orders", {
        retryOptions: { maxRetries: 0 },
      });
      try {
        const sent = producer.sendBatch([{ body: "forbidden" }], { partitionId: "2" });
        const error = await rejection(sent);
        assert.match(error.message, /Send/);
      } finally {
        await producer.close();
      }
      const properties = await withProducer(connectionString(), "orders", (client) =>
        client.getPartitionProperties("2"),
      );
      assert.equal(properties.isEmpty, true);
    });

    it("rejects a wrong key", async () => {
      const wrong = connectionString().replace("SharedAccessKey=", "SharedAccessKey=x");
      const producer = new EventHubProducerClient(wrong, "orders", {
        retryOptions: { maxRetries: 0 },
      });
      try {
        const error = await rejection(producer.getEventHubProperties());
        assert.match(error.message, /signature/);
      } finally {
        await producer.close();
      }
    });

    it("accepts a batch the SDK filled to its limit", async () => {
      await withProducer(connectionString(), "orders", async (producer) => {
        const before = await producer.getPartitionProperties("3");
        // The SDK fills a batch up to the link's maximum message size, 64 KiB over 1 MB, so
        // 1,000-byte events with a property fill it past 1 MB of bodies and properties.
        const batch = await producer.createBatch({ partitionId: "3" });
        let count = 0;
        while (count < 2_000) {
          const event = { body: Buffer.alloc(1_000), properties: { n: count } };
          if (!batch.tryAdd(event)) {
            break;
          }
          count += 1;
        }
        assert.ok(count > 1_048_576 / 1_000, `only ${count} events fitted`);
        await producer.sendBatch(batch);
        const after = await producer.getPartitionProperties("3");
        const previous = before.isEmpty ? -1 : before.lastEnqueuedSequenceNumber;
        assert.equal(after.lastEnqueuedSequenceNumber - previous, count);
      });
    });

    it("rejects an event over 1 MB", async () => {
      await withProducer(connectionString(), "orders", async (producer) => {
        await producer.sendBatch([{ body: "before the large one" }], { partitionId: "0" });
        const oversized = Buffer.alloc(MAX_EVENT_BYTES + 1, 0x61);
        const sent = producer.sendBatch([{ body: oversized }], { partitionId: "0" });
        const error = await rejection(sent);
        assert.match(error.message, /1048577 bytes/);
        assert.match(error.message, /1048576 bytes \(1 MB\)/);
        const properties = await producer.getPartitionProperties("0");
        assert.equal(properties.lastEnqueuedSequenceNumber, 0);
      });
    });

    it("rejects a batch over the link's size as a batch", async () => {
      await withProducer(connectionString(), "orders", async (producer) => {
        await producer.sendBatch([{ body: "before the batch" }], { partitionId: "1" });
        const before = await producer.getPartitionProperties("1");
        const events = [0, 1, 2].map(() => ({ body: Buffer.alloc(400000, 0x62) }));
        const error = await rejection(producer.sendBatch(events, { partitionId: "1" }));
        assert.match(error.message, /the batch of \d+ bytes/);
        assert.match(error.message, /send fewer events per batch/);
        const after = await producer.getPartitionProperties("1");
        assert.equal(after.lastEnqueuedSequenceNumber, before.lastEnqueuedSequenceNumber);
      });
    });
  });
}

module.exports = { defineSuite };
