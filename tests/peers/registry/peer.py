"""Drive Microsoft's Python Schema Registry client and Avro encoder against a registry.

The Rust integration test runs this script as a child process. Every mode reads one JSON
request on stdin and writes one JSON result on stdout.

Environment:
  EDA_REGISTRY_ENDPOINT  host:port of the registry. The SDK always prefixes https://.
  EDA_REGISTRY_CA        path of the CA certificate (PEM) that signed the registry's certificate.
  EDA_REGISTRY_TOKEN     bearer token issued by the app. It is read from the environment only.
  EDA_REGISTRY_GROUP     schema group.

Modes:
  encode  {"schema": str, "event": object}
          -> {"content_type": str, "body_base64": str, "schema_id": str}
  decode  {"content_type": str, "body_base64": str, "reader_schema": str}
          -> {"event": object}
  bench   {"schema": str, "event": object, "count": int}
          -> {"encode_per_second": float, "decode_per_second": float, "count": int}
  client  {"schema": str, "name": str}
          -> what each SchemaRegistryClient operation returned or raised
"""

import base64
import json
import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.schemaregistry import SchemaRegistryClient
from azure.schemaregistry.encoder.avroencoder import AvroEncoder


class AppIssuedTokenCredential:
    """A credential that hands the SDK the token the app issued for its local registry."""

    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3600)

    def close(self):
        pass


def make_client(token=None):
    return SchemaRegistryClient(
        fully_qualified_namespace=os.environ["EDA_REGISTRY_ENDPOINT"],
        credential=AppIssuedTokenCredential(token or os.environ["EDA_REGISTRY_TOKEN"]),
        connection_verify=os.environ["EDA_REGISTRY_CA"],
    )


def make_encoder():
    client = make_client()
    encoder = AvroEncoder(
        client=client, group_name=os.environ["EDA_REGISTRY_GROUP"], auto_register=True
    )
    return client, encoder


def encode(request):
    client, encoder = make_encoder()
    with client:
        message = encoder.encode(request["event"], schema=request["schema"])
    content_type = message["content_type"]
    return {
        "content_type": content_type,
        "body_base64": base64.b64encode(message["content"]).decode("ascii"),
        "schema_id": content_type.split("+", 1)[1],
    }


def decode(request):
    client, encoder = make_encoder()
    message = {
        "content": base64.b64decode(request["body_base64"]),
        "content_type": request["content_type"],
    }
    with client:
        event = encoder.decode(message, readers_schema=request["reader_schema"])
    return {"event": event}


def bench(request):
    client, encoder = make_encoder()
    count = int(request["count"])
    with client:
        # The first call registers the schema and fills the encoder's caches.
        first = encoder.encode(request["event"], schema=request["schema"])
        started = time.perf_counter()
        for _ in range(count):
            message = encoder.encode(request["event"], schema=request["schema"])
        encode_seconds = time.perf_counter() - started
        encoder.decode(first)
        started = time.perf_counter()
        for _ in range(count):
            encoder.decode(message)
        decode_seconds = time.perf_counter() - started
    return {
        "encode_per_second": count / encode_seconds,
        "decode_per_second": count / decode_seconds,
        "count": count,
    }


def failure(call):
    """Run a call that should raise, and describe the error the SDK raised."""
    try:
        call()
    except HttpResponseError as error:
        return {
            "type": type(error).__name__,
            "status": error.status_code,
            "message": str(error),
        }
    return {"type": None, "status": None, "message": "no error was raised"}


def client_operations(request):
    group = os.environ["EDA_REGISTRY_GROUP"]
    name = request["name"]
    schema = request["schema"]
    results = {}
    with make_client() as client:
        registered = client.register_schema(group, name, schema, "Avro")
        results["registered"] = {
            "id": registered.id,
            "group_name": registered.group_name,
            "name": registered.name,
            "version": registered.version,
            "format": str(registered.format.value),
        }
        results["properties_id"] = client.get_schema_properties(group, name, schema, "Avro").id
        by_id = client.get_schema(registered.id)
        results["by_id"] = {
            "definition": by_id.definition,
            "version": by_id.properties.version,
            "format": str(by_id.properties.format.value),
        }
        by_version = client.get_schema(group_name=group, name=name, version=registered.version)
        results["by_version_id"] = by_version.properties.id
        results["unknown_group"] = failure(
            lambda: client.register_schema("nosuchgroup", name, schema, "Avro")
        )
        results["malformed"] = failure(
            lambda: client.register_schema(group, name, '{"type": ', "Avro")
        )
        results["unknown_id"] = failure(lambda: client.get_schema("0" * 32))
    with make_client(token="not-a-token") as client:
        results["wrong_token"] = failure(lambda: client.get_schema(registered.id))
    return results


def main():
    modes = {
        "encode": encode,
        "decode": decode,
        "bench": bench,
        "client": client_operations,
    }
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        sys.exit(f"usage: {sys.argv[0]} encode|decode|bench|client < request.json")
    request = json.load(sys.stdin)
    json.dump(modes[sys.argv[1]](request), sys.stdout)


if __name__ == "__main__":
    main()
