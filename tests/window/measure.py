"""Measures the desktop app: cold start to the first page, and memory and responsiveness while
the live flow runs at its fastest pace. Not a test: it prints numbers for BENCHMARKS.md.

Cold start: each run starts the app over a new data folder and a new keychain, and measures
from the app process's start time in /proc to the moment the welcome page's heading is first
seen in the page. The heading is looked for every 10 ms or so through WebDriver, so a start
time is an upper bound by up to one poll. The page's own navigation start
(`performance.timeOrigin`) splits the time into the WebView's start and the page's own work.

Live flow: one more start applies every step for `dgrf` as in the end-to-end test, sets the
flow's pace control to its fastest and starts the flow. For `--flow-seconds` it then samples
the memory of the app and its WebKit processes from /proc each second, and times clicks on a
control of the flow page until the page changes (flow_load.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import flow_load
import harness
import procinfo
import processes
import workshop
from harness import Checks, Deadline
from webdriver import Session, WebDriverError, wait_for

# How long one start may take before the run counts as failed, in seconds.
START_LIMIT = 60
# How long after the welcome heading appears the app's memory is read.
WELCOME_SETTLE_SECONDS = 3


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_common_arguments(parser, time_limit=900)
    parser.set_defaults(
        app=harness.REPOSITORY / "target" / "release" / "eda-workshop-desktop",
        artifacts=harness.REPOSITORY / "tests" / "artifacts" / "measure",
    )
    parser.add_argument(
        "--starts", type=int, default=5, help="number of cold starts to time (default: 5)"
    )
    parser.add_argument(
        "--flow-seconds",
        type=int,
        default=60,
        help="how long the live flow runs while it is measured, in seconds (default: 60)",
    )
    parser.add_argument(
        "--skip-flow", action="store_true", help="time the cold starts only"
    )
    parser.add_argument(
        "--json", type=Path, help="also write the numbers to this JSON file"
    )
    return parser.parse_args()


def time_cold_start(
    arguments: argparse.Namespace, keychain_driver: harness.KeychainDriver, read_memory: bool
) -> dict:
    """Starts the app once and returns its start times in milliseconds, and with `read_memory`
    also its memory on the welcome page."""
    session = Session(keychain_driver.port, request_timeout=START_LIMIT)
    try:
        load = os.getloadavg()[0]
        session.start(str(arguments.app.resolve()))
        deadline = time.monotonic() + START_LIMIT
        polls = 0
        while True:
            polls += 1
            seen = session.execute(
                "if (document.getElementById('welcome-title') === null) { return null; }"
                "const paint = performance.getEntriesByName('first-contentful-paint')[0];"
                "return { origin: performance.timeOrigin, paint: paint ? paint.startTime : null };"
            )
            if seen is not None:
                seen_at = procinfo.since_boot()
                break
            if time.monotonic() > deadline:
                raise WebDriverError(f"the welcome heading did not appear in {START_LIMIT} s")
            time.sleep(0.01)
        app = procinfo.find_app(keychain_driver.driver.pid, arguments.app)
        if app is None:
            raise RuntimeError(f"no process of {arguments.app.name} runs under tauri-driver")
        spawned = procinfo.started_since_boot(app)
        boot_epoch = time.time() - procinfo.since_boot()
        navigation = seen["origin"] / 1000 - boot_epoch
        timing = {
            "to_heading_ms": (seen_at - spawned) * 1000,
            "to_navigation_ms": (navigation - spawned) * 1000,
            # 1 means the heading was there at the first look, right after WebKitWebDriver
            # opened the session, so the time is an upper bound set by the session's start.
            "polls": polls,
            "load_average_1min": load,
        }
        if seen["paint"] is not None:
            timing["to_first_paint_ms"] = timing["to_navigation_ms"] + seen["paint"]
        if not read_memory:
            return timing
        # The memory of the app on its first page, before any step runs, once the page has
        # settled: the part of the footprint that the workshop's own data does not add to.
        time.sleep(WELCOME_SETTLE_SECONDS)
        welcome = procinfo.memory(app)
        timing["pss_total_mib_on_welcome"] = welcome.proportional_total / 1024
        timing["pss_mib_on_welcome"] = {
            name: kib / 1024 for name, kib in welcome.proportional.items()
        }
        return timing
    finally:
        try:
            session.end()
        except WebDriverError as error:
            print(f"could not end the WebDriver session: {error}", flush=True)


def measure_starts(arguments: argparse.Namespace, display: str, log: IO[str]) -> dict:
    """Times `--starts` cold starts and returns each and their median.

    All starts share one D-Bus session, as the starts of the app on a desktop do, so only the
    first one waits for D-Bus to start the desktop portal. The app's data folder is removed
    before each start, so every start finds a new workshop.
    """
    runs = []
    with tempfile.TemporaryDirectory(prefix="eda-measure-") as folder:
        environment = harness.app_environment(display, Path(folder), None)
        data = Path(environment["XDG_DATA_HOME"]) / workshop.APP_IDENTIFIER
        keychain_driver = harness.start_driver_with_keychain(
            arguments, environment, Path(folder), log
        )
        try:
            for number in range(1, arguments.starts + 1):
                shutil.rmtree(data, ignore_errors=True)
                # Only the last start waits on the welcome page to read the memory, so the
                # app's shutdown after the wait cannot overlap a timed start.
                timing = time_cold_start(
                    arguments, keychain_driver, read_memory=number == arguments.starts
                )
                print(
                    f"start {number}: welcome heading seen after {timing['to_heading_ms']:.0f} ms"
                    f", page navigation began after {timing['to_navigation_ms']:.0f} ms, first "
                    f"contentful paint after {timing.get('to_first_paint_ms', math.nan):.0f} ms"
                    f", {timing['polls']} polls, load average {timing['load_average_1min']:.1f}",
                    flush=True,
                )
                runs.append(timing)
        finally:
            processes.stop(keychain_driver.driver)
            harness.remove_keychain_folder(keychain_driver.scratch)
    headings = [run["to_heading_ms"] for run in runs]
    return {
        "runs": runs,
        "median_to_heading_ms": statistics.median(headings),
        "max_to_heading_ms": max(headings),
        "median_to_navigation_ms": statistics.median(run["to_navigation_ms"] for run in runs),
        "median_to_first_paint_ms": statistics.median(
            run.get("to_first_paint_ms", math.nan) for run in runs
        ),
        "pss_total_mib_on_welcome": runs[-1]["pss_total_mib_on_welcome"],
        "pss_mib_on_welcome": runs[-1]["pss_mib_on_welcome"],
    }


def main() -> int:
    arguments = parse_arguments()
    artifacts: Path = arguments.artifacts
    artifacts.mkdir(parents=True, exist_ok=True)

    def on_deadline(_signal: int, _frame: object) -> None:
        raise Deadline(f"the run took longer than {arguments.time_limit} s")

    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(arguments.time_limit)
    results: dict = {"app": str(arguments.app)}
    xvfb = None
    failure = None
    with (
        open(artifacts / "xvfb.log", "w") as xvfb_log,
        open(artifacts / "tauri-driver.log", "w") as driver_log,
    ):
        try:
            harness.require_programs(arguments)
            xvfb, display = processes.start_xvfb(*harness.SCREEN, xvfb_log, timeout=20)
            results["cold_start"] = measure_starts(arguments, display, driver_log)
            if not arguments.skip_flow:
                with tempfile.TemporaryDirectory(prefix="eda-measure-flow-") as folder:
                    results["live_flow"] = flow_load.measure(
                        arguments, display, Path(folder), driver_log, Checks()
                    )
        except (
            WebDriverError,
            RuntimeError,
            OSError,
            subprocess.SubprocessError,
            Deadline,
            harness.CheckFailed,
        ) as error:
            failure = str(error)
        finally:
            signal.alarm(0)
            if xvfb is not None:
                processes.stop(xvfb)

    print(json.dumps(results, indent=2), flush=True)
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2) + "\n")
    if failure:
        print(f"measurement failed: {failure}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
