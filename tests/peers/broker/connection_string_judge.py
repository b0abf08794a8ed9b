"""Report how Microsoft's azure-eventhub reads each of a list of connection strings.

Input on stdin: a JSON list of {"id": str, "text": str}. Output on stdout: a JSON list with one
object per input, in the same order: {"id", "accepted": true, "host", "port", "hub", "key_name",
"credential", "tls"} when `EventHubProducerClient.from_connection_string` builds a client, or
{"id", "accepted": false, "error"} when it raises.

`port` is the port the Endpoint names, or null, or the text after the host's `:` when it is not a
number. `credential` is "key" or "signature".

Constructing the client opens no connection. Every socket connect is still replaced by one that
raises, so that a change in the SDK cannot make this script reach any address.
"""

import json
import socket
import sys
from urllib.parse import urlsplit

from azure.eventhub import EventHubProducerClient


class ConnectAttempted(RuntimeError):
    """Raised in place of any socket connect."""


def refuse_connect(self, address):
    raise ConnectAttempted(f"the judge must not connect, but something connected to {address}")


socket.socket.connect = refuse_connect
socket.socket.connect_ex = refuse_connect
socket.create_connection = lambda address, *args, **kwargs: refuse_connect(None, address)


def judge(text: str) -> dict:
    """Construct a producer client from `text` and describe what the SDK read."""
    try:
        client = EventHubProducerClient.from_connection_string(text)
    except ConnectAttempted:
        raise
    except Exception as error:  # noqa: BLE001: every rejection is an outcome to record
        return {"accepted": False, "error": f"{type(error).__name__}: {error}"}

    # `_address.hostname` is the Endpoint's netloc: host and, when the Endpoint names one, port.
    netloc = urlsplit("//" + client._address.hostname)
    try:
        port = netloc.port
    except ValueError:
        port = netloc.netloc.rsplit(":", 1)[-1]
    credential = client._credential
    key_name = getattr(credential, "policy", None)
    return {
        "accepted": True,
        "host": netloc.hostname,
        "port": port,
        "hub": client.eventhub_name,
        "key_name": key_name,
        "credential": "key" if key_name is not None else "signature",
        "tls": client._config.use_tls,
    }


def main() -> None:
    cases = json.load(sys.stdin)
    outcomes = []
    for case in cases:
        outcomes.append({"id": case["id"], **judge(case["text"])})
    json.dump(outcomes, sys.stdout)


if __name__ == "__main__":
    main()
