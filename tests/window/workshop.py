"""End-to-end window test: one attendee's whole workshop on the Local target, in the real app.

It starts the app under Xvfb over a new data folder, with a private Secret Service from
tests/keychain/with-secret-service.sh. With the namespace `dgrf` it applies and verifies every
course step in order: resource groups, shared platform, the schema exercise in Backward mode,
publishers and consumers. Then it runs the live flow for a while with the page's demo timing,
which is on by default, checks that every lane counted events, Product included, and opens one
event's payload. It opens the data lake page and tears the
namespace down. Afterwards nothing of `dgrf` may be left: the app's Verify finds every
resource missing, the data folder contains no resource, broker or lake file of it, and
the keychain contains no entry for it. Every page is audited with axe-core, and a picture of each
page goes to the folder given by `--artifacts`.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import accessibility
import harness
import clipboard
import keychain
import looks
import processes
import remains
import steps
import workshop_pages
from harness import CheckFailed, Checks, Deadline
from webdriver import Session, WebDriverError, wait_for

NAMESPACE = "dgrf"
APP_IDENTIFIER = "dev.edaworkshop.desktop"



@dataclass
class Run:
    """What the walk needs: the session, the display, the output folder and the checks."""

    session: Session
    display: str
    artifacts: Path
    checks: Checks
    data_folder: Path
    bus_address: str
    audits: list[accessibility.Audit] = field(default_factory=list)

    def visit(self, name: str) -> None:
        """Saves the picture `name` of the window and audits the page shown with axe-core."""
        harness.capture(self.session, self.display, self.artifacts, name, self.checks)
        lookalikes = looks.disabled_lookalikes(self.session)
        self.checks.expect(
            not lookalikes,
            f"{name} page draws every disabled button differently from an enabled one",
            repr(lookalikes),
        )
        blocked = accessibility.inject(self.session)
        self.checks.expect(
            not blocked,
            "axe-core loads without a content security policy violation",
            repr(blocked),
        )
        if not self.audits:
            planted = accessibility.planted_violation(self.session)
            self.checks.check(
                "button-name" in planted,
                "axe-core finds a button without a name planted in the page",
                repr(planted),
            )
        result = accessibility.audit(self.session, name)
        self.audits.append(result)
        for line in accessibility.describe(result):
            print(line, flush=True)
        failing = result.failing()
        self.checks.expect(
            not failing,
            f"{name} page has no serious or critical accessibility violation",
            f"{result.passed_rules} rules passed, "
            f"{len(result.violations)} violated: "
            + ", ".join(f"{v.rule} ({v.impact})" for v in result.violations),
        )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_common_arguments(parser, time_limit=600)
    parser.set_defaults(artifacts=harness.REPOSITORY / "tests" / "artifacts" / "workshop")
    parser.add_argument(
        "--flow-seconds",
        type=int,
        default=20,
        help="how long the live flow runs before its lanes are checked, in seconds (default: 20)",
    )
    return parser.parse_args()


def walk_course(run: Run) -> None:
    """Opens the app on the welcome page, chooses `dgrf` and applies and verifies every step."""
    session, check = run.session, run.checks.check
    title = wait_for("the welcome page heading", lambda: session.find("#welcome-title"), 60)
    check(
        session.text(title) == "Welcome to the EDA Workshop",
        "welcome page shows its heading",
        repr(session.text(title)),
    )
    run.visit("welcome")
    # The Azure sign-in panel is audited too; the workshop itself runs on Local.
    session.click(session.find("input[value=azure]"))
    wait_for("the Azure sign-in panel", lambda: session.find("#azure-title"), 10)
    run.visit("welcome-azure")
    session.click(session.find("input[value=local]"))

    steps.click_next(session)
    field_element = wait_for("the namespace field", lambda: session.find("input#namespace"), 20)
    session.type(field_element, NAMESPACE)
    status = wait_for("the namespace status", lambda: session.find("#namespace-ok"), 20)
    check(
        f"{NAMESPACE} works" in session.text(status),
        f"namespace {NAMESPACE} is reported valid",
        repr(session.text(status)),
    )
    run.visit("namespace")

    steps.click_next(session)
    steps.check_step_page(session, "Resource groups", check, run.visit, "resource-groups")
    steps.click_next(session)
    steps.check_step_page(session, "Shared platform", check, run.visit, "shared-platform")

    steps.click_next(session)
    steps.wait_for_heading(session, "Schema registry")
    wait_for("attempt 1 to be enabled", lambda: steps.enabled_button(session, 1), 20)
    steps.register_attempts(session, "backward", check, keyboard=False)
    steps.check_schema_step(session, check, run.visit)

    steps.click_next(session)
    steps.check_step_page(session, "Publishers", check, run.visit, "publishers")
    steps.check_connection_strings(
        session, check, run.visit, lambda: clipboard.read(run.display)
    )
    steps.click_next(session)
    steps.check_step_page(session, "Consumers", check, run.visit, "consumers")


def check_applied_state(run: Run) -> None:
    """Checks that the namespace's resources and keys exist before the teardown.

    This proves that the leftover checks after the teardown look in the right places.
    """
    count = remains.resource_count(run.data_folder, NAMESPACE)
    run.checks.check(
        count > 0,
        f"data folder holds the resources of {NAMESPACE} before the teardown",
        f"{count} resources in arm.db",
    )
    names = keychain.entries_naming(run.bus_address, NAMESPACE)
    run.checks.check(
        len(names) > 0,
        f"keychain holds entries for {NAMESPACE} before the teardown",
        f"{len(names)} entries",
    )


def check_nothing_left(run: Run) -> None:
    """Checks, after the teardown, that no resource, file or key of the namespace is left."""
    names = keychain.entries_naming(run.bus_address, NAMESPACE)
    run.checks.expect(
        not names,
        f"keychain holds no entry for {NAMESPACE} after the teardown",
        f"{len(names)} left: " + ", ".join(names[:5]),
    )
    left = remains.leftovers(run.data_folder, NAMESPACE)
    run.checks.expect(
        not left,
        f"data folder holds nothing of {NAMESPACE} after the teardown",
        f"{len(left)} left: " + "; ".join(left[:8]),
    )


def go_on(run: Run, phase: str, action: Callable[[], None]) -> None:
    """Runs one phase of the walk and records its failure without stopping the walk."""
    try:
        action()
    except CheckFailed:
        pass
    except (WebDriverError, RuntimeError) as error:
        run.checks.failed += 1
        print(f"FAILED: the {phase} phase: {error}", flush=True)


def print_audit_summary(audits: list[accessibility.Audit]) -> None:
    """Prints one line per audited page with its counts of violations by impact."""
    print("accessibility summary (axe-core):", flush=True)
    for result in audits:
        impacts: dict[str, int] = {}
        for violation in result.violations:
            impacts[violation.impact] = impacts.get(violation.impact, 0) + 1
        counted = ", ".join(f"{count} {impact}" for impact, count in sorted(impacts.items()))
        print(
            f"  {result.page}: {result.passed_rules} rules passed, "
            f"violations: {counted or 'none'}",
            flush=True,
        )


def main() -> int:
    arguments = parse_arguments()
    checks = Checks()
    artifacts: Path = arguments.artifacts
    artifacts.mkdir(parents=True, exist_ok=True)

    def on_deadline(_signal: int, _frame: object) -> None:
        raise Deadline(f"the run took longer than {arguments.time_limit} s")

    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(arguments.time_limit)

    xvfb = driver = None
    session: Session | None = None
    keyring_scratch: Path | None = None
    run: Run | None = None
    started = time.monotonic()
    failure: str | None = None
    with (
        tempfile.TemporaryDirectory(prefix="eda-workshop-") as temporary,
        open(artifacts / "xvfb.log", "w") as xvfb_log,
        open(artifacts / "tauri-driver.log", "w") as driver_log,
    ):
        try:
            harness.require_programs(arguments)
            accessibility.require_axe()
            xvfb, display = processes.start_xvfb(*harness.SCREEN, xvfb_log, timeout=20)
            print(f"Xvfb started on display {display} (pid {xvfb.pid})", flush=True)

            runtime = Path(temporary)
            environment = harness.app_environment(display, runtime, None)
            keychain_run = harness.start_driver_with_keychain(
                arguments, environment, runtime, driver_log
            )
            driver, port = keychain_run.driver, keychain_run.port
            bus_address = keychain_run.bus_address
            keyring_scratch = keychain_run.scratch

            session = Session(port, request_timeout=60)
            session.start(str(arguments.app.resolve()))
            run = Run(
                session=session,
                display=display,
                artifacts=artifacts,
                checks=checks,
                data_folder=Path(environment["XDG_DATA_HOME"]) / APP_IDENTIFIER,
                bus_address=bus_address,
            )
            walk_course(run)
            check_applied_state(run)
            # A failure on the live flow or data lake page still leaves the teardown to test.
            go_on(
                run,
                "live flow",
                lambda: workshop_pages.run_live_flow(run, arguments.flow_seconds),
            )
            go_on(run, "data lake", lambda: workshop_pages.open_data_lake(run))
            workshop_pages.tear_down(run, NAMESPACE)
            check_nothing_left(run)
            session.end()
            session = None
            left = remains.leftovers(run.data_folder, NAMESPACE)
            checks.expect(
                not left,
                f"data folder holds nothing of {NAMESPACE} after the app closed",
                f"{len(left)} left: " + "; ".join(left[:8]),
            )
        except CheckFailed as error:
            failure = str(error)
        except (
            WebDriverError,
            RuntimeError,
            OSError,
            subprocess.SubprocessError,
            Deadline,
        ) as error:
            checks.failed += 1
            failure = str(error)
            print(f"FAILED: {error}", flush=True)
        finally:
            signal.alarm(0)
            if session is not None:
                try:
                    session.end()
                except WebDriverError as error:
                    print(f"could not end the WebDriver session: {error}", flush=True)
            if driver is not None:
                processes.stop(driver)
            if xvfb is not None:
                processes.stop(xvfb)
            if keyring_scratch is not None:
                harness.remove_keychain_folder(keyring_scratch)

    if run is not None and run.audits:
        print_audit_summary(run.audits)
    elapsed = time.monotonic() - started
    print(f"pictures and logs are in {artifacts}", flush=True)
    if failure:
        print(f"workshop test failed after {elapsed:.1f} s: {failure}", flush=True)
    print(
        f"workshop: {checks.passed} passed, {checks.failed} failed, {checks.skipped} skipped",
        flush=True,
    )
    return 0 if failure is None and checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
