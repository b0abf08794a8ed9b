"""Starting and stopping the processes of the window smoke test: Xvfb and tauri-driver.

Each process starts in its own session, so its process group id is its PID. Stopping a process
sends SIGTERM to that group and then SIGKILL to any of its descendants still alive, which covers
WebKitWebDriver and the app that tauri-driver starts underneath it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from typing import IO


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    """Waits until something accepts connections on 127.0.0.1:`port`, or raises."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with code {process.returncode} early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for 127.0.0.1:{port}")


def start_xvfb(
    width: int, height: int, log: IO[str], timeout: float
) -> tuple[subprocess.Popen, str]:
    """Starts Xvfb on the first free display and returns the process and its display name.

    Xvfb writes the display number it chose to the pipe given with `-displayfd` once it accepts
    clients, so no display number is guessed and no lock file is raced for.
    """
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    os.close(write_end)
    deadline = time.monotonic() + timeout
    number = b""
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        os.set_blocking(pipe.fileno(), False)
        while not number.endswith(b"\n"):
            if time.monotonic() >= deadline or process.poll() is not None:
                stop(process)
                raise RuntimeError("Xvfb did not report a display number: see xvfb.log")
            try:
                chunk = pipe.read(16)
            except BlockingIOError:
                chunk = None
            if chunk:
                number += chunk
            else:
                time.sleep(0.05)
    return process, f":{number.decode().strip()}"


def stat_fields(pid: int) -> list[str] | None:
    """Returns the fields of /proc/`pid`/stat after the command name, or None if it is gone.

    The command name is in parentheses and may contain spaces, so the split starts after it:
    index 1 is the parent PID and index 19 the start time in clock ticks since boot.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def descendants(pid: int) -> list[tuple[int, str]]:
    """Lists every living descendant of `pid` as (PID, start time), read from /proc."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(int(entry))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append((int(entry), fields[19]))
    found: list[tuple[int, str]] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child[0])
    return found


def stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """Stops `process` and every descendant it started, waiting at most `grace` seconds each."""
    if process.poll() is not None:
        return
    family = descendants(process.pid)
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=grace)
    for pid, started in family:
        fields = stat_fields(pid)
        # A matching start time proves the PID still belongs to the process found earlier.
        if fields is not None and fields[19] == started:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
