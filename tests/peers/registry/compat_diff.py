"""Compare the registry's compatibility verdicts with Apache Avro's on generated schema pairs.

For every pair of compat_pairs.py and for the Backward and Forward modes, the script registers
the latest schema and then the new one through Microsoft's Python Schema Registry client, in a
schema group of that mode. The registry's verdict is then compared with that of
`avro.compatibility.ReaderWriterCompatibilityChecker` (the `avro` package):

- Backward: a reader on the new schema reads data written with the latest schema.
- Forward: a reader on the latest schema reads data written with the new schema.

fastavro decodes sample data written with the writer schema through the reader schema. A
failed decode means that the registry must reject the pair, except for the bytes read as a
string that KNOWN_DECODE_FAILURES lists. A successful decode proves nothing, because the
samples may miss the value that breaks.

Each rejection must name the pair's field or type path and give a fix.

The pairs where the registry deliberately differs from the `avro` package are listed in
KNOWN_DIFFERENCES with the reason. Any other difference fails, and so does a listed one that no
longer occurs.

Environment: EDA_REGISTRY_ENDPOINT, EDA_REGISTRY_CA and EDA_REGISTRY_TOKEN as for peer.py, and
EDA_BACKWARD_GROUP and EDA_FORWARD_GROUP, two empty schema groups in those modes.

Output on stdout, one JSON object: {"pairs": int, "kinds": {kind: count}, "verdicts": int,
"failures": [str], "rejected": int}. With `--table` it also lists every verdict.
"""

import datetime
import decimal
import io
import json
import os
import re
import sys
import time
import uuid

import avro.errors
import avro.schema
import fastavro
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.schemaregistry import SchemaRegistryClient

from compat_pairs import build_pairs

ACCEPTED = "accepted"
REJECTED = "rejected"
INVALID = "invalid"

# The phrase that starts the registry's message for an incompatible version, as opposed to an
# invalid schema.
INCOMPATIBLE_PHRASE = "is not compatible with the latest version"

# How many samples fastavro writes per pair. Sample k takes the k-th enum symbol and union
# branch (modulo their number), so four samples reach every branch of the pairs' unions.
SAMPLES = 4

RELATIVE_ALIAS = (
    "the Avro specification resolves an alias without a dot in the namespace of the type that "
    "declares it, so the alias `Color` of `example.avro.Colour` names `example.avro.Color`. The "
    "avro package compares the alias as written with the writer's full name and finds no match"
)
DECIMAL_CHANGED = (
    "the Avro specification matches two decimals only when their precision and scale are "
    "equal, and data written with another scale is misread by a power of ten. The avro "
    "package ignores logical types"
)
DEFAULT_NOT_OF_TYPE = (
    "the field's default is not a value of its type, which the Avro specification forbids, so "
    "the registry counts the field as having no default and a reader that needs the default "
    "fails. The avro package takes any default as written"
)
BYTES_AS_STRING = (
    "the Avro specification promotes bytes to string, which reads only bytes that are UTF-8, "
    "so the registry and the avro package accept the change. The samples' bytes are not UTF-8 "
    "and fastavro raises UnicodeDecodeError"
)

# Pairs and modes where the registry's verdict deliberately differs from the avro package's.
# Azure Schema Registry documents neither its handling of these cases nor which Avro library it
# uses, so whether Azure agrees with the registry here is unknown.
KNOWN_DIFFERENCES = {
    ("enum-renamed-relative-alias", "Backward"): (ACCEPTED, RELATIVE_ALIAS),
    ("nested-record-renamed-relative-alias", "Backward"): (ACCEPTED, RELATIVE_ALIAS),
    ("record-renamed-relative-alias", "Backward"): (ACCEPTED, RELATIVE_ALIAS),
    ("decimal-precision-changed", "Backward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-precision-changed", "Forward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-scale-changed", "Backward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-scale-changed", "Forward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-fixed-precision-changed", "Backward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-fixed-precision-changed", "Forward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-fixed-scale-changed", "Backward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-fixed-scale-changed", "Forward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-in-union-scale-changed", "Backward"): (REJECTED, DECIMAL_CHANGED),
    ("decimal-in-union-scale-changed", "Forward"): (REJECTED, DECIMAL_CHANGED),
    # A new field with a wrong default cannot be filled from old data (Backward), and a removed
    # field with a wrong default cannot be filled from new data (Forward).
    ("default-string-on-int", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-string-on-int-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-number-on-string", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-number-on-string-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-fraction-on-long", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-fraction-on-long-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-int-overflow", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-int-overflow-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-null-on-string", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-null-on-string-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-number-on-boolean", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-number-on-boolean-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-string-on-float", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-string-on-float-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-bytes-above-ff", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-bytes-above-ff-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-matches-no-branch", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-matches-no-branch-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-unknown-symbol", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-unknown-symbol-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-fixed-wrong-length", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-fixed-wrong-length-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-record-missing-field", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-record-missing-field-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-record-wrong-field-type", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-record-wrong-field-type-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-array-wrong-items", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-array-wrong-items-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-map-wrong-values", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-map-wrong-values-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-array-on-map", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-array-on-map-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-date-as-string", "Backward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
    ("default-date-as-string-removed", "Forward"): (REJECTED, DEFAULT_NOT_OF_TYPE),
}

# Pairs and modes that the registry accepts although fastavro fails to decode a sample:
# (pair id, mode) -> reason.
KNOWN_DECODE_FAILURES = {
    ("type-string-to-bytes", "Forward"): BYTES_AS_STRING,
    ("type-bytes-to-string", "Backward"): BYTES_AS_STRING,
    ("union-string-branch-to-bytes", "Forward"): BYTES_AS_STRING,
    ("array-items-string-to-bytes", "Forward"): BYTES_AS_STRING,
    ("uuid-to-bytes", "Forward"): BYTES_AS_STRING,
}


class AppIssuedTokenCredential:
    """A credential that hands the SDK the token the app issued for its local registry."""

    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3600)

    def close(self):
        pass


def make_client():
    return SchemaRegistryClient(
        fully_qualified_namespace=os.environ["EDA_REGISTRY_ENDPOINT"],
        credential=AppIssuedTokenCredential(os.environ["EDA_REGISTRY_TOKEN"]),
        connection_verify=os.environ["EDA_REGISTRY_CA"],
    )


def error_message(error):
    """Return the message of the registry's error body, or the SDK's text without one."""
    try:
        return error.response.json()["Detail"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return str(error)


def register(client, group, name, schema):
    """Register a schema and return (verdict, message)."""
    try:
        client.register_schema(group, name, json.dumps(schema), "Avro")
    except HttpResponseError as error:
        message = error_message(error)
        if error.status_code == 400 and INCOMPATIBLE_PHRASE in message:
            return REJECTED, message
        return INVALID, f"HTTP {error.status_code}: {message}"
    return ACCEPTED, ""


def avro_verdict(reader, writer):
    """Return (verdict, detail) of the avro package for a reader and a writer schema."""
    try:
        reader_schema = avro.schema.parse(json.dumps(reader))
        writer_schema = avro.schema.parse(json.dumps(writer))
    except (avro.errors.AvroException, ValueError) as error:
        return INVALID, str(error)
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader_schema, writer_schema)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return ACCEPTED, ""
    detail = "; ".join(sorted(result.messages)) + " at " + ", ".join(sorted(result.locations))
    return REJECTED, detail


def sample(schema, names, k):
    """Build the k-th sample value of a schema that fastavro parsed."""
    if isinstance(schema, str):
        if schema in names:
            return sample(names[schema], names, k)
        return primitive_sample(schema, k)
    if isinstance(schema, list):
        return sample(schema[k % len(schema)], names, k)

    logical_type = schema.get("logicalType")
    if logical_type == "decimal":
        return decimal.Decimal(123 + k).scaleb(-schema.get("scale", 0))
    if logical_type == "date":
        return datetime.date(2024, 1, 1 + k)
    if logical_type in ("timestamp-millis", "timestamp-micros"):
        return datetime.datetime(2024, 1, 1, 12, k, tzinfo=datetime.timezone.utc)
    if logical_type in ("time-millis", "time-micros"):
        return datetime.time(12, k)
    if logical_type == "uuid" and schema["type"] == "string":
        return str(uuid.UUID(int=k + 1))

    kind = schema["type"]
    if kind == "record":
        return {f["name"]: sample(f["type"], names, k) for f in schema["fields"]}
    if kind == "enum":
        symbols = schema["symbols"]
        return symbols[k % len(symbols)]
    if kind == "fixed":
        return bytes([65 + k]) * schema["size"]
    if kind == "array":
        return [sample(schema["items"], names, k), sample(schema["items"], names, k + 1)]
    if kind == "map":
        return {"a": sample(schema["values"], names, k), "b": sample(schema["values"], names, k + 1)}
    return sample(kind, names, k)


def primitive_sample(kind, k):
    return {
        "null": None,
        "boolean": k % 2 == 0,
        "int": 7 + k,
        "long": 2**40 + k,
        "float": 1.5 + k,
        "double": 2.5 + k,
        "bytes": bytes([66 + k, 200]),
        "string": f"s{k}",
    }[kind]


def fastavro_decode(reader, writer):
    """Write samples with the writer schema and read them with the reader schema.

    Returns "ok", "failed: ..." when a sample cannot be read, or "unparsed: ..." when fastavro
    rejects one of the schemas.
    """
    try:
        writer_names = {}
        writer_parsed = fastavro.parse_schema(writer, named_schemas=writer_names)
        reader_parsed = fastavro.parse_schema(reader, named_schemas={})
    except Exception as error:  # fastavro raises several unrelated types for a bad schema
        return f"unparsed: {error}"
    for k in range(SAMPLES):
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer_parsed, sample(writer_parsed, writer_names, k))
        buffer.seek(0)
        try:
            fastavro.schemaless_reader(buffer, writer_parsed, reader_parsed)
        except Exception as error:  # the reader raises several types for a failed resolution
            return f"failed: {type(error).__name__}: {error}"
    return "ok"


def message_problems(pair, mode, message):
    """List what a rejection message lacks: the pair's focus names and a fix."""
    problems = []
    focus = pair["focus"]
    if isinstance(focus, dict):
        focus = focus[mode]
    for name in focus:
        # A name counts where it appears alone or as the last part of a dotted name.
        if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", message):
            problems.append(f"does not name `{name}`")
    fix_at = message.find(" Fix: ")
    if fix_at < 0 or len(message) - fix_at < 20:
        problems.append("gives no fix")
    return problems


def check_pair(client, groups, pair):
    """Return one row per mode with the verdicts, and the failures of the pair."""
    rows = []
    failures = []
    for mode, group in groups.items():
        name = f"{pair['id']}"
        first, first_message = register(client, group, name, pair["old"])
        if first != ACCEPTED:
            failures.append(f"{pair['id']}: the latest schema is {first}: {first_message}")
            continue
        registry, message = register(client, group, name, pair["new"])
        if mode == "Backward":
            reader, writer = pair["new"], pair["old"]
        else:
            reader, writer = pair["old"], pair["new"]
        expected, avro_detail = avro_verdict(reader, writer)
        decoded = fastavro_decode(reader, writer)
        row = {
            "id": pair["id"],
            "kind": pair["kind"],
            "mode": mode,
            "registry": registry,
            "avro": expected,
            "avro_detail": avro_detail,
            "fastavro": decoded,
            "message": message,
        }
        rows.append(row)
        failures.extend(compare(pair, row))
    return rows, failures


def compare(pair, row):
    """List every way one verdict differs from what the peers and the known list expect."""
    failures = []
    where = f"{pair['id']} ({row['kind']}) in {row['mode']} mode"
    known = KNOWN_DIFFERENCES.get((pair["id"], row["mode"]))
    expected = known[0] if known else row["avro"]
    if known and known[0] == row["avro"]:
        failures.append(f"{where}: listed as a known difference, but the avro package agrees")
    if row["registry"] != expected:
        failures.append(
            f"{where}: the registry's verdict is {row['registry']}, expected {expected} "
            f"(avro: {row['avro']} {row['avro_detail']}; fastavro: {row['fastavro']}; "
            f"registry: {row['message']})"
        )
    decode_failure_known = (pair["id"], row["mode"]) in KNOWN_DECODE_FAILURES
    decode_failed = row["fastavro"].startswith("failed")
    if decode_failure_known and not (decode_failed and row["registry"] == ACCEPTED):
        failures.append(f"{where}: listed as a known decode failure, but it no longer occurs")
    if decode_failed and row["registry"] == ACCEPTED and not decode_failure_known:
        failures.append(
            f"{where}: the registry accepts it, but fastavro fails to decode a sample: "
            f"{row['fastavro']}"
        )
    if row["registry"] == REJECTED:
        for problem in message_problems(pair, row["mode"], row["message"]):
            failures.append(f"{where}: the rejection {problem}: {row['message']}")
    return failures


def main():
    show_table = "--table" in sys.argv[1:]
    groups = {
        "Backward": os.environ["EDA_BACKWARD_GROUP"],
        "Forward": os.environ["EDA_FORWARD_GROUP"],
    }
    pairs = build_pairs()
    kinds = {}
    rows = []
    failures = []
    with make_client() as client:
        for pair in pairs:
            kinds[pair["kind"]] = kinds.get(pair["kind"], 0) + 1
            pair_rows, pair_failures = check_pair(client, groups, pair)
            rows.extend(pair_rows)
            failures.extend(pair_failures)
    ids = {pair["id"] for pair in pairs}
    for pair_id, mode in [*KNOWN_DIFFERENCES, *KNOWN_DECODE_FAILURES]:
        if pair_id not in ids:
            failures.append(f"{pair_id} in {mode} mode: listed as a known difference, but no such pair")
    result = {
        "pairs": len(pairs),
        "kinds": kinds,
        "verdicts": len(rows),
        "rejected": sum(1 for row in rows if row["registry"] == REJECTED),
        "failures": failures,
    }
    if show_table:
        result["table"] = rows
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
