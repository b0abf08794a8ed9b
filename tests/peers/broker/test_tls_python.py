"""Microsoft's Python SDK (azure-eventhub) against the broker's TLS listener.

The connection strings have no `UseDevelopmentEmulator`, so the SDK opens TLS as it does to
Azure. It trusts the broker's local CA through `connection_verify`, the path of the CA
certificate the broker writes to its data folder. Over TLS, azure-eventhub 5.15.1 drops the
Endpoint's port and connects to 5671, so the tests name the TLS port again in
`custom_endpoint_address`.
"""

import datetime
import json
import os
import socket
import ssl
import subprocess
import threading
import time

import pytest
from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient
from azure.eventhub.exceptions import EventHubError

from conftest import HUBS, RunningBroker


class RunningTlsBroker(RunningBroker):
    """The serve example with its TLS port, CA certificate and TLS connection strings."""

    def start(self) -> None:
        environment = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "broker=debug,info"))
        self.process = subprocess.Popen(
            [str(self.binary), str(self.data_dir), *HUBS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.log_path, "ab"),
            env=environment,
        )
        ready = json.loads(self.process.stdout.readline())
        self.port = ready["port"]
        self.connection_strings = ready["connection_strings"]
        self.tls_port = ready["tls_port"]
        self.ca_certificate = ready["ca_certificate"]
        self.tls_connection_strings = ready["tls_connection_strings"]

    @property
    def tls_root(self) -> str:
        return self.tls_connection_strings["RootManageSharedAccessKey"]

    def tls_options(self) -> dict:
        """Keyword arguments that make a client reach the TLS port and trust the local CA."""
        return {
            "connection_verify": self.ca_certificate,
            "custom_endpoint_address": f"sb://localhost:{self.tls_port}",
        }


@pytest.fixture
def tls_broker(serve_binary, tmp_path):
    running = RunningTlsBroker(serve_binary, tmp_path / "data", tmp_path / "broker.log")
    running.start()
    yield running
    running.stop()


def producer(broker, **options):
    return EventHubProducerClient.from_connection_string(
        broker.tls_root, eventhub_name="orders", **broker.tls_options(), **options
    )


def read_tls_events(broker, partition_id, expected, starting_position="-1", inclusive=False, timeout=20.0):
    """Receive from one partition over TLS until `expected` events arrived or `timeout` passed."""
    consumer = EventHubConsumerClient.from_connection_string(
        broker.tls_root,
        consumer_group="$Default",
        eventhub_name="orders",
        **broker.tls_options(),
    )
    received = []
    errors = []
    done = threading.Event()

    def on_event(_context, event):
        if event is None:
            return
        received.append(event)
        if len(received) >= expected:
            done.set()

    worker = threading.Thread(
        target=consumer.receive,
        kwargs={
            "on_event": on_event,
            "on_error": lambda _context, error: errors.append(error),
            "partition_id": partition_id,
            "starting_position": starting_position,
            "starting_position_inclusive": inclusive,
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


def test_tls_connection_string_names_tls_port(tls_broker):
    assert tls_broker.tls_port != tls_broker.port
    assert tls_broker.tls_root.startswith(f"Endpoint=sb://localhost:{tls_broker.tls_port};")
    assert "UseDevelopmentEmulator" not in tls_broker.tls_root
    with open(tls_broker.ca_certificate, encoding="ascii") as ca:
        assert ca.read().startswith("-----BEGIN CERTIFICATE-----")


def test_certificate_verifies_against_ca_file(tls_broker):
    context = ssl.create_default_context(cafile=tls_broker.ca_certificate)
    for host in ["localhost", "127.0.0.1"]:
        with context.wrap_socket(
            socket.create_connection(("127.0.0.1", tls_broker.tls_port), timeout=5),
            server_hostname=host,
        ) as connection:
            assert connection.version() in ("TLSv1.2", "TLSv1.3")
            assert connection.getpeercert()["subject"]


def test_properties_over_tls(tls_broker):
    with producer(tls_broker) as client:
        hub = client.get_eventhub_properties()
        partition = client.get_partition_properties("1")
    assert hub["eventhub_name"] == "orders"
    assert hub["partition_ids"] == ["0", "1", "2", "3"]
    assert partition["id"] == "1"
    assert partition["is_empty"] is True
    assert partition["last_enqueued_sequence_number"] == -1


def test_send_and_receive_over_tls(tls_broker):
    sent_at = datetime.datetime.now(datetime.timezone.utc)
    with producer(tls_broker) as client:
        for index in range(3):
            event = EventData(f"tls-{index}")
            event.properties = {"team": "blue", "index": index}
            client.send_event(event, partition_id="2")
        batch = client.create_batch(partition_id="2")
        for index in range(3, 6):
            batch.add(EventData(f"tls-{index}"))
        client.send_batch(batch)
        properties = client.get_partition_properties("2")
    assert properties["last_enqueued_sequence_number"] == 5

    events, errors = read_tls_events(tls_broker, "2", expected=6)
    assert errors == []
    assert [event.body_as_str() for event in events] == [f"tls-{index}" for index in range(6)]
    assert [event.sequence_number for event in events] == list(range(6))
    for index, event in enumerate(events[:3]):
        assert event.properties == {b"team": b"blue", b"index": index}
    assert all(abs(event.enqueued_time - sent_at) < datetime.timedelta(minutes=1) for event in events)

    later, errors = read_tls_events(tls_broker, "2", expected=2, starting_position=4, inclusive=True)
    assert errors == []
    assert [event.body_as_str() for event in later] == ["tls-4", "tls-5"]


def test_events_sent_over_tls_read_over_plain_amqp(tls_broker):
    with producer(tls_broker) as client:
        client.send_event(EventData("crossing"), partition_id="0")
    with EventHubProducerClient.from_connection_string(tls_broker.root, eventhub_name="orders") as client:
        properties = client.get_partition_properties("0")
    assert properties["last_enqueued_sequence_number"] == 0


def test_untrusted_certificate_fails_fast(tls_broker):
    started = time.monotonic()
    with pytest.raises(EventHubError) as raised:
        # The system's CA bundle does not contain the broker's CA.
        with EventHubProducerClient.from_connection_string(
            tls_broker.tls_root,
            eventhub_name="orders",
            custom_endpoint_address=f"sb://localhost:{tls_broker.tls_port}",
            retry_total=0,
        ) as client:
            client.get_eventhub_properties()
    assert time.monotonic() - started < 10
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
