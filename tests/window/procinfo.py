"""Facts about running processes from /proc: which of a driver's descendants is the app, when a
process started, and how much memory the app and its WebKit processes use.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import processes

# The processes WebKitGTK starts for a WebView: one renders the page, one does its networking.
WEBKIT_PROCESSES = ("WebKitWebProcess", "WebKitNetworkProcess", "WebKitGPUProcess")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def command_line(pid: int) -> list[str]:
    """Returns the arguments of `pid`, or an empty list when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def find_app(root: int, binary: Path) -> int | None:
    """Returns the PID of the descendant of `root` that runs `binary`, or None."""
    for pid, _started in processes.descendants(root):
        arguments = command_line(pid)
        if arguments and Path(arguments[0]).name == binary.name:
            return pid
    return None


def started_since_boot(pid: int) -> float:
    """Returns when `pid` started, in seconds since boot (field 22 of /proc/PID/stat).

    The kernel counts it in clock ticks, so the resolution is 1 / SC_CLK_TCK (10 ms at 100 Hz).
    """
    fields = processes.stat_fields(pid)
    if fields is None:
        raise RuntimeError(f"process {pid} is gone")
    return int(fields[19]) / CLOCK_TICKS


def since_boot() -> float:
    """Returns the time since boot on the clock that /proc start times use."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


@dataclass
class Memory:
    """The memory of the app and its WebKit processes at one moment, in kibibytes."""

    # Resident set size of each process, by name and PID.
    resident: dict[str, int]
    # Proportional set size of each process, by name and PID: shared pages are split between
    # the processes that map them, so unlike RSS the sum counts each page once.
    proportional: dict[str, int]

    @property
    def proportional_total(self) -> int:
        """The sum of the processes' proportional set sizes."""
        return sum(self.proportional.values())

    @property
    def resident_total(self) -> int:
        """The sum of the processes' resident set sizes, which counts shared pages twice."""
        return sum(self.resident.values())


def status_kib(pid: int, key: str) -> int:
    """Reads one `kB` line such as `VmRSS` from /proc/PID/status, or 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def rollup_kib(pid: int, key: str) -> int:
    """Reads one line such as `Pss` from /proc/PID/smaps_rollup, or 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def app_family(app: int) -> dict[int, str]:
    """Returns the app and its WebKit descendants as PID to process name."""
    family = {app: "app"}
    for pid, _started in processes.descendants(app):
        arguments = command_line(pid)
        name = Path(arguments[0]).name if arguments else ""
        if name in WEBKIT_PROCESSES:
            family[pid] = name
    return family


def memory(app: int) -> Memory:
    """Measures the RSS and the PSS of the app and of each of its WebKit processes."""
    family = app_family(app)
    resident = {f"{name} {pid}": status_kib(pid, "VmRSS") for pid, name in family.items()}
    proportional = {f"{name} {pid}": rollup_kib(pid, "Pss") for pid, name in family.items()}
    return Memory(resident=resident, proportional=proportional)
