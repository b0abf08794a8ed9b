"""The live flow part of measure.py: memory and click responsiveness of the app while the flow
runs at the fastest pace its control offers.

One start of the app applies every step for `dgrf` (as the end-to-end test does, without its
pictures and audits), opens the live flow page, chooses the fastest pace and starts the flow.
Then, for the given time, a thread reads the memory of the app and its WebKit processes each
second while the test times clicks. A click on the newest recent event must open the event
details panel, and a click on its Close button must close it. The same clicks are timed again
with the flow paused, which shows how much of a click's time WebDriver itself adds. A click's
time runs from just before WebDriver's Element Click request to the first animation frame
after the page changed, both on the wall clock. A timer in the page also records how late its
50 ms ticks fire, which is how long the page's main thread was busy.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path
from typing import IO

import harness
import procinfo
import processes
import workshop
import workshop_pages
from harness import Checks
from webdriver import Session, WebDriverError, wait_for
from workshop_pages import TEAMS, testid

# Starts a timer in the page that records how late each 50 ms tick fires.
STALL_MONITOR = """
window.__stall = { ticks: 0, maxLateMs: 0, over100: 0 };
let expected = performance.now() + 50;
setInterval(() => {
  const late = performance.now() - expected;
  window.__stall.ticks += 1;
  window.__stall.maxLateMs = Math.max(window.__stall.maxLateMs, late);
  if (late > 100) { window.__stall.over100 += 1; }
  expected = performance.now() + 50;
}, 50);
"""

# Watches the page until arguments[0] (a CSS selector) is present (arguments[1] true) or gone,
# then records the wall-clock time of that change and of the next animation frame.
CHANGE_WATCH = """
const [selector, present] = arguments;
window.__change = null;
const matches = () => (document.querySelector(selector) !== null) === present;
const observer = new MutationObserver(() => {
  if (!matches()) { return; }
  observer.disconnect();
  const changed = performance.timeOrigin + performance.now();
  requestAnimationFrame(() => {
    window.__change = { changed, painted: performance.timeOrigin + performance.now() };
  });
});
observer.observe(document.body, { childList: true, subtree: true });
"""
# The maximum number of clicks one measurement times, which bounds the loop on a slow page.
MAX_CLICKS = 400


class QuietRun(workshop.Run):
    """A walk through the course that saves no picture and runs no audit."""

    def visit(self, name: str) -> None:
        return None


def percentile(values: list[float], share: float) -> float:
    """Returns the value below which `share` (0 to 1) of `values` lie, by nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed_click(session: Session, selector: str, watch: str, present: bool) -> float:
    """Clicks the element at `selector` and returns the milliseconds until the element at
    `watch` appeared (or went, when `present` is false) and the page painted the change."""
    session.execute(CHANGE_WATCH, watch, present)
    element = session.find(selector)
    before = time.time() * 1000
    session.click(element)
    change = wait_for(
        f"the page to change after clicking {selector}",
        lambda: session.execute("return window.__change;"),
        10,
        interval=0.005,
    )
    return change["painted"] - before


def published_total(session: Session) -> tuple[int, int]:
    """Returns the events published and handled over every lane, as the page counts them."""
    counts = workshop_pages.lane_counts(session)
    return (
        sum(counts[team]["published"] for team in TEAMS),
        sum(counts[team]["consumed"] for team in TEAMS),
    )


class MemorySampler(threading.Thread):
    """Reads the memory of the app and its WebKit processes once a second until stopped."""

    def __init__(self, app: int) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.samples: list[procinfo.Memory] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append(procinfo.memory(self.app))
            self.stopped.wait(1)


def time_clicks(session: Session, seconds: float, max_clicks: int) -> tuple[list[float], int]:
    """Opens and closes the newest recent event's details for `seconds` and returns the time
    of each click and the number of clicks that could not be timed."""
    clicks: list[float] = []
    failed_clicks = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds and len(clicks) < max_clicks:
        try:
            clicks.append(
                timed_click(
                    session, testid("recent-event"), testid("event-details"), present=True
                )
            )
            clicks.append(
                timed_click(
                    session, testid("event-details-close"), testid("event-details"), False
                )
            )
        except WebDriverError as error:
            # The recent events list is redrawn about ten times a second, so the element found
            # can be replaced before the click reaches it.
            failed_clicks += 1
            print(f"click not timed: {error}", flush=True)
            if failed_clicks > 20:
                raise
            if session.execute(f"return !!document.querySelector('{testid('event-details')}');"):
                session.click(session.find(testid("event-details-close")))
        time.sleep(0.2)
    return clicks, failed_clicks


def click_summary(clicks: list[float], prefix: str) -> dict:
    """Summarises click times in milliseconds under keys that start with `prefix`."""
    return {
        f"{prefix}clicks": len(clicks),
        f"{prefix}click_ms_median": statistics.median(clicks),
        f"{prefix}click_ms_p95": percentile(clicks, 0.95),
        f"{prefix}click_ms_max": max(clicks),
    }


def sample_under_load(session: Session, app: int, seconds: int) -> dict:
    """Samples memory each second and times clicks for `seconds`, and returns the numbers."""
    sampler = MemorySampler(app)
    published_before, handled_before = published_total(session)
    started = time.monotonic()
    sampler.start()
    try:
        clicks, failed_clicks = time_clicks(session, seconds, MAX_CLICKS)
    finally:
        sampler.stopped.set()
        sampler.join(timeout=5)
    elapsed = time.monotonic() - started
    published_after, handled_after = published_total(session)
    stall = session.execute("return window.__stall;")

    samples = sampler.samples
    peak = max(samples, key=lambda sample: sample.resident_total)
    return {
        "seconds": elapsed,
        "published_per_second": (published_after - published_before) / elapsed,
        "handled_per_second": (handled_after - handled_before) / elapsed,
        **click_summary(clicks, ""),
        "clicks_not_timed": failed_clicks,
        "main_thread_max_late_ms": stall["maxLateMs"],
        "main_thread_ticks_over_100_ms_late": stall["over100"],
        "memory_samples": len(samples),
        "rss_total_mib_peak": peak.resident_total / 1024,
        "rss_mib_at_peak": {name: kib / 1024 for name, kib in peak.resident.items()},
        "pss_total_mib_peak": max(s.proportional_total for s in samples) / 1024,
        "pss_mib_at_peak": {
            name: kib / 1024
            for name, kib in max(samples, key=lambda s: s.proportional_total).proportional.items()
        },
        "pss_total_mib_first": samples[0].proportional_total / 1024,
        "pss_total_mib_last": samples[-1].proportional_total / 1024,
        "rss_total_mib_first": samples[0].resident_total / 1024,
        "rss_total_mib_last": samples[-1].resident_total / 1024,
    }


def sample_paused(session: Session) -> dict:
    """Pauses the flow and times the same clicks, which shows what WebDriver itself adds."""
    session.click(session.find(testid("flow-pause")))
    wait_for(
        "the flow status to read Paused",
        lambda: True if session.text(session.find(testid("flow-status"))).startswith("Paused")
        else None,
        30,
    )
    clicks, _failed = time_clicks(session, 15, 40)
    return click_summary(clicks, "paused_")


def measure(
    arguments: argparse.Namespace, display: str, folder: Path, log: IO[str], checks: Checks
) -> dict:
    """Applies the course, runs the live flow at its fastest pace and measures it."""
    environment = harness.app_environment(display, folder, None)
    keychain_driver = harness.start_driver_with_keychain(arguments, environment, folder, log)
    session = Session(keychain_driver.port, request_timeout=60)
    try:
        session.start(str(arguments.app.resolve()))
        run = QuietRun(
            session=session,
            display=display,
            artifacts=arguments.artifacts,
            checks=checks,
            data_folder=Path(environment["XDG_DATA_HOME"]) / workshop.APP_IDENTIFIER,
            bus_address=keychain_driver.bus_address,
        )
        workshop.walk_course(run)
        app = procinfo.find_app(keychain_driver.driver.pid, arguments.app)
        if app is None:
            raise RuntimeError(f"no process of {arguments.app.name} runs under tauri-driver")
        print(f"app processes: {procinfo.app_family(app)}", flush=True)

        workshop_pages.open_step(session, "Live flow")
        wait_for("the pace control", lambda: session.find(testid("flow-pace")), 30)
        idle = procinfo.memory(app)
        result: dict = {
            "rss_total_mib_before_flow": idle.resident_total / 1024,
            "pss_total_mib_before_flow": idle.proportional_total / 1024,
            "pss_mib_before_flow": {name: kib / 1024 for name, kib in idle.proportional.items()},
        }
        pace = workshop_pages.choose_fastest_pace(session)
        result["pace_ms"] = pace
        try:
            workshop_pages.start_flow(session)
        except (RuntimeError, WebDriverError) as error:
            # The memory before the flow is still worth recording.
            result["flow_error"] = str(error)
            return result
        session.execute(STALL_MONITOR)
        # The first seconds fill the recent events list and warm the consumers up.
        workshop_pages.let_flow_run(session, 5)
        result.update(sample_under_load(session, app, arguments.flow_seconds))
        harness.capture(session, display, arguments.artifacts, "flow-under-load", checks)
        result.update(sample_paused(session))
        return result
    finally:
        try:
            session.end()
        except WebDriverError as error:
            print(f"could not end the WebDriver session: {error}", flush=True)
        processes.stop(keychain_driver.driver)
        harness.remove_keychain_folder(keychain_driver.scratch)
