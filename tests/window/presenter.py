"""Presenter view window test: turns instructor mode on in the real window under Xvfb, takes
pictures of the welcome page and of the Resource groups page in presenter view, and audits both
with axe-core's enhanced colour contrast rule (WCAG AAA, 7:1 for body text).

On the way it checks the header switch, the root font size, the Right arrow shortcut, that
Space typed in the namespace field does not start autoplay, that "Apply as we go" applies the
step and then counts down, the reset dialog's wording, and that a second start over the same
data folder comes back in presenter view. At 1280x720 with the speaker notes open, a few pages
must keep half of the height, nothing may run past the right edge, and the notes must be as
large as the page's text. Last, it applies the shared platform, registers the schema exercise's
five attempts and pictures the Schema registry page's verdicts and views at 1280x900 and
1280x720, where nothing may run past the right edge either.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import accessibility
import harness
import processes
import steps
from harness import CheckFailed, Checks, Deadline
from webdriver import Element, Session, WebDriverError, wait_for

NAMESPACE = "dgrf"
EXPECTED_NAME = "dv-events001-ehns-eun-dgrf"
ARROW_RIGHT = "\ue014"
SPACE = "\ue00d"
BACKSPACE = "\ue003"


def press(session: Session, key: str) -> None:
    """Presses and releases `key` in the window."""
    actions = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
    session.command(
        "POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}
    )


def by_test_id(session: Session, test_id: str) -> Element:
    """Finds the element with the `data-testid` attribute `test_id`."""
    return session.find(f'[data-testid="{test_id}"]')


def text_of(session: Session, test_id: str) -> str:
    """Returns the trimmed text of the element with `data-testid` `test_id`, or ''."""
    return session.execute(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : '';",
        f'[data-testid="{test_id}"]',
    )


def contrast_audit(session: Session, page: str, checks: Checks) -> None:
    """Runs axe-core's colour-contrast-enhanced rule (7:1, or 4.5:1 for large text)."""
    accessibility.inject(session)
    result = session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, { runOnly: ['color-contrast-enhanced'],"
        "  resultTypes: ['violations', 'passes'] }).then("
        " (r) => done({"
        "  passed: r.passes.reduce((n, p) => n + p.nodes.length, 0),"
        "  failed: r.violations.flatMap((v) => v.nodes.map((n) => ({"
        "    target: n.target.join(' '), summary: n.failureSummary,"
        "    text: (document.querySelector(n.target.join(' ')) || {}).textContent || '' })))"
        " }), (error) => done({ error: String(error) }));"
    )
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {page}: {result['error']}")
    for node in result["failed"]:
        summary = " ".join((node["summary"] or "").split())
        print(f"  below AAA on {page}: {node['target']}: {node['text'][:50]!r}: {summary}")
    checks.expect(
        not result["failed"],
        f"{page}: every text element meets WCAG AAA contrast",
        f"{result['passed']} elements pass, {len(result['failed'])} below 7:1",
    )


def turn_on(run: dict) -> None:
    """Checks that instructor mode starts off, then turns it on with the header switch."""
    session, checks = run["session"], run["checks"]
    switch = wait_for("the instructor switch", lambda: by_test_id(session, "instructor-switch"), 30)
    steps.wait_for_heading(session, "Welcome to the EDA Workshop")
    checks.check(
        session.execute("return document.querySelector('[role=switch]').getAttribute('aria-checked')")
        == "false",
        "instructor mode starts off",
    )
    session.click(switch)
    wait_for("the instructor bar", lambda: by_test_id(session, "instructor-bar"), 10)
    size = session.execute("return getComputedStyle(document.documentElement).fontSize;")
    checks.check(size == "20px", "presenter view sets the root font size to 20px", size)
    error = session.execute(
        "const e = document.querySelector('.instructor [role=alert]');"
        "return e ? e.textContent.trim() : '';"
    )
    checks.expect(error == "", "instructor mode was saved", error)


def check_page_height(session: Session, checks: Checks) -> None:
    """Checks that the instructor bar, the header and the page's actions leave at least half of
    the window's height to the page's content, with the speaker notes as they start at this
    window size."""
    shares = session.execute(
        "const height = (selector) => document.querySelector(selector)"
        ".getBoundingClientRect().height;"
        "return [height('main') - height('main .actions'),"
        " height('[data-testid=instructor-bar]'), window.innerHeight];"
    )
    page, bar, height = shares
    checks.check(
        page >= height / 2,
        "presenter view leaves at least half of the window's height to the page",
        f"page {page:.0f} px, instructor bar {bar:.0f} px, window {height} px",
    )


def check_step_markers_aligned(session: Session, checks: Checks) -> None:
    """Checks that every marker of the step indicator, the current step's included, has the
    same top edge, because the current step is no button and the others are."""
    tops = session.execute(
        "return [...document.querySelectorAll('header nav .marker')]"
        ".map((marker) => Math.round(marker.getBoundingClientRect().top));"
    )
    checks.check(
        len(tops) > 1 and max(tops) - min(tops) <= 1,
        "presenter view keeps the step markers in one row",
        f"marker tops {tops}",
    )


def walk(run: dict) -> None:
    """Walks the welcome, namespace, Resource groups and schema pages in presenter view."""
    session, checks, shoot = run["session"], run["checks"], run["shoot"]
    shoot("presenter-welcome")
    contrast_audit(session, "welcome", checks)

    # The focus is on the switch, a button, where the arrows are shortcuts.
    press(session, ARROW_RIGHT)
    steps.wait_for_heading(session, "Choose your namespace")
    checks.check(True, "the Right arrow opens the namespace page")

    field = session.find("#namespace")
    session.type(field, NAMESPACE)
    wait_for(
        "the planned names",
        lambda: True if EXPECTED_NAME in session.text(session.find("main")) else None,
        20,
    )
    press(session, SPACE)
    time.sleep(0.5)
    checks.check(
        text_of(session, "instructor-play") == "Play",
        "Space typed in the namespace field does not start autoplay",
        text_of(session, "instructor-play"),
    )
    press(session, BACKSPACE)
    shoot("presenter-namespace")
    check_step_markers_aligned(session, checks)

    session.click(by_test_id(session, "instructor-next"))
    steps.wait_for_heading(session, "Resource groups")
    session.click(by_test_id(session, "instructor-apply-as-we-go"))
    session.click(by_test_id(session, "instructor-play"))
    result = wait_for(
        "the Apply result",
        lambda: session.execute(
            "const e = document.getElementById('apply-result'); return e ? e.textContent : null;"
        ),
        60,
    )
    checks.check("created" in result, "Apply as we go applied the step", " ".join(result.split()))
    countdown = wait_for(
        "the countdown",
        lambda: text_of(session, "instructor-countdown") or None,
        20,
    )
    checks.check(":" in countdown, "the countdown starts after Apply", countdown)
    session.click(by_test_id(session, "instructor-play"))
    checks.check(
        text_of(session, "instructor-play") == "Resume", "Pause freezes autoplay"
    )
    time.sleep(0.5)
    shoot("presenter-resource-groups")
    check_page_height(session, checks)
    contrast_audit(session, "resource groups", checks)

    session.click(by_test_id(session, "instructor-reset"))
    dialog = text_of(session, "instructor-reset-dialog")
    checks.check("does not delete any resource" in dialog, "reset asks first", dialog[:80])
    checks.check("Teardown" in dialog, "reset points to Teardown")
    time.sleep(0.3)
    shoot("presenter-reset-dialog")
    session.click(by_test_id(session, "instructor-reset-confirm"))
    time.sleep(1)
    failure = session.execute(
        "const d = document.querySelector('[role=alertdialog] [role=alert]');"
        "return d ? d.textContent.trim() : '';"
    )
    checks.expect(failure == "", "reset rewinds the saved wizard", failure)
    if failure == "":
        steps.wait_for_heading(session, "Welcome to the EDA Workshop")
    else:
        session.click(by_test_id(session, "instructor-reset-cancel"))

    session.click(session.find_xpath("//nav//button[contains(., 'Schema')]"))
    steps.wait_for_heading(session, "Schema registry")
    time.sleep(0.5)
    shoot("presenter-schema")
    contrast_audit(session, "schema registry", checks)
    check_short_window(run)
    check_schema_page(run)


# Lists what runs past the window's right edge or scrolls sideways on the page.
OVERFLOW_SCRIPT = """
const found = [];
for (const element of document.querySelectorAll('main *')) {
  const box = element.getBoundingClientRect();
  if (!box.width || element.closest('.visually-hidden')) { continue; }
  const style = getComputedStyle(element);
  const name = element.tagName + ' ' + (element.textContent || '').trim().slice(0, 30);
  if (box.right > window.innerWidth + 1) { found.push('past the edge: ' + name); }
  if (['auto', 'scroll'].includes(style.overflowX) && element.scrollWidth > element.clientWidth + 1) {
    found.push('scrolls sideways: ' + name);
  }
}
return [...new Set(found)].slice(0, 5);
"""

# Pages whose content was cut off at 1280x720 with the speaker notes open: the namespace field,
# the Publishers page's fourth view and its plan tables, and the schema page's mode choice.
SHORT_WINDOW_PAGES = ["Namespace", "Publishers", "Consumers", "Schema registry"]


def check_short_window(run: dict) -> None:
    """At 1280x720 with the speaker notes open, checks that each page keeps at least half of
    the height, that nothing runs past the right edge and that the notes are as large as the
    page's text."""
    session, checks, shoot = run["session"], run["checks"], run["shoot"]
    before = session.window_rect()
    session.command("POST", "/window/rect", {"x": 0, "y": 0, "width": 1280, "height": 720})
    time.sleep(1)
    if not session.execute("return !!document.querySelector('[data-testid=instructor-notes]');"):
        session.click(by_test_id(session, "instructor-notes-toggle"))
    wait_for("the speaker notes", lambda: by_test_id(session, "instructor-notes"), 10)
    sizes = session.execute(
        "const size = (element) => parseFloat(getComputedStyle(element).fontSize);"
        "return [size(document.querySelector('[data-testid=instructor-notes] li')),"
        " size(document.documentElement)];"
    )
    checks.expect(
        sizes[0] >= sizes[1],
        "the speaker notes are as large as the page's text",
        f"notes {sizes[0]} px, page {sizes[1]} px",
    )
    for title in SHORT_WINDOW_PAGES:
        session.click(session.find_xpath(f"//nav//button[contains(., '{title}')]"))
        steps.wait_for_heading(session, title if title != "Namespace" else "Choose your namespace")
        time.sleep(0.5)
        shoot(f"presenter-1280x720-{title.lower().replace(' ', '-')}")
        check_page_height(session, checks)
        overflow = session.execute(OVERFLOW_SCRIPT)
        checks.expect(
            overflow == [],
            f"at 1280x720 nothing on the {title} page runs past the edge or scrolls sideways",
            "; ".join(overflow),
        )
    x, y, width, height = before
    session.command("POST", "/window/rect", {"x": x, "y": y, "width": width, "height": height})


# The window sizes of a projector at which the schema page is pictured in each of its states.
SCHEMA_SIZES = ((1280, 900), (1280, 720))

# Each view of the schema page after the exercise's view, with the element it shows.
SCHEMA_VIEWS = (
    ("plan", "#step-plan"),
    ("bicep", "#export-text"),
    ("az_cli", "#export-text"),
)

# Scrolls each of the schema page's two columns to its end, where the attempts' verdicts and
# "Try your own schema" sit.
SCROLL_TO_END_SCRIPT = """
for (const selector of ['.schema-page .explain', '.schema-page .body']) {
  const panel = document.querySelector(selector);
  panel.scrollTop = panel.scrollHeight;
}
"""


def check_schema_page(run: dict) -> None:
    """Registers the schema exercise's five Backward attempts in presenter view, then pictures
    the schema page at each of SCHEMA_SIZES."""
    session, checks = run["session"], run["checks"]
    before = session.window_rect()

    # The schema group lives in the shared platform's schema registry namespace.
    session.click(session.find_xpath("//nav//button[contains(., 'Shared platform')]"))
    steps.wait_for_heading(session, "Shared platform")
    applied = steps.run_action(session, "apply", "#apply-result")
    checks.check("failed" not in applied, "presenter view applies the shared platform", applied)
    session.click(session.find_xpath("//nav//button[contains(., 'Schema registry')]"))
    steps.wait_for_heading(session, "Schema registry")
    steps.register_attempts(session, "backward", checks.check, keyboard=False)

    for width, height in SCHEMA_SIZES:
        picture_schema_page(run, width, height, audit=(width, height) == SCHEMA_SIZES[0])
    x, y, width, height = before
    session.command("POST", "/window/rect", {"x": x, "y": y, "width": width, "height": height})


def picture_schema_page(run: dict, width: int, height: int, audit: bool) -> None:
    """Pictures the schema page's verdicts, the ends of both columns and every view in a window
    of `width` x `height`, and checks that nothing runs past the right edge. With `audit` it
    also audits the contrast of the verdicts and of the Bicep text."""
    session, checks, shoot = run["session"], run["checks"], run["shoot"]
    session.command("POST", "/window/rect", {"x": 0, "y": 0, "width": width, "height": height})
    time.sleep(1)
    size = f"{width}x{height}"

    session.click(session.find("button[data-view=exercise]"))
    wait_for("the exercise view", lambda: steps.shown_text(session, "#own-schema"), 20)
    session.execute("document.getElementById('latest-verdict').scrollIntoView({ block: 'start' });")
    shoot(f"presenter-{size}-schema-verdicts")
    if audit:
        contrast_audit(session, "schema registry with verdicts", checks)
    session.execute(SCROLL_TO_END_SCRIPT)
    shoot(f"presenter-{size}-schema-end")
    check_no_overflow(session, checks, f"{size}, the schema page's exercise")

    for view, content in SCHEMA_VIEWS:
        session.click(session.find(f"button[data-view={view}]"))
        wait_for(f"the {view} view", lambda: steps.shown_text(session, content), 20)
        shoot(f"presenter-{size}-schema-{view.replace('_', '-')}")
        if audit and view == "bicep":
            contrast_audit(session, "schema registry Bicep", checks)
        check_no_overflow(session, checks, f"{size}, the schema page's {view} view")


def check_no_overflow(session: Session, checks: Checks, where: str) -> None:
    """Checks that nothing in the page runs past the window's right edge or scrolls sideways."""
    overflow = session.execute(OVERFLOW_SCRIPT)
    checks.expect(
        overflow == [],
        f"at {where} nothing runs past the edge or scrolls sideways",
        "; ".join(overflow),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_common_arguments(parser, time_limit=240)
    parser.set_defaults(artifacts=harness.REPOSITORY / "tests" / "artifacts" / "presenter")
    arguments = parser.parse_args()
    checks = Checks()
    artifacts: Path = arguments.artifacts
    artifacts.mkdir(parents=True, exist_ok=True)

    def on_deadline(_signal: int, _frame: object) -> None:
        raise Deadline(f"the run took longer than {arguments.time_limit} s")

    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(arguments.time_limit)
    xvfb = None
    failure = None
    with (
        tempfile.TemporaryDirectory(prefix="eda-presenter-") as temporary,
        open(artifacts / "xvfb.log", "w") as xvfb_log,
        open(artifacts / "tauri-driver.log", "w") as driver_log,
    ):
        try:
            harness.require_programs(arguments)
            accessibility.require_axe()
            xvfb, display = processes.start_xvfb(*harness.SCREEN, xvfb_log, timeout=20)
            runtime = Path(temporary)
            environment = harness.app_environment(display, runtime, None)
            for start in ("first", "second"):
                keychain_run = harness.start_driver_with_keychain(
                    arguments, environment, runtime, driver_log
                )
                session = Session(keychain_run.port, request_timeout=60)
                try:
                    session.start(str(arguments.app.resolve()))
                    run = {
                        "session": session,
                        "checks": checks,
                        "shoot": harness.shooter(session, display, artifacts, checks),
                    }
                    if start == "first":
                        turn_on(run)
                        walk(run)
                    else:
                        wait_for(
                            "the instructor switch",
                            lambda: by_test_id(session, "instructor-switch"),
                            30,
                        )
                        time.sleep(1)
                        on = session.execute(
                            "return document.documentElement.hasAttribute('data-presenter');"
                        )
                        checks.expect(bool(on), "the second start comes back in presenter view")
                        run["shoot"]("presenter-resumed")
                finally:
                    try:
                        session.end()
                    except WebDriverError as error:
                        print(f"could not end the session: {error}")
                    processes.stop(keychain_run.driver)
                    harness.remove_keychain_folder(keychain_run.scratch)
        except CheckFailed as error:
            failure = str(error)
        except (WebDriverError, RuntimeError, OSError, subprocess.SubprocessError, Deadline) as error:
            checks.failed += 1
            failure = str(error)
            print(f"FAILED: {error}", flush=True)
        finally:
            signal.alarm(0)
            if xvfb is not None:
                processes.stop(xvfb)
    print(f"pictures are in {artifacts}")
    print(f"presenter: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if failure is None and checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
