// Runs one Event Hubs session with the Node @azure/event-hubs SDK against a local AMQP server.
//
// Usage: NODE_PATH=DIR/node_modules node eventhub_session.cjs PORT
// where DIR contains an `npm install @azure/event-hubs@6.0.4`.
//
// Reads the hub's properties, sends a batch of two events to partition 0, then receives from
// partition 0 from the start until two events arrive or 30 seconds pass. Prints a JSON summary
// and exits 0 only when both events arrived.

const { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } = require("@azure/event-hubs");

const RECEIVE_TIMEOUT_MS = 30_000;
const EXPECTED_EVENTS = 2;

async function main() {
  const port = process.argv[2];
  const connectionString =
    `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=x;SharedAccessKey=y;` +
    "EntityPath=hub;UseDevelopmentEmulator=true";
  const summary = {};

  const producer = new EventHubProducerClient(connectionString);
  summary.partitionIds = (await producer.getEventHubProperties()).partitionIds;
  const batch = await producer.createBatch({ partitionId: "0" });
  batch.tryAdd({ body: "node event 1" });
  batch.tryAdd({ body: "node event 2" });
  await producer.sendBatch(batch);
  await producer.close();

  const consumer = new EventHubConsumerClient("$Default", connectionString);
  const received = [];
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, RECEIVE_TIMEOUT_MS);
    const subscription = consumer.subscribe(
      "0",
      {
        processEvents: async (events) => {
          for (const event of events) {
            received.push({ body: event.body, sequenceNumber: event.sequenceNumber });
          }
          if (received.length >= EXPECTED_EVENTS) {
            clearTimeout(timer);
            await subscription.close();
            resolve();
          }
        },
        processError: async (error) => {
          summary.errors = (summary.errors || []).concat(String(error));
        },
      },
      { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1 },
    );
  });
  await consumer.close();
  summary.received = received;
  console.log(JSON.stringify(summary));
  return received.length >= EXPECTED_EVENTS ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
