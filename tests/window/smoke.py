"""Window smoke test: drives the real EDA Workshop window under Xvfb through tauri-driver.

It opens the app and checks the welcome page, its styles, content security policy and
capability. Then it goes to the namespace page, types `dgrf`, waits for the planned names and
types a namespace that is too long. With `dgrf` again it walks through every step page and
runs the schema exercise in Backward and Forward mode (steps.py). A second start of the app
over the same data folder must resume on the schema page with the verdicts kept, and a third,
over a new folder, must fill the namespace in from `AZURE_UNIQUE_NAMESPACE`. A picture of the
window at each stage goes to tests/artifacts/. Every wait has a deadline and the whole run has
one too.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import clipboard
import harness
import processes
import steps
from harness import SCREEN, CheckFailed, Checks, Deadline, capture, shooter
from webdriver import Session, WebDriverError, wait_for

EXPECTED_NAME = "dv-events001-ehns-eun-dgrf"
# The header's background colour from ui/src/app.css (`--brand`): if the stylesheet were
# blocked, for example by the content security policy, the header would be transparent.
BRAND_COLOUR = "rgb(15, 42, 71)"
# WebDriver's code for the Backspace key.
BACKSPACE = "\ue003"
# The value of AZURE_UNIQUE_NAMESPACE in the second run: capitals, so it must be lower-cased.
VARIABLE_NAMESPACE = "DGRF"
# The password of the test's own login keyring, which lives in the temporary XDG data folder, so
# a second start of the app over the same folder finds the keys that the first one filed.
KEYRING_PASSWORD = "eda-workshop-window-test"
# Starts a Secret Service (gnome-keyring) on the D-Bus session that dbus-run-session created,
# unlocked with the password on its standard input, then runs the command in its arguments.
# The app keeps the Local target's keys there, as it does in the user's keychain.
KEYRING_SCRIPT = (
    'printf "%s\\n" "$KEYRING_PASSWORD" | '
    "gnome-keyring-daemon --foreground --unlock --components=secrets & "
    'exec "$@"'
)
KEYCHAIN_COMMAND = ["dbus-run-session", "--", "sh", "-c", KEYRING_SCRIPT, "sh"]
# A namespace with capitals that is too long for the key vault names (at most 5 characters for
# dv in northeurope).
TOO_LONG = "DgrfTooLong"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_common_arguments(parser, time_limit=300)
    return parser.parse_args()


def walk_through_pages(session: Session, display: str, artifacts: Path, checks: Checks) -> None:
    """Walks from the welcome page to the namespace page and checks what each one shows.

    The app runs without `AZURE_UNIQUE_NAMESPACE`, so typing `dgrf` gives exactly that name.
    """
    title = wait_for("the welcome page heading", lambda: session.find("#welcome-title"), 60)
    checks.check(
        session.text(title) == "Welcome to the EDA Workshop",
        "welcome page shows its heading",
        repr(session.text(title)),
    )
    header_colour = session.execute(
        "return getComputedStyle(document.querySelector('header')).backgroundColor;"
    )
    checks.check(
        header_colour == BRAND_COLOUR,
        "stylesheet is applied under the content security policy",
        f"header background is {header_colour!r}, expected {BRAND_COLOUR!r}",
    )
    # An inline script and an inline style must both be blocked by the policy in tauri.conf.json.
    blocked = session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "const violated = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (event) => violated.push(event.effectiveDirective));"
        "const script = document.createElement('script');"
        "script.textContent = 'window.inlineScriptRan = true;';"
        "document.body.appendChild(script);"
        "const probe = document.createElement('div');"
        "probe.innerHTML = '<span style=\"color: rgb(1, 2, 3)\">probe</span>';"
        "document.body.appendChild(probe);"
        "const colour = getComputedStyle(probe.firstChild).color;"
        "probe.remove(); script.remove();"
        "setTimeout(() => done({ ran: window.inlineScriptRan === true, colour, violated }), 200);"
    )
    checks.check(
        not blocked["ran"] and blocked["colour"] != "rgb(1, 2, 3)",
        "content security policy blocks inline scripts and styles",
        repr(blocked),
    )
    # The capability grants only the app's own commands, so a core command must be rejected.
    core_command = session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('plugin:window|title', { label: 'main' })"
        ".then((title) => done('allowed: ' + title), (error) => done('rejected: ' + error));"
    )
    checks.check(
        core_command.startswith("rejected:"),
        "core window command is rejected by the capability",
        repr(core_command),
    )
    capture(session, display, artifacts, "welcome", checks)
    try_azure_sign_in(session, display, artifacts, checks)

    session.click(session.find("form button[type=submit]"))
    try:
        field = wait_for("the namespace field", lambda: session.find("input#namespace"), 20)
    except WebDriverError as error:
        checks.check(False, "namespace page shows the namespace field", str(error))
        return
    checks.check(True, "namespace page shows the namespace field")

    session.type(field, "dgrf")

    def names_listed() -> str | None:
        text = session.text(session.find("#planned-names"))
        return text if EXPECTED_NAME in text else None

    try:
        wait_for(f"`{EXPECTED_NAME}` in the names list", names_listed, 20)
        listed = True
    except WebDriverError as error:
        print(error, flush=True)
        listed = False
    checks.check(listed, f"names list contains {EXPECTED_NAME}")

    status = wait_for("the namespace status", lambda: session.find("#namespace-ok"), 10)
    checks.check(
        "dgrf works" in session.text(status),
        "namespace dgrf is reported valid",
        repr(session.text(status)),
    )
    capture(session, display, artifacts, "namespace", checks)

    # Four backspaces remove `dgrf`. The new text has capitals and is too long for a key vault.
    session.type(field, BACKSPACE * 4 + TOO_LONG)
    problems = wait_for("the list of problems", lambda: session.find("#namespace-problems"), 20)
    checks.check(
        "Fix:" in session.text(problems),
        f"typing {TOO_LONG} lists problems with their fixes",
        repr(session.text(problems)),
    )
    notices = session.execute(
        "return [...document.querySelectorAll('.notice')].map((n) => n.textContent).join(' ');"
    )
    checks.check(
        "lower case" in notices,
        f"typing {TOO_LONG} says it is lower-cased",
        repr(notices),
    )
    capture(session, display, artifacts, "namespace-problems", checks)

    session.type(field, BACKSPACE * len(TOO_LONG) + "dgrf")
    wait_for("namespace dgrf to be valid again", lambda: session.find("#namespace-ok"), 20)
    steps.walk_course_steps(
        session,
        checks.check,
        shooter(session, display, artifacts, checks),
        lambda: clipboard.read(display),
    )


def try_azure_sign_in(session: Session, display: str, artifacts: Path, checks: Checks) -> None:
    """Chooses Azure, signs in with an Azure CLI that has no account here, then goes back to Local.

    The sign-in must fail with a message that names the fix, and Next must stay closed until a
    subscription is chosen.
    """
    session.click(session.find("input[value=azure]"))
    wait_for("the Azure sign-in panel", lambda: session.find("#azure-title"), 10)
    next_closed = session.execute("return document.querySelector('form button[type=submit]').disabled;")
    checks.check(next_closed is True, "Next stays closed on Azure until a subscription is chosen")

    session.click(session.find_xpath("//button[normalize-space()='Sign in']"))

    def failure_shown() -> str | None:
        text = session.execute(
            "const alert = document.querySelector('.azure [role=alert]');"
            "return alert ? alert.textContent : null;"
        )
        return text or None

    try:
        failure = wait_for("the sign-in failure", failure_shown, 60)
    except WebDriverError as error:
        checks.check(False, "a failed Azure CLI sign-in says why", str(error))
        return
    checks.check(
        "az login" in failure,
        "a failed Azure CLI sign-in names `az login`",
        repr(failure),
    )
    capture(session, display, artifacts, "welcome-azure", checks)

    session.click(session.find("input[value=local]"))
    next_open = session.execute("return !document.querySelector('form button[type=submit]').disabled;")
    checks.check(next_open is True, "Next opens again on Local")


def resume_after_restart(
    session: Session, display: str, artifacts: Path, checks: Checks
) -> None:
    """Checks that the app, started again over the first run's data, resumes where it was."""
    steps.check_resumed(session, checks.check, shooter(session, display, artifacts, checks))


def start_from_variable(session: Session, display: str, artifacts: Path, checks: Checks) -> None:
    """Checks that `AZURE_UNIQUE_NAMESPACE` fills in the namespace field through the shell."""
    next_button = wait_for(
        "the Next button", lambda: session.find("form button[type=submit]"), 60
    )
    session.click(next_button)
    wait_for("the namespace field", lambda: session.find("input#namespace"), 20)

    value = session.execute("return document.querySelector('#namespace').value;")
    checks.check(
        value == VARIABLE_NAMESPACE,
        "AZURE_UNIQUE_NAMESPACE fills in the namespace field",
        repr(value),
    )

    def names_listed() -> str | None:
        text = session.text(session.find("#planned-names"))
        return text if EXPECTED_NAME in text else None

    wait_for(f"`{EXPECTED_NAME}` in the names list", names_listed, 20)
    page_text = session.text(session.find("form"))
    checks.check(
        "Filled in from the environment variable" in page_text and "lower case" in page_text,
        "page says where the namespace came from and that it is lower-cased",
    )
    capture(session, display, artifacts, "namespace-from-variable", checks)


# Each scenario starts the app again, over the named data folder and with this value of
# AZURE_UNIQUE_NAMESPACE. The second one reuses the first one's folder to check that the app
# resumes where it was closed.
SCENARIOS = [
    ("walk", None, walk_through_pages),
    ("walk", None, resume_after_restart),
    ("variable", VARIABLE_NAMESPACE, start_from_variable),
]


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
    started = time.monotonic()
    failure: str | None = None
    with (
        tempfile.TemporaryDirectory(prefix="eda-window-") as runtime,
        open(artifacts / "xvfb.log", "w") as xvfb_log,
        open(artifacts / "tauri-driver.log", "w") as driver_log,
    ):
        try:
            harness.require_programs(arguments)
            xvfb, display = processes.start_xvfb(*SCREEN, xvfb_log, timeout=20)
            print(f"Xvfb started on display {display} (pid {xvfb.pid})", flush=True)
            for folder, namespace_variable, scenario in SCENARIOS:
                data = Path(runtime) / folder
                data.mkdir(mode=0o700, exist_ok=True)
                environment = harness.app_environment(display, data, namespace_variable)
                environment["KEYRING_PASSWORD"] = KEYRING_PASSWORD
                driver, port = harness.start_driver(
                    arguments, environment, KEYCHAIN_COMMAND, driver_log
                )
                session = Session(port, request_timeout=60)
                session.start(str(arguments.app.resolve()))
                scenario(session, display, artifacts, checks)

                session.end()
                session = None
                processes.stop(driver)
                driver = None
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

    elapsed = time.monotonic() - started
    print(f"pictures and logs are in {artifacts}", flush=True)
    if failure:
        print(f"window smoke test failed after {elapsed:.1f} s: {failure}", flush=True)
    print(f"window: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if failure is None and checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
