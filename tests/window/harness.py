"""What every window test shares: checks, options, the app's environment, tauri-driver and
window pictures.

A test starts Xvfb once (processes.py), then for each start of the app runs tauri-driver on a
D-Bus session of its own with a Secret Service, opens a WebDriver session on it and drives the
window. Pictures come from the X display, not from WebDriver (see webdriver.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Sequence

import pixels
import processes
from webdriver import Session, WebDriverError, wait_for

REPOSITORY = Path(__file__).resolve().parents[2]
SECRET_SERVICE = REPOSITORY / "tests" / "keychain" / "with-secret-service.sh"
# Runs inside with-secret-service.sh once its Secret Service owns its bus name. It writes the
# bus address and the script's own temporary data folder to the file in $1. Then it runs the
# command that follows with XDG_DATA_HOME set to $2, the test's data folder, so the app's data
# stays where the test can inspect it after the app has closed.
RECORD_BUS = (
    'printf "%s\\n%s\\n" "$DBUS_SESSION_BUS_ADDRESS" "$XDG_DATA_HOME" > "$1"; '
    'export XDG_DATA_HOME="$2"; shift 2; exec "$@"'
)
# The X screen the tests run on. The app's window is 1200x800 (src-tauri/tauri.conf.json).
SCREEN = (1280, 900)


class CheckFailed(Exception):
    """One check of a window test failed."""


class Deadline(Exception):
    """The whole run took longer than its time limit."""


class Checks:
    """Counts and prints the checks as they pass or fail."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.skipped = 0

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

    def skip(self, description: str, reason: str) -> None:
        """Records a check that this run cannot make, with the reason and how to make it."""
        self.skipped += 1
        print(f"skipped: {description}: {reason}", flush=True)

    def expect(self, condition: bool, description: str, detail: str = "") -> bool:
        """Records one check like `check`, but returns False on failure instead of raising, so
        the test goes on and reports every failure of its kind."""
        try:
            self.check(condition, description, detail)
        except CheckFailed:
            return False
        return True


def add_common_arguments(parser: argparse.ArgumentParser, time_limit: int) -> None:
    """Adds the options every window test has: the binaries, the output folder and the limit."""
    default_binary = Path(os.environ.get("CARGO_TARGET_DIR", REPOSITORY / "target"))
    cache = Path(os.environ.get("EDA_WORKSHOP_CACHE", Path.home() / ".cache/eda-workshop"))
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
        default=time_limit,
        help=f"maximum duration of the whole run, in seconds (default: {time_limit})",
    )


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
    # Run inside with-secret-service.sh, the tests would inherit its marker, and the script
    # they start for each app would then reuse the outer session instead of making its own
    # folder, which the tests remove after each app.
    environment.pop("EDA_SECRET_SERVICE_INSIDE", None)
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
            # An Azure CLI sign-in in a test finds an empty CLI profile, so it fails on this
            # computer with the CLI's own message instead of reaching Azure.
            "AZURE_CONFIG_DIR": str(runtime / "azure-cli"),
        }
    )
    for folder in ("runtime", "data", "cache", "config"):
        (runtime / folder).mkdir(mode=0o700, exist_ok=True)
    return environment


def capture(session: Session, display: str, artifacts: Path, name: str, checks: Checks) -> Path:
    """Saves the X screen and the app window as PNGs, checks that the window is not blank and
    returns the window picture's path.

    The window image is cut from the screen at the position WebDriver reports, so it shows
    exactly what a person would see there, including a window that failed to draw.
    """
    screen = artifacts / f"{name}-screen.png"
    window = artifacts / f"{name}.png"
    # Two animation frames let WebKit paint the last change before the screen is read, with a
    # timer as a fallback in case the page schedules no frame.
    session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "const timer = setTimeout(done, 250);"
        "requestAnimationFrame(() => requestAnimationFrame(() => {"
        " clearTimeout(timer); done(); }));"
    )
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
    return window


def shooter(
    session: Session, display: str, artifacts: Path, checks: Checks
) -> Callable[[str], None]:
    """Returns a function that saves and checks the window picture called `name`."""

    def shoot(name: str) -> None:
        capture(session, display, artifacts, name, checks)

    return shoot


def start_driver(
    arguments: argparse.Namespace,
    environment: dict[str, str],
    keychain_command: Sequence[str],
    log: IO[str],
) -> tuple[subprocess.Popen, int]:
    """Starts tauri-driver on a free port and waits until it and WebKitWebDriver accept clients.

    `keychain_command` is the command that starts a Secret Service on a D-Bus session of its
    own and then runs the command that follows it, so the app's keychain works.
    """
    port, native_port = processes.free_port(), processes.free_port()
    driver = subprocess.Popen(
        [
            *keychain_command,
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


@dataclass
class KeychainDriver:
    """tauri-driver running under tests/keychain/with-secret-service.sh."""

    driver: subprocess.Popen
    port: int
    # The address of the private D-Bus session that the Secret Service and the app are on.
    bus_address: str
    # The script's temporary folder, which contains the keyring files.
    scratch: Path


def start_driver_with_keychain(
    arguments: argparse.Namespace, environment: dict[str, str], runtime: Path, log: IO[str]
) -> KeychainDriver:
    """Starts tauri-driver inside with-secret-service.sh and reads the bus address it uses.

    The app's data stays in `environment["XDG_DATA_HOME"]`, and the keyring lives in the
    script's own temporary folder, so every start gets an empty keychain.
    """
    require_program(SECRET_SERVICE, "the Secret Service script", "restore it from git")
    bus_file = runtime / "bus"
    command = [str(SECRET_SERVICE), "sh", "-c", RECORD_BUS, "sh", str(bus_file)]
    command.append(environment["XDG_DATA_HOME"])
    driver, port = start_driver(arguments, environment, command, log)

    def recorded() -> list[str] | None:
        if driver.poll() is not None:
            raise RuntimeError(f"{SECRET_SERVICE.name} exited with code {driver.returncode}")
        lines = bus_file.read_text().splitlines() if bus_file.exists() else []
        return lines if len(lines) == 2 else None

    address, keyring_data = wait_for("the Secret Service's D-Bus address", recorded, 20)
    print(f"Secret Service on {address}", flush=True)
    return KeychainDriver(driver, port, address, Path(keyring_data).parent)


def remove_keychain_folder(scratch: Path) -> None:
    """Removes the folder of with-secret-service.sh, which the script removes only when it
    exits by itself rather than by a signal.

    The app may have started the document portal, whose FUSE mount at `runtime/doc` stays
    after its daemon is stopped, and reading it then fails with ECONNABORTED. So the mount
    is detached first, and a folder that still cannot be removed is reported, never failing
    the run whose checks are done.
    """
    if not (scratch.is_dir() and scratch.parent == Path(tempfile.gettempdir())):
        return
    unmount = shutil.which("fusermount3") or shutil.which("fusermount")
    try:
        if unmount:
            subprocess.run(
                [unmount, "-u", "-z", str(scratch / "runtime" / "doc")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
        shutil.rmtree(scratch, ignore_errors=True)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"note: could not remove the keychain folder {scratch}: {error}", flush=True)


def run_one_session(
    arguments: argparse.Namespace,
    name: str,
    walk: Callable[[Session, str, Path, Checks], None],
) -> int:
    """Runs `walk` on one start of the app, over a new data folder and an empty keychain, and
    returns the exit code: 0 when every check passed.

    It starts Xvfb and tauri-driver inside with-secret-service.sh, opens a WebDriver session,
    and stops all of them again, also when a check fails or the time limit passes. The last line
    reads `NAME: N passed, M failed`.
    """
    checks = Checks()
    artifacts: Path = arguments.artifacts
    artifacts.mkdir(parents=True, exist_ok=True)

    def on_deadline(_signal: int, _frame: object) -> None:
        raise Deadline(f"the run took longer than {arguments.time_limit} s")

    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(arguments.time_limit)

    xvfb = keychain_driver = None
    session: Session | None = None
    started = time.monotonic()
    failure: str | None = None
    with (
        tempfile.TemporaryDirectory(prefix=f"eda-{name}-") as temporary,
        open(artifacts / "xvfb.log", "w") as xvfb_log,
        open(artifacts / "tauri-driver.log", "w") as driver_log,
    ):
        try:
            require_programs(arguments)
            xvfb, display = processes.start_xvfb(*SCREEN, xvfb_log, timeout=20)
            print(f"Xvfb started on display {display} (pid {xvfb.pid})", flush=True)
            environment = app_environment(display, Path(temporary), None)
            keychain_driver = start_driver_with_keychain(
                arguments, environment, Path(temporary), driver_log
            )
            session = Session(keychain_driver.port, request_timeout=60)
            session.start(str(arguments.app.resolve()))
            walk(session, display, artifacts, checks)
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
            if keychain_driver is not None:
                processes.stop(keychain_driver.driver)
                remove_keychain_folder(keychain_driver.scratch)
            if xvfb is not None:
                processes.stop(xvfb)

    elapsed = time.monotonic() - started
    print(f"pictures and logs are in {artifacts}", flush=True)
    if failure:
        print(f"{name} failed after {elapsed:.1f} s: {failure}", flush=True)
    print(f"{name}: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if failure is None and checks.failed == 0 else 1
