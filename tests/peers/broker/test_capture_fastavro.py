"""fastavro, an Avro reader independent of the broker, reads the broker's capture files."""

import os
import pathlib
import subprocess

import fastavro

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]


def write_capture(folder: pathlib.Path) -> pathlib.Path:
    """Run the broker's write_capture example and return the file it wrote."""
    completed = subprocess.run(
        ["cargo", "run", "--quiet", "-p", "broker", "--example", "write_capture", "--", str(folder)],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return pathlib.Path(completed.stdout.strip())


def test_capture_file_read_by_fastavro(tmp_path):
    path = write_capture(tmp_path)
    assert path == tmp_path / "lead/2026/03/07/09/lead_2026_03_07_09_05_00_2_eda-local.avro"

    with open(path, "rb") as file:
        reader = fastavro.reader(file)
        schema = reader.writer_schema
        metadata = reader.metadata
        records = list(reader)

    assert schema["name"] == "Microsoft.ServiceBus.Messaging.EventData"
    field_names = [field["name"] for field in schema["fields"]]
    assert field_names == [
        "SequenceNumber",
        "Offset",
        "EnqueuedTimeUtc",
        "SystemProperties",
        "Properties",
        "Body",
    ]
    assert metadata["avro.codec"] == "deflate"
    properties_field = next(field for field in schema["fields"] if field["name"] == "Properties")
    assert properties_field["type"]["values"] == ["long", "double", "string", "bytes", "null"]

    assert [record["SequenceNumber"] for record in records] == [0, 1, 2]
    assert [record["Offset"] for record in records] == ["0", "100", "200"]
    assert records[0]["EnqueuedTimeUtc"] == "2026-03-07T09:05:00.0000000Z"
    assert records[0]["Body"] == b'{"lead":"lead-0"}'
    assert records[1]["Body"] == bytes(range(256))
    assert records[2]["Body"] == b""
    assert records[1]["Properties"] == {
        "lead-id": "lead-1",
        "score": 10,
        "ratio": 0.25,
        "raw": b"\x00\xff",
        "discount": None,
    }
    assert records[1]["SystemProperties"] == {
        "x-opt-sequence-number": 1,
        "x-opt-partition-key": "customer-42",
    }
    assert os.path.getsize(path) > 0
