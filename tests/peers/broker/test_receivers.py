"""Receiver limits and owner levels (epochs) with Microsoft's Python SDK."""

import threading
import time

from azure.eventhub import EventHubConsumerClient


class BackgroundReceiver:
    """One consumer client receiving from a partition on a thread, recording its errors."""

    def __init__(
        self,
        connection_string,
        partition_id,
        owner_level=None,
        consumer_group="$Default",
        starting_position="-1",
        **client_options,
    ):
        self.client = EventHubConsumerClient.from_connection_string(
            connection_string, consumer_group=consumer_group, eventhub_name="orders", **client_options
        )
        self.errors = []
        options = {
            "on_event": lambda _context, _event: None,
            "on_error": lambda _context, error: self.errors.append(str(error)),
            "partition_id": partition_id,
            "starting_position": starting_position,
        }
        if owner_level is not None:
            options["owner_level"] = owner_level
        self.thread = threading.Thread(target=self.client.receive, kwargs=options, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.client.close()
        self.thread.join(timeout=10)


def wait_for_error(receiver, text, timeout=15.0):
    """Return the first recorded error containing `text`, waiting at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for error in receiver.errors:
            if text in error:
                return error
        time.sleep(0.1)
    return None


def test_sixth_receiver_rejected(broker):
    receivers = [BackgroundReceiver(broker.root, "0").start() for _ in range(5)]
    try:
        # Give the five clients time to attach before the sixth tries.
        time.sleep(3)
        # Without retries the client reports the rejection instead of trying again.
        sixth = BackgroundReceiver(broker.root, "0", retry_total=0).start()
        receivers.append(sixth)
        error = wait_for_error(sixth, "already has 5 receivers")
        assert error is not None, sixth.errors
        assert "consumer group `$Default`" in error
        assert all(receiver.errors == [] for receiver in receivers[:5])
    finally:
        for receiver in receivers:
            receiver.stop()


def test_higher_owner_level_disconnects_lower(broker):
    lower = BackgroundReceiver(broker.root, "1", owner_level=1).start()
    higher = None
    try:
        time.sleep(2)
        higher = BackgroundReceiver(broker.root, "1", owner_level=2).start()
        error = wait_for_error(lower, "with owner level 2")
        assert error is not None, lower.errors
        assert "was disconnected" in error
        assert higher.errors == []
    finally:
        lower.stop()
        if higher is not None:
            higher.stop()


# The SDK's synchronous consumer calls on_error for a link the broker refuses only without
# retries: with retries it closes the consumer after the first failed attempt and returns
# without raising, then opens it again, on Azure as here. So these tests set retry_total=0.


def test_unknown_consumer_group_reported(broker):
    receiver = BackgroundReceiver(broker.root, "0", consumer_group="nosuch", retry_total=0).start()
    try:
        error = wait_for_error(receiver, "consumer group `nosuch` was not found")
        assert error is not None, receiver.errors
    finally:
        receiver.stop()


def test_start_past_last_event_reported(broker):
    receiver = BackgroundReceiver(broker.root, "2", starting_position=500, retry_total=0).start()
    try:
        error = wait_for_error(receiver, "sequence number '500' is invalid")
        assert error is not None, receiver.errors
    finally:
        receiver.stop()
