"""Sends or receives events with Microsoft's Python azure-eventhub SDK, for the Local target's
tests.

Usage: roundtrip.py send HUB BODY | roundtrip.py receive HUB
The connection string comes from the EDA_CONNECTION_STRING environment variable, so no key
appears in a process listing. Prints one JSON object on standard output.
"""

import json
import os
import sys
import threading

from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient

# Seconds a receive waits for its first event or error.
RECEIVE_TIMEOUT = 20.0


def send(connection_string, hub, body):
    producer = EventHubProducerClient.from_connection_string(
        connection_string, eventhub_name=hub, retry_total=0
    )
    with producer:
        batch = producer.create_batch(partition_id="0")
        batch.add(EventData(body))
        producer.send_batch(batch)
    return {"sent": body}


def receive(connection_string, hub):
    """Read partition 0 from the start until one event or one error arrives."""
    consumer = EventHubConsumerClient.from_connection_string(
        connection_string, consumer_group="$Default", eventhub_name=hub, retry_total=0
    )
    received = []
    errors = []
    done = threading.Event()

    def on_event(_context, event):
        if event is not None:
            received.append(event.body_as_str())
            done.set()

    def on_error(_context, error):
        errors.append(f"{type(error).__name__}: {error}")
        done.set()

    def run():
        try:
            consumer.receive(
                on_event=on_event,
                on_error=on_error,
                partition_id="0",
                starting_position="-1",
            )
        except Exception as error:  # the test reads every failure from the output
            errors.append(f"{type(error).__name__}: {error}")
            done.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    done.wait(RECEIVE_TIMEOUT)
    consumer.close()
    worker.join(timeout=10)
    return {"received": received, "errors": errors}


def main():
    connection_string = os.environ["EDA_CONNECTION_STRING"]
    mode, hub = sys.argv[1], sys.argv[2]
    if mode == "send":
        result = send(connection_string, hub, sys.argv[3])
    elif mode == "receive":
        result = receive(connection_string, hub)
    else:
        raise SystemExit(f"unknown mode {mode}: use send or receive")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
