"""Run one Event Hubs session with the azure-eventhub SDK against a local AMQP server.

Usage: python eventhub_session.py PORT

Reads the hub's properties, sends a single event and a batch of two to partition 0, reads
partition 0's properties, then receives from partition 0 from the start until three events
arrive or 30 seconds pass. Prints a JSON summary on stdout and exits 0 only when three events
arrived.
"""

import json
import logging
import sys
import threading

from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient

RECEIVE_TIMEOUT_SECONDS = 30
EXPECTED_EVENTS = 3


def connection_string(port: int) -> str:
    return (
        f"Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=x;SharedAccessKey=y;"
        "EntityPath=hub;UseDevelopmentEmulator=true"
    )


def produce(conn: str, summary: dict) -> None:
    producer = EventHubProducerClient.from_connection_string(conn, retry_total=1)
    with producer:
        summary["partition_ids"] = producer.get_eventhub_properties()["partition_ids"]
        producer.send_event(EventData("single event"), partition_id="0")
        batch = producer.create_batch(partition_id="0")
        batch.add(EventData("batched event 1"))
        batch.add(EventData("batched event 2"))
        producer.send_batch(batch)
        properties = producer.get_partition_properties("0")
        summary["last_enqueued_sequence_number"] = properties["last_enqueued_sequence_number"]
        summary["is_empty"] = properties["is_empty"]


def consume(conn: str, summary: dict) -> None:
    received = []
    done = threading.Event()

    def on_event(_context, event):
        received.append(
            {
                "body": event.body_as_str(),
                "sequence_number": event.sequence_number,
                "offset": event.offset,
            }
        )
        if len(received) >= EXPECTED_EVENTS:
            done.set()

    consumer = EventHubConsumerClient.from_connection_string(
        conn, consumer_group="$Default", retry_total=1
    )
    worker = threading.Thread(
        target=consumer.receive,
        kwargs={"on_event": on_event, "partition_id": "0", "starting_position": "-1"},
        daemon=True,
    )
    worker.start()
    done.wait(RECEIVE_TIMEOUT_SECONDS)
    consumer.close()
    worker.join(10)
    summary["received"] = received


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    conn = connection_string(int(sys.argv[1]))
    summary: dict = {}
    produce(conn, summary)
    consume(conn, summary)
    print(json.dumps(summary))
    return 0 if len(summary["received"]) >= EXPECTED_EVENTS else 1


if __name__ == "__main__":
    sys.exit(main())
