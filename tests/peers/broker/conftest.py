"""Fixtures that run the broker's `serve` example on a free port of 127.0.0.1."""

import json
import os
import pathlib
import subprocess

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
HUBS = ["orders:4", "lead:2", "single:1"]


def target_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPOSITORY / "target"))


@pytest.fixture(scope="session")
def serve_binary() -> pathlib.Path:
    """Build the broker's serve example once per test session, unless EDA_BROKER_SERVE names a
    binary built already."""
    prebuilt = os.environ.get("EDA_BROKER_SERVE")
    if prebuilt:
        return pathlib.Path(prebuilt)
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "broker", "--example", "serve"],
        cwd=REPOSITORY,
        check=True,
        timeout=1200,
    )
    return target_dir() / "debug" / "examples" / "serve"


class RunningBroker:
    """A broker process and the connection strings of its rules."""

    def __init__(self, binary: pathlib.Path, data_dir: pathlib.Path, log_path: pathlib.Path):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = log_path
        self.process = None
        self.port = None
        self.connection_strings = {}

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

    def stop(self) -> None:
        """Close standard input, which stops the broker; kill it by PID if it hangs."""
        if self.process is None:
            return
        self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def root(self) -> str:
        return self.connection_strings["RootManageSharedAccessKey"]


@pytest.fixture
def broker(serve_binary, tmp_path):
    running = RunningBroker(serve_binary, tmp_path / "data", tmp_path / "broker.log")
    running.start()
    yield running
    running.stop()
