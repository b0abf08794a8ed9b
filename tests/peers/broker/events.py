"""Reading events back with the Python SDK's consumer, bounded in time."""

import threading
import time

from azure.eventhub import EventHubConsumerClient


def read_events(
    connection_string,
    hub,
    partition_id,
    expected,
    starting_position="-1",
    inclusive=False,
    consumer_group="$Default",
    timeout=20.0,
    last_enqueued=None,
):
    """Receive from one partition until `expected` events arrived or `timeout` seconds passed.

    When `last_enqueued` is a list, the consumer requests the partition's last-enqueued-event
    properties and the list receives them as of each event.
    """
    consumer = EventHubConsumerClient.from_connection_string(
        connection_string, consumer_group=consumer_group, eventhub_name=hub
    )
    received = []
    errors = []
    done = threading.Event()

    def on_event(context, event):
        if event is None:
            return
        received.append(event)
        if last_enqueued is not None:
            last_enqueued.append(context.last_enqueued_event_properties)
        if len(received) >= expected:
            done.set()

    def on_error(_context, error):
        errors.append(error)

    worker = threading.Thread(
        target=consumer.receive,
        kwargs={
            "on_event": on_event,
            "on_error": on_error,
            "partition_id": partition_id,
            "starting_position": starting_position,
            "starting_position_inclusive": inclusive,
            "track_last_enqueued_event_properties": last_enqueued is not None,
        },
        daemon=True,
    )
    worker.start()
    deadline = time.monotonic() + timeout
    while not done.is_set() and time.monotonic() < deadline and worker.is_alive():
        done.wait(0.1)
    # A short pause shows events beyond the expected ones, if the broker sent any.
    time.sleep(0.5)
    consumer.close()
    worker.join(timeout=10)
    return received, errors
