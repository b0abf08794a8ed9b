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
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Callable

import clipboard
import pixels
import processes
import steps
from webdriver import Session, WebDriverError, wait_for

REPOSITORY = Path(__file__).resolve().parents[2]
EXPECTED_NAME = "dv-events001-ehns-eun-dgrf"
# The header's background colour from ui/src/app.css (`--brand`): if the stylesheet were
# blocked, for example by the content security policy, the header would be transparent.
BRAND_COLOUR = "rgb(15, 42, 71)"
SCREEN = (1280, 900)
# WebDriver's code for the Backspace key.
BACKSPACE = "\ue003"
# The value of AZURE_UNIQUE_NAMESPACE in the second run: capitals, so it must be lower-cased.
VARIABLE_NAMESPACE = "DGRF"
# The password of the test's own login keyring, which lives in the temporary XDG data folder.
KEYRING_PASSWORD = "eda-workshop-window-test"
# Starts a Secret Service (gnome-keyring) on the D-Bus session that dbus-run-session created,
# unlocked with the password on its standard input, then runs the command in its arguments.
# The app keeps the Local target's keys there, as it does in the user's keychain.
KEYRING_SCRIPT = (
    'printf "%s\\n" "$KEYRING_PASSWORD" | '
    "gnome-keyring-daemon --foreground --unlock --components=secrets & "
    'exec "$@"'
)
# A namespace with capitals that is too long for the key vault names (at most 5 characters for
# dv in northeurope).
TOO_LONG = "DgrfTooLong"


class CheckFailed(Exception):
    """One check of the smoke test failed."""


class Deadline(Exception):
    """The whole run took longer than its time limit."""


class Checks:
    """Counts and prints the checks as they pass or fail."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, condition: bool, description: str, detail: str = "") -> None:
        """Records one check and raises CheckFailed when `condition` is false.

        `detail` is the observed value, printed either way.
        """
        if condition:
            self.passed += 1
            print(f"ok: {description}{' (' + detail + ')' if detail else ''}", flush=True)
            return
        self.failed += 1
        print(f"FAILED: {description}{': ' + detail if detail else ''}", flush=True)
        raise CheckFailed(description)


def parse_arguments() -> argparse.Namespace:
    default_binary = Path(os.environ.get("CARGO_TARGET_DIR", REPOSITORY / "target"))
    cache = Path(os.environ.get("EDA_WORKSHOP_CACHE", Path.home() / ".cache/eda-workshop"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--app",
        type=Path,
        default=default_binary / "debug" / "eda-workshop-desktop",
        help="path of the built app binary (default: the debug build in the target directory)",
    )
    parser.add_argument(
        "--tauri-driver",
        type=Path,
        default=shutil.which("tauri-driver") or cache / "bin" / "tauri-driver",
        help="path of tauri-driver (default: on PATH, else in $EDA_WORKSHOP_CACHE/bin)",
    )
    parser.add_argument(
        "--webkit-driver",
        type=Path,
        default=Path("/usr/bin/WebKitWebDriver"),
        help="path of WebKitWebDriver, from the webkit2gtk-driver package",
    )
    parser.add_argument(
        "--artifacts",
        type=Path,
        default=REPOSITORY / "tests" / "artifacts",
        help="folder for screenshots and logs (default: tests/artifacts)",
    )
    parser.add_argument(
        "--time-limit",
        type=int,
        default=300,
        help="maximum duration of the whole run, in seconds (default: 300)",
    )
    return parser.parse_args()


def require_program(path: Path, label: str, fix: str) -> None:
    """Raises RuntimeError when `path` is not an executable file, naming `fix`."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RuntimeError(f"{label} `{path}` is missing or not executable: {fix}")


def require_programs(arguments: argparse.Namespace) -> None:
    """Checks for the app and both drivers before anything starts."""
    require_program(
        arguments.app,
        "app binary",
        "run `npm run build` in ui, then `cargo build -p eda-workshop-desktop`",
    )
    require_program(
        arguments.tauri_driver,
        "tauri-driver",
        "install it with `scripts/setup.sh test`, which runs "
        "`cargo install tauri-driver --locked --root ~/.cache/eda-workshop`",
    )
    require_program(
        arguments.webkit_driver, "WebKitWebDriver", "install the webkit2gtk-driver package"
    )
    for program, package in (
        ("dbus-run-session", "dbus-daemon"),
        ("gnome-keyring-daemon", "gnome-keyring"),
    ):
        found = shutil.which(program)
        require_program(Path(found or program), program, f"install the {package} package")


def app_environment(
    display: str, runtime: Path, namespace_variable: str | None
) -> dict[str, str]:
    """Builds the environment for tauri-driver, which WebKitWebDriver and the app inherit.

    `AZURE_UNIQUE_NAMESPACE` is set to `namespace_variable`, or removed when that is None.
    """
    environment = dict(os.environ)
    environment.pop("AZURE_UNIQUE_NAMESPACE", None)
    if namespace_variable is not None:
        environment["AZURE_UNIQUE_NAMESPACE"] = namespace_variable
    environment.update(
        {
            "DISPLAY": display,
            # Keep the WebView's caches and data out of the user's home folder.
            "XDG_RUNTIME_DIR": str(runtime / "runtime"),
            "XDG_DATA_HOME": str(runtime / "data"),
            "XDG_CACHE_HOME": str(runtime / "cache"),
            "XDG_CONFIG_HOME": str(runtime / "config"),
            # Without this, WebKitGTK 2.50 under Xvfb draws nothing that `import` can capture:
            # the window pictures came out as one flat colour.
            "WEBKIT_DISABLE_DMABUF_RENDERER": "1",
            # No accessibility bus runs here, so this stops GTK from waiting for one.
            "NO_AT_BRIDGE": "1",
        }
    )
    for folder in ("runtime", "data", "cache", "config"):
        (runtime / folder).mkdir(mode=0o700, exist_ok=True)
    return environment


def capture(session: Session, display: str, artifacts: Path, name: str, checks: Checks) -> None:
    """Saves the X screen and the app window as PNGs and checks that the window is not blank.

    The window image is cut from the screen at the position WebDriver reports, so it shows
    exactly what a person would see there, including a window that failed to draw.
    """
    screen = artifacts / f"{name}-screen.png"
    window = artifacts / f"{name}.png"
    x, y, width, height = session.window_rect()
    subprocess.run(
        ["import", "-display", display, "-window", "root", str(screen)], check=True, timeout=60
    )
    subprocess.run(
        ["convert", str(screen), "-crop", f"{width}x{height}+{x}+{y}", "+repage", str(window)],
        check=True,
        timeout=60,
    )
    stats = pixels.measure(str(window))
    print(
        f"{window.name}: {stats.width}x{stats.height} at ({x}, {y}), {stats.colours} colours, "
        f"deviation {stats.deviation:.3f}",
        flush=True,
    )
    reason = stats.blank_reason()
    checks.check(reason is None, f"{name} window is not blank", reason or "")


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
    azure_disabled = session.execute(
        "return document.querySelector('input[value=azure]').disabled;"
    )
    checks.check(azure_disabled is True, "Azure target is shown as unavailable")
    capture(session, display, artifacts, "welcome", checks)

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


def shooter(
    session: Session, display: str, artifacts: Path, checks: Checks
) -> Callable[[str], None]:
    """Returns a function that saves and checks the window picture called `name`."""
    return lambda name: capture(session, display, artifacts, name, checks)


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


def start_driver(
    arguments: argparse.Namespace,
    display: str,
    runtime: Path,
    namespace_variable: str | None,
    log: IO[str],
) -> tuple[subprocess.Popen, int]:
    """Starts tauri-driver on a free port and waits until it and WebKitWebDriver accept clients.

    It runs on a D-Bus session of its own with a Secret Service, so the app's keychain works.
    """
    port, native_port = processes.free_port(), processes.free_port()
    environment = app_environment(display, runtime, namespace_variable)
    environment["KEYRING_PASSWORD"] = KEYRING_PASSWORD
    driver = subprocess.Popen(
        [
            "dbus-run-session",
            "--",
            "sh",
            "-c",
            KEYRING_SCRIPT,
            "sh",
            str(arguments.tauri_driver),
            "--port",
            str(port),
            "--native-port",
            str(native_port),
            "--native-driver",
            str(arguments.webkit_driver),
        ],
        env=environment,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    print(f"tauri-driver started on 127.0.0.1:{port} (pid {driver.pid})", flush=True)

    # tauri-driver forwards to WebKitWebDriver, which starts a moment later.
    processes.wait_for_port(port, driver, timeout=20)
    processes.wait_for_port(native_port, driver, timeout=20)
    return driver, port


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
            require_programs(arguments)
            xvfb, display = processes.start_xvfb(*SCREEN, xvfb_log, timeout=20)
            print(f"Xvfb started on display {display} (pid {xvfb.pid})", flush=True)
            for folder, namespace_variable, scenario in SCENARIOS:
                data = Path(runtime) / folder
                data.mkdir(mode=0o700, exist_ok=True)
                driver, port = start_driver(
                    arguments, display, data, namespace_variable, driver_log
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
