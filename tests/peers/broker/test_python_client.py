"""Microsoft's Python SDK (azure-eventhub) against the local broker."""

import datetime
import time

import pytest
from azure.eventhub import EventData, EventHubProducerClient
from azure.eventhub.exceptions import AuthenticationError, EventHubError

from events import read_events


def producer(connection_string, hub="orders", **options):
    return EventHubProducerClient.from_connection_string(connection_string, eventhub_name=hub, **options)


def test_hub_properties(broker):
    with producer(broker.root) as client:
        properties = client.get_eventhub_properties()
    assert properties["eventhub_name"] == "orders"
    assert properties["partition_ids"] == ["0", "1", "2", "3"]
    assert isinstance(properties["created_at"], datetime.datetime)
    age = datetime.datetime.now(datetime.timezone.utc) - properties["created_at"]
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=5)


def test_empty_partition_properties(broker):
    with producer(broker.root) as client:
        properties = client.get_partition_properties("2")
    assert properties["eventhub_name"] == "orders"
    assert properties["id"] == "2"
    assert properties["beginning_sequence_number"] == -1
    assert properties["last_enqueued_sequence_number"] == -1
    assert properties["last_enqueued_offset"] == "-1"
    assert properties["is_empty"] is True


def test_unknown_partition_error_has_description(broker):
    with producer(broker.root, retry_total=0) as client:
        with pytest.raises(EventHubError) as raised:
            client.get_partition_properties("9")
    message = str(raised.value)
    assert "Status code: 404" in message
    assert "Description: None" not in message
    assert "9" in message.split("Description:", 1)[1], message


def test_single_events_read_back_exactly(broker):
    sent_at = datetime.datetime.now(datetime.timezone.utc)
    with producer(broker.root) as client:
        for index in range(3):
            event = EventData(f'{{"lead": {index}}}')
            event.properties = {"team": "blue", "index": index, "score": 0.5}
            event.content_type = "application/json"
            event.message_id = f"message-{index}"
            client.send_event(event, partition_id="1")
        properties = client.get_partition_properties("1")
    assert properties["beginning_sequence_number"] == 0
    assert properties["last_enqueued_sequence_number"] == 2
    assert properties["is_empty"] is False

    events, errors = read_events(broker.root, "orders", "1", expected=3)
    assert errors == []
    assert [event.body_as_str() for event in events] == ['{"lead": 0}', '{"lead": 1}', '{"lead": 2}']
    assert [event.sequence_number for event in events] == [0, 1, 2]
    offsets = [event.offset for event in events]
    assert all(isinstance(offset, str) for offset in offsets)
    assert offsets[0] == "0"
    assert [int(offset) for offset in offsets] == sorted(int(offset) for offset in offsets)
    assert properties["last_enqueued_offset"] == offsets[-1]
    for index, event in enumerate(events):
        assert event.properties == {b"team": b"blue", b"index": index, b"score": 0.5}
        assert event.content_type == "application/json"
        assert event.message_id == f"message-{index}"
        assert event.partition_key is None
        assert abs(event.enqueued_time - sent_at) < datetime.timedelta(minutes=1)
    assert events[0].enqueued_time <= events[1].enqueued_time <= events[2].enqueued_time


def test_batch_lands_on_one_partition(broker):
    with producer(broker.root) as client:
        batch = client.create_batch()
        for index in range(100):
            batch.add(EventData(f"event-{index}"))
        client.send_batch(batch)
        partitions = {pid: client.get_partition_properties(pid) for pid in ["0", "1", "2", "3"]}
    used = [pid for pid, properties in partitions.items() if not properties["is_empty"]]
    assert len(used) == 1
    assert partitions[used[0]]["beginning_sequence_number"] == 0
    assert partitions[used[0]]["last_enqueued_sequence_number"] == 99

    events, errors = read_events(broker.root, "orders", used[0], expected=100)
    assert errors == []
    assert [event.body_as_str() for event in events] == [f"event-{index}" for index in range(100)]
    assert [event.sequence_number for event in events] == list(range(100))


def test_keyed_events_share_a_partition_across_restart(broker):
    def send_keyed(label):
        with producer(broker.root) as client:
            batch = client.create_batch(partition_key="customer-42")
            batch.add(EventData(f"{label}-batch"))
            client.send_batch(batch)
            client.send_event(EventData(f"{label}-single"), partition_key="customer-42")
            return {pid: client.get_partition_properties(pid) for pid in ["0", "1", "2", "3"]}

    before = send_keyed("first")
    used = [pid for pid, properties in before.items() if not properties["is_empty"]]
    assert len(used) == 1
    broker.restart()
    after = send_keyed("second")
    assert [pid for pid, properties in after.items() if not properties["is_empty"]] == used
    assert after[used[0]]["last_enqueued_sequence_number"] == 3

    events, errors = read_events(broker.root, "orders", used[0], expected=4)
    assert errors == []
    assert [event.body_as_str() for event in events] == [
        "first-batch",
        "first-single",
        "second-batch",
        "second-single",
    ]
    assert all(event.partition_key == b"customer-42" for event in events)


def test_read_from_sequence_number(broker):
    with producer(broker.root) as client:
        for index in range(10):
            client.send_event(EventData(f"n{index}"), partition_id="0")
    inclusive, errors = read_events(broker.root, "orders", "0", expected=5, starting_position=5, inclusive=True)
    assert errors == []
    assert [event.sequence_number for event in inclusive] == [5, 6, 7, 8, 9]
    exclusive, errors = read_events(broker.root, "orders", "0", expected=4, starting_position=5)
    assert errors == []
    assert [event.body_as_str() for event in exclusive] == ["n6", "n7", "n8", "n9"]


def test_read_from_enqueued_time(broker):
    with producer(broker.root) as client:
        client.send_event(EventData("old"), partition_id="3")
        time.sleep(1.2)
        boundary = datetime.datetime.now(datetime.timezone.utc)
        time.sleep(0.2)
        client.send_event(EventData("new-1"), partition_id="3")
        client.send_event(EventData("new-2"), partition_id="3")
    events, errors = read_events(broker.root, "orders", "3", expected=2, starting_position=boundary)
    assert errors == []
    assert [event.body_as_str() for event in events] == ["new-1", "new-2"]


def test_read_from_latest_sees_only_new_events(broker):
    with producer(broker.root) as client:
        client.send_event(EventData("before"), partition_id="0")
    events, errors = read_events(broker.root, "orders", "0", expected=1, starting_position="@latest", timeout=3)
    assert errors == []
    assert events == []


def test_last_enqueued_event_properties(broker):
    with producer(broker.root) as client:
        for index in range(4):
            client.send_event(EventData(f"m{index}"), partition_id="2")
        properties = client.get_partition_properties("2")
    last_enqueued = []
    events, errors = read_events(broker.root, "orders", "2", expected=2, last_enqueued=last_enqueued)
    assert errors == []
    assert len(events) >= 2
    latest = last_enqueued[0]
    assert latest["sequence_number"] == 3
    assert latest["offset"] == properties["last_enqueued_offset"]
    assert latest["enqueued_time"] == properties["last_enqueued_time_utc"]
    assert isinstance(latest["retrieval_time"], datetime.datetime)


def test_listen_rule_cannot_send(broker):
    started = time.monotonic()
    with pytest.raises(EventHubError) as raised:
        # No retries: the test measures the broker's response, not the client's backoff.
        with producer(broker.connection_strings["listen"], retry_total=0) as client:
            client.send_event(EventData("forbidden"), partition_id="0")
    assert time.monotonic() - started < 5
    assert "Send" in str(raised.value)
    with producer(broker.root) as client:
        assert client.get_partition_properties("0")["is_empty"] is True


def test_wrong_key_fails_fast(broker):
    wrong = broker.root.replace("SharedAccessKey=", "SharedAccessKey=x", 1)
    started = time.monotonic()
    with pytest.raises(AuthenticationError) as raised:
        with producer(wrong, retry_total=0) as client:
            client.get_eventhub_properties()
    assert time.monotonic() - started < 5
    assert "signature" in str(raised.value)


def test_oversized_event_rejected_earlier_kept(broker):
    with producer(broker.root, hub="single") as client:
        client.send_event(EventData("earlier"), partition_id="0")
        client.send_event(EventData(b"x" * 1_048_576), partition_id="0")
        with pytest.raises(EventHubError) as raised:
            client.send_event(EventData(b"x" * 1_048_577), partition_id="0")
        properties = client.get_partition_properties("0")
    assert "1048577 bytes" in str(raised.value)
    assert "1048576 bytes (1 MB)" in str(raised.value)
    assert properties["last_enqueued_sequence_number"] == 1
    events, errors = read_events(broker.root, "single", "0", expected=1)
    assert events[0].body_as_str() == "earlier"
    # The Python consumer accepts messages of at most 1 MiB in all, so the event with a
    # 1 MiB body cannot reach it: the broker ends the link with the reason instead.
    assert len(events) == 1


@pytest.mark.parametrize("body_size, property_size", [(1_048_576, 60_000), (1_000_000, 100_000)])
def test_event_over_limit_with_properties_rejected(broker, body_size, property_size):
    event = EventData(b"x" * body_size)
    event.properties = {"note": "p" * property_size}
    with producer(broker.root, hub="single") as client:
        client.send_event(EventData("earlier"), partition_id="0")
        with pytest.raises(EventHubError) as raised:
            client.send_event(event, partition_id="0")
        client.send_event(EventData("after"), partition_id="0")
        properties = client.get_partition_properties("0")
    message = str(raised.value)
    assert f"a body of {body_size} bytes and properties of" in message
    assert "over the limit of 1048576 bytes (1 MB)" in message
    assert "send smaller properties or a smaller body" in message
    assert properties["last_enqueued_sequence_number"] == 1
    events, errors = read_events(broker.root, "single", "0", expected=2)
    assert [event.body_as_str() for event in events] == ["earlier", "after"]


@pytest.mark.parametrize("body_size, content_type_size", [(1_200_000, 0), (1_048_000, 100_000)])
def test_message_over_link_limit_rejected(broker, body_size, content_type_size):
    event = EventData(b"z" * body_size)
    if content_type_size:
        event.content_type = "c" * content_type_size
    with producer(broker.root, hub="single", retry_total=0) as client:
        client.send_event(EventData("earlier"), partition_id="0")
        with pytest.raises(EventHubError) as raised:
            client.send_event(event, partition_id="0")
        client.send_event(EventData("after"), partition_id="0")
        properties = client.get_partition_properties("0")
    message = str(raised.value)
    assert "over the 1114112 bytes this link accepts" in message, message
    assert "1048576 bytes (1 MB)" in message, message
    assert properties["last_enqueued_sequence_number"] == 1


def test_event_over_limit_with_partition_key_rejected(broker):
    with producer(broker.root, hub="single") as client:
        client.send_event(EventData("earlier"), partition_id="0")
        with pytest.raises(EventHubError) as raised:
            client.send_event(EventData(b"x" * 1_000_000), partition_key="k" * 60_000)
        client.send_event(EventData("after"), partition_id="0")
        properties = client.get_partition_properties("0")
    message = str(raised.value)
    assert "a partition key of 60000 bytes, 1060000 bytes in all" in message
    assert "send a shorter partition key" in message
    assert properties["last_enqueued_sequence_number"] == 1


def test_keyed_batch_filled_by_sdk_accepted(broker):
    with producer(broker.root, hub="single") as client:
        client.send_event(EventData("earlier"), partition_id="0")
        # Every event of a keyed batch carries the key; the broker counts it once per batch.
        batch = client.create_batch(partition_key="customer-42")
        for _ in range(20_000):
            try:
                batch.add(EventData(b"y" * 100))
            except ValueError:
                break
        client.send_batch(batch)
        properties = client.get_partition_properties("0")
    assert properties["last_enqueued_sequence_number"] == len(batch)


def test_batch_filled_by_sdk_accepted(broker):
    with producer(broker.root, hub="single") as client:
        client.send_event(EventData("earlier"), partition_id="0")
        # The SDK fills a batch up to the link's maximum message size, 64 KiB over 1 MB, so
        # 100 KB events fill it past 1 MB of bodies. The broker stores what the SDK built.
        batch = client.create_batch(partition_id="0")
        for _ in range(20):
            try:
                batch.add(EventData(b"x" * 100_000))
            except ValueError:
                break
        assert len(batch) == 11
        client.send_batch(batch)
        properties = client.get_partition_properties("0")
    assert properties["last_enqueued_sequence_number"] == 11


def test_delivery_annotations_accepted_and_not_forwarded(broker):
    # The SDK writes delivery annotations after the body, where Event Hubs reads them.
    from azure.eventhub.amqp import AmqpAnnotatedMessage

    message = AmqpAnnotatedMessage(
        data_body=b"annotated",
        delivery_annotations={"x-opt-hop": "first"},
        application_properties={"kind": "test"},
    )
    with producer(broker.root, retry_total=0) as client:
        client.send_event(message, partition_id="3")

    events, errors = read_events(broker.root, "orders", "3", expected=1)
    assert errors == []
    assert [event.body_as_str() for event in events] == ["annotated"]
    assert events[0].properties == {b"kind": b"test"}
    assert not events[0].raw_amqp_message.delivery_annotations


@pytest.mark.parametrize("key, type_name", [(42, "int"), (b"k1", "binary")])
def test_partition_key_not_text_rejected(broker, key, type_name):
    from azure.eventhub.amqp import AmqpAnnotatedMessage

    message = AmqpAnnotatedMessage(data_body=b"odd key", annotations={b"x-opt-partition-key": key})
    with producer(broker.root, hub="single", retry_total=0) as client:
        before = client.get_partition_properties("0")["last_enqueued_sequence_number"]
        with pytest.raises(EventHubError) as raised:
            client.send_batch([message])
        after = client.get_partition_properties("0")["last_enqueued_sequence_number"]
    assert f"`x-opt-partition-key` is a value of type {type_name}" in str(raised.value)
    assert "send the key as text" in str(raised.value)
    assert after == before
