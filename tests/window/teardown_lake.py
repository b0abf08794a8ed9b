"""Window test of Apply's progress, the data lake page before the flow ran, and the Teardown
button in the header, in the real app on the live Local target.

With the namespace `dgrf` it applies steps 1 and 2, then applies step 4 (Publishers, about 45
resources) and, while that Apply runs, reads the progress list: rows must appear with their
states before the result does. It opens the data lake page, which must explain when files
appear and name the capture window. From there it opens Teardown with the header's button,
checks that the confirmation stays disabled for a wrong namespace, tears down, and checks the
report and the Start again button, which leads back to the welcome page.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import harness
import steps
from harness import Checks
from steps import Capture, Check
from webdriver import Session, wait_for
from workshop_pages import open_step

NAMESPACE = "dgrf"
# How often the progress list is read while Apply runs, in seconds.
PROGRESS_POLL = 0.05

# The states of the progress list's rows, or null while the list is not shown.
PROGRESS_SCRIPT = """
const list = document.querySelector('#progress');
if (!list) { return null; }
return [...list.querySelectorAll('li')].map((row) => row.dataset.state);
"""


def parse_arguments() -> argparse.Namespace:
    """Reads the common window test options; pictures go to `{artifacts}/teardown-lake`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_common_arguments(parser, time_limit=300)
    arguments = parser.parse_args()
    arguments.artifacts = arguments.artifacts / "teardown-lake"
    return arguments


def choose_namespace(session: Session, check: Check) -> None:
    """Goes from the welcome page to the namespace page and types the namespace."""
    wait_for("the welcome page", lambda: session.find("#welcome-title"), 60)
    steps.click_next(session)
    field = wait_for("the namespace field", lambda: session.find("input#namespace"), 20)
    session.type(field, NAMESPACE)
    wait_for("the namespace to be valid", lambda: session.find("#namespace-ok"), 20)
    check(True, f"namespace {NAMESPACE} is accepted")


def apply_with_progress(session: Session, shoot: Capture, check: Check) -> None:
    """Applies Publishers and checks that the progress list shows rows while Apply runs."""
    open_step(session, "Publishers")
    steps.wait_for_heading(session, "Publishers")
    wait_for("Apply to be enabled", lambda: steps.enabled(session, "#apply"), 20)
    session.click(session.find("#apply"))

    seen: list[str] = []
    shot = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = session.execute(PROGRESS_SCRIPT)
        if states is None and steps.enabled(session, "#apply"):
            break
        if states:
            seen = states
            if not shot and any(state != "queued" for state in states):
                shoot("apply-progress")
                shot = True
        time.sleep(PROGRESS_POLL)
    check(len(seen) > 0, "Apply shows a progress row per resource while it runs", f"{len(seen)}")
    known = {"queued", "in_progress", "created", "updated", "unchanged", "skipped"}
    check(
        set(seen) <= known,
        "progress rows show only known states and no failure",
        repr(sorted(set(seen))),
    )
    result = wait_for(
        "the Apply result",
        lambda: session.text(session.find("#apply-result")) or None,
        60,
    )
    check("failed" not in result, "Publishers Apply succeeds", repr(" ".join(result.split())))


def check_data_lake(session: Session, shoot: Capture, check: Check) -> None:
    """Opens the data lake page before any flow ran and checks its explanation."""
    open_step(session, "Data lake")
    empty = wait_for(
        "the data lake's explanation (#no-files)",
        lambda: session.text(session.find("#no-files")) or None,
        30,
    )
    flat = " ".join(empty.split())
    check("No files yet" in flat, "data lake says there are no files yet", repr(flat[:120]))
    check("every 5 minutes" in flat, "data lake names the capture window", repr(flat[:200]))
    check(
        "demo timing, on by default, capture closes a window every 5 seconds" in flat,
        "data lake names the capture window of demo timing",
        repr(flat[:300]),
    )
    check("refreshes by itself" in flat, "data lake says its list refreshes", repr(flat[-120:]))
    shoot("data-lake-empty")


def tear_down_from_header(session: Session, shoot: Capture, check: Check) -> None:
    """Opens Teardown with the header's button, confirms, and checks the report."""
    session.click(session.find("#header-teardown"))
    steps.wait_for_heading(session, "Teardown")
    listed = wait_for(
        "the list of what Teardown deletes",
        lambda: session.text(session.find("#teardown-list")) or None,
        60,
    )
    check(
        "dv-events-broker-rg" in listed,
        "teardown lists the resource groups",
        repr(" ".join(listed.split())[:120]),
    )
    field = session.find("#confirm-namespace")
    session.type(field, NAMESPACE[:-1])
    check(
        steps.enabled(session, "#run-teardown") is None,
        "Delete everything stays disabled for a wrong namespace",
    )
    session.type(field, NAMESPACE[-1])
    wait_for("Delete everything to be enabled", lambda: steps.enabled(session, "#run-teardown"), 10)
    shoot("teardown-confirm")
    session.click(session.find("#run-teardown"))

    def report() -> str | None:
        again = session.execute("return !!document.querySelector('#start-again');")
        text = session.execute(
            "const e = document.querySelector('#teardown-result'); return e ? e.innerText : '';"
        )
        failed = session.execute(
            "const e = document.querySelector('.confirm .failure'); return e ? e.textContent : '';"
        )
        if failed:
            return "failure: " + failed
        return " ".join(text.split()) if again and text else None

    outcome = wait_for("the teardown report", report, 120)
    shoot("teardown-report")
    check(
        f"Nothing of {NAMESPACE} is left on the Local target." in outcome,
        "teardown reports that nothing of the namespace is left",
        repr(outcome[:200]),
    )
    session.click(session.find("#start-again"))
    wait_for("the welcome page after Start again", lambda: session.find("#welcome-title"), 20)
    check(True, "Start again leads back to the welcome page")


def walk(session: Session, display: str, artifacts: Path, checks: Checks) -> None:
    """Runs the scenario of the module's docstring."""
    shoot = harness.shooter(session, display, artifacts, checks)
    choose_namespace(session, checks.check)
    for title in ("Resource groups", "Shared platform"):
        open_step(session, title)
        steps.wait_for_heading(session, title)
        applied = steps.run_action(session, "apply", "#apply-result")
        checks.check("failed" not in applied, f"{title} Apply succeeds", repr(applied[:120]))
    apply_with_progress(session, shoot, checks.check)
    check_data_lake(session, shoot, checks.check)
    tear_down_from_header(session, shoot, checks.check)


def main() -> int:
    return harness.run_one_session(parse_arguments(), "teardown_lake", walk)

if __name__ == "__main__":
    sys.exit(main())
