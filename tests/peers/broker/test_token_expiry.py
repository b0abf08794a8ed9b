"""Links of Microsoft's Python SDK (azure-eventhub) whose SAS token expires without a renewal.

A connection string with a fixed SharedAccessSignature cannot renew its token, so the broker
detaches its links once the token expired, as Azure Event Hubs does. Clients that sign tokens with
a key renew them, which `crates/broker/tests/token_expiry.rs` covers at the protocol level.
"""

import base64
import hashlib
import hmac
import time
import urllib.parse

import pytest
from azure.eventhub import EventData, EventHubProducerClient
from azure.eventhub.exceptions import EventHubError

# Lifetime of the fixed tokens, in seconds.
LIFETIME = 3

# How long the broker keeps a link open after its token's expiry for a renewal to arrive.
GRACE = 5


def connection_string_parts(connection_string):
    return dict(part.split("=", 1) for part in connection_string.split(";") if part)


def fixed_token_connection_string(broker, hub, expiry):
    """Build a connection string of the root rule that carries a token for `hub` valid until
    `expiry` (seconds since the Unix epoch) instead of the key."""
    parts = connection_string_parts(broker.root)
    resource = urllib.parse.quote_plus(f"sb://127.0.0.1:{broker.port}/{hub}")
    signed = f"{resource}\n{expiry}".encode()
    digest = hmac.new(parts["SharedAccessKey"].encode(), signed, hashlib.sha256).digest()
    signature = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    rule = parts["SharedAccessKeyName"]
    token = f"SharedAccessSignature sr={resource}&sig={signature}&se={expiry}&skn={rule}"
    return (
        f"Endpoint=sb://127.0.0.1:{broker.port};SharedAccessSignature={token};"
        f"EntityPath={hub};UseDevelopmentEmulator=true"
    )


def test_fixed_token_sender_ends_after_expiry(broker):
    expiry = int(time.time()) + LIFETIME
    connection_string = fixed_token_connection_string(broker, "orders", expiry)
    with EventHubProducerClient.from_connection_string(connection_string, retry_total=0) as client:
        client.send_event(EventData("before"), partition_id="0")
        time.sleep(max(0.0, expiry + GRACE + 1.5 - time.time()))
        with pytest.raises(EventHubError) as raised:
            client.send_event(EventData("after"), partition_id="0")
    # The SDK opens a new link for the send and puts its token again, which the broker rejects.
    assert "the token expired at Unix time" in str(raised.value), str(raised.value)
    with EventHubProducerClient.from_connection_string(broker.root, eventhub_name="orders") as client:
        assert client.get_partition_properties("0")["last_enqueued_sequence_number"] == 0
