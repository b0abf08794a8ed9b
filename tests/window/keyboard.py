"""Keyboard-only window test: walks the wizard with Tab, Shift+Tab, Enter, Space and typed
letters, never a click.

On the welcome page it moves between the targets and between the Azure sign-in methods with the
arrow keys, which must keep a focus ring on the chosen card or radio button. It presses Enter on
Sign in, and with the Azure CLI missing, the failure must take the focus. Then it tabs to the Next
button, steps back with Shift+Tab and forward again, and presses Enter. On the namespace page it tabs to the field, types `dgrf`, tabs to Next and
presses Enter. On the resource groups page it tabs to Apply and presses Space, then to Verify
and presses Enter, and waits for both results. In presenter view it checks that the first Tab
reaches the instructor bar, which is drawn above the header, and that closing the reset dialog
with Escape or Cancel gives the focus back to "Reset to start". Last, Enter in the teardown's
confirmation field runs the teardown, and its result must take the focus. Every element that receives the focus on the
way must show a visible focus indicator: an outline or a box shadow that is drawn, which is
what the app's stylesheet gives `:focus-visible`. Keys go through WebDriver's Perform Actions
command, which WebKitWebDriver turns into key events of the window.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import harness
import steps
from harness import Checks
from webdriver import Session, WebDriverError, wait_for

NAMESPACE = "dgrf"
# WebDriver's codes for the keys the test presses.
TAB = "\ue004"
ENTER = "\ue007"
SHIFT = "\ue008"
SPACE = "\ue00d"
ESCAPE = "\ue00c"
ARROW_LEFT = "\ue012"
ARROW_RIGHT = "\ue014"
# The maximum number of Tab presses to reach one element, which bounds the walk. Each walk here
# takes fewer than 10.
MAX_TABS = 60

# Describes the focused element and how its focus is drawn.
FOCUS_SCRIPT = """
const e = document.activeElement;
if (!e || e === document.body) { return null; }
const style = getComputedStyle(e);
const width = parseFloat(style.outlineWidth) || 0;
const outline = style.outlineStyle !== 'none' && width > 0
  && !/rgba\\(.*, 0\\)$/.test(style.outlineColor) && style.outlineColor !== 'transparent';
const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
// A radio button's card (its label) may draw the ring in its place.
const card = e.closest('label');
const cardStyle = card ? getComputedStyle(card) : null;
const cardRing = cardStyle !== null && cardStyle.outlineStyle !== 'none'
  && (parseFloat(cardStyle.outlineWidth) || 0) > 0;
const chosen = e.tagName === 'SELECT' && e.selectedOptions.length ? e.selectedOptions[0].text : '';
const label = (e.getAttribute('aria-label') || chosen || e.textContent || e.value || '').trim();
return {
  tag: e.tagName.toLowerCase(), id: e.id, type: e.getAttribute('type') || '',
  label: label.replace(/\\s+/g, ' ').slice(0, 60),
  focusVisible: e.matches(':focus-visible'), outline, shadow, cardRing,
  drawn: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor
    + (shadow ? ' shadow ' + style.boxShadow : ''),
};
"""


def press(session: Session, key: str, shift: bool = False) -> None:
    """Presses and releases `key`, holding Shift around it when `shift` is set."""
    actions = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
    if shift:
        actions = [{"type": "keyDown", "value": SHIFT}, *actions, {"type": "keyUp", "value": SHIFT}]
    session.command(
        "POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}
    )


def type_keys(session: Session, text: str) -> None:
    """Types `text` into the focused element, one key press per character."""
    for character in text:
        press(session, character)


def focused(session: Session) -> dict | None:
    """Returns a description of the focused element, or None when the page has no focus."""
    return session.execute(FOCUS_SCRIPT)


def name_of(element: dict) -> str:
    """Names an element for messages: its tag, id or type, and its label."""
    parts = [element["tag"]]
    if element["id"]:
        parts.append(f"#{element['id']}")
    elif element["type"]:
        parts.append(f"[type={element['type']}]")
    return f"{''.join(parts)} {element['label']!r}"


class FocusWalk:
    """Moves the focus with Tab and Shift+Tab and checks that each focus is visible."""

    def __init__(self, session: Session, checks: Checks) -> None:
        self.session = session
        self.checks = checks
        self.seen: set[str] = set()

    def check_indicator(self, element: dict) -> None:
        """Checks that `element` shows a focus indicator, once per distinct element."""
        name = name_of(element)
        if name in self.seen:
            return
        self.seen.add(name)
        self.checks.expect(
            element["outline"] or element["shadow"] or element["cardRing"],
            f"focused {name} shows a focus indicator",
            f"focus-visible {element['focusVisible']}, outline {element['drawn']}",
        )

    def tab_to(self, selector: str, description: str, backwards: bool = False) -> dict:
        """Presses Tab (or Shift+Tab) until the element at `selector` has the focus."""
        for _ in range(MAX_TABS):
            press(self.session, TAB, shift=backwards)
            element = focused(self.session)
            if element is None:
                continue
            self.check_indicator(element)
            if self.session.execute(
                f"return document.activeElement.matches({selector!r});"
            ):
                return element
        raise WebDriverError(
            f"{MAX_TABS} presses of {'Shift+' if backwards else ''}Tab did not reach "
            f"{description} ({selector})"
        )

    def step_back_and_forth(self) -> None:
        """Moves the focus one element back with Shift+Tab and forward again with Tab."""
        start = focused(self.session)
        press(self.session, TAB, shift=True)
        previous = focused(self.session)
        self.checks.check(
            previous is not None and start is not None and name_of(previous) != name_of(start),
            "Shift+Tab moves the focus to the previous element",
            name_of(previous) if previous else "no focus",
        )
        self.check_indicator(previous)
        press(self.session, TAB)
        again = focused(self.session)
        self.checks.check(
            again is not None and start is not None and name_of(again) == name_of(start),
            "Tab moves the focus forward again",
            name_of(again) if again else "no focus",
        )


# Whether the focused element, or the card (label) around it, draws an outline.
RING_SCRIPT = """
const e = document.activeElement;
if (!e || e === document.body) { return false; }
const drawn = (element) => {
  const style = getComputedStyle(element);
  return style.outlineStyle !== 'none' && (parseFloat(style.outlineWidth) || 0) > 0;
};
const card = e.closest('label');
return drawn(e) || (card !== null && drawn(card));
"""


def check_focus_on(session: Session, checks: Checks, selector: str, label: str) -> None:
    """Checks that the element at `selector` has the focus, waiting a little for it to move."""
    script = f"return document.activeElement.matches({selector!r});"
    try:
        wait_for(label, lambda: True if session.execute(script) else None, 5)
    except WebDriverError:
        pass
    element = focused(session)
    checks.expect(
        session.execute(script),
        label,
        name_of(element) if element else "the focus moved to the page's body",
    )


def check_arrow_ring(session: Session, checks: Checks, key: str, selector: str, label: str) -> None:
    """Presses the arrow `key` and checks that `selector` is focused and shows a ring."""
    press(session, key)
    check_focus_on(session, checks, selector, f"the arrow key moves the focus to {label}")
    checks.expect(
        session.execute(RING_SCRIPT),
        f"{label} shows a focus ring after an arrow key",
        str(focused(session)),
    )


def check_target_keys(session: Session, walk: "FocusWalk", checks: Checks) -> None:
    """Moves between the targets and the sign-in methods with the arrow keys, then signs in.

    No `az` is installed where the window tests run, so the Azure CLI sign-in fails at once,
    without any network traffic, and its message must take the focus.
    """
    walk.tab_to("input[name=target][value=local]", "the Local target")
    check_arrow_ring(session, checks, ARROW_RIGHT, "input[value=azure]", "the Azure card")
    wait_for("the sign-in panel", lambda: session.find("input[name=sign-in-method]"), 10)
    walk.tab_to("input[name=sign-in-method]:checked", "the chosen sign-in method")
    check_arrow_ring(
        session, checks, ARROW_RIGHT, "input[value=device_code]", "the Device code radio"
    )
    check_arrow_ring(session, checks, ARROW_LEFT, "input[value=azure_cli]", "the Azure CLI radio")
    walk.tab_to("section.azure button.primary", "the Sign in button")
    press(session, ENTER)
    wait_for("the sign-in failure", lambda: session.find("#azure-sign-in-failure"), 60)
    check_focus_on(
        session, checks, "#azure-sign-in-failure", "a failed sign-in moves the focus to its message"
    )
    walk.tab_to("input[name=target][value=azure]", "the Azure target", backwards=True)
    check_arrow_ring(session, checks, ARROW_LEFT, "input[value=local]", "the Local card")


def check_presenter_focus(session: Session, walk: "FocusWalk", checks: Checks) -> None:
    """Checks the Tab order of the instructor bar and where the reset dialog leaves the focus."""
    walk.tab_to('[data-testid="instructor-switch"]', "the instructor switch", backwards=True)
    press(session, SPACE)
    wait_for("the instructor bar", lambda: session.find('[data-testid="instructor-bar"]'), 10)
    session.execute("document.activeElement.blur();")
    press(session, TAB)
    check_focus_on(
        session,
        checks,
        '[data-testid="instructor-play"]',
        "the first Tab reaches the instructor bar drawn at the top",
    )
    walk.tab_to('[data-testid="instructor-reset"]', "Reset to start")
    press(session, ENTER)
    wait_for("the reset dialog", lambda: session.find('[role="alertdialog"]'), 10)
    press(session, ESCAPE)
    check_focus_on(
        session,
        checks,
        '[data-testid="instructor-reset"]',
        "Escape in the reset dialog gives the focus back to Reset to start",
    )
    press(session, SPACE)
    wait_for("the reset dialog", lambda: session.find('[role="alertdialog"]'), 10)
    check_focus_on(
        session, checks, '[data-testid="instructor-reset-cancel"]', "the reset dialog focuses Cancel"
    )
    press(session, ENTER)
    check_focus_on(
        session,
        checks,
        '[data-testid="instructor-reset"]',
        "Cancel in the reset dialog gives the focus back to Reset to start",
    )
    walk.tab_to('[data-testid="instructor-switch"]', "the instructor switch")
    press(session, SPACE)


def check_teardown_focus(session: Session, walk: "FocusWalk", checks: Checks) -> None:
    """Runs the teardown with Enter in its confirmation field and checks that its result takes
    the focus."""
    walk.tab_to("#header-teardown", "the header's Teardown button", backwards=True)
    press(session, ENTER)
    steps.wait_for_heading(session, "Teardown")
    walk.tab_to("#confirm-namespace", "the teardown's confirmation field")
    type_keys(session, NAMESPACE)
    press(session, ENTER)
    wait_for("the teardown result", lambda: session.find("#teardown-result"), 120)
    check_focus_on(
        session, checks, "#teardown-result", "Enter in the confirmation field focuses the result"
    )


def check_focus_kept(session: Session, checks: Checks, selector: str, label: str) -> None:
    """Checks that the button at `selector` still has the focus once its action finished.

    A button that is disabled while its action runs loses the focus, and the browser moves it to
    the page's body, so a keyboard user would have to start again from the top of the page.
    """
    wait_for(f"{label} to be enabled again", lambda: steps.enabled(session, selector), 60)
    element = focused(session)
    checks.expect(
        element is not None
        and session.execute(f"return document.activeElement.matches({selector!r});"),
        f"focus stays on {label} after its action finished",
        name_of(element) if element else "the focus moved to the page's body",
    )


def walk_by_keyboard(
    session: Session, display: str, artifacts: Path, checks: Checks
) -> None:
    """Walks from the welcome page through the namespace to an applied and verified step."""
    walk = FocusWalk(session, checks)
    wait_for("the welcome page heading", lambda: session.find("#welcome-title"), 60)

    check_target_keys(session, walk, checks)
    harness.capture(session, display, artifacts, "keyboard-target-arrows", checks)
    walk.tab_to("form button[type=submit]", "the welcome page's Next button")
    walk.step_back_and_forth()
    harness.capture(session, display, artifacts, "keyboard-welcome", checks)
    press(session, ENTER)
    wait_for("the namespace field", lambda: session.find("input#namespace"), 20)
    checks.check(True, "Enter on Next opens the namespace page")

    walk.tab_to("input#namespace", "the namespace field")
    type_keys(session, NAMESPACE)
    wait_for("namespace dgrf to be valid", lambda: session.find("#namespace-ok"), 20)
    checks.check(True, f"typing {NAMESPACE} by keyboard makes the namespace valid")
    walk.tab_to("form button[type=submit]", "the namespace page's Next button")
    harness.capture(session, display, artifacts, "keyboard-namespace", checks)
    press(session, ENTER)
    steps.wait_for_heading(session, "Resource groups")
    checks.check(True, "Enter on Next opens the resource groups page")

    walk.tab_to("#apply", "the Apply button")
    press(session, SPACE)
    applied = wait_for(
        "the Apply result",
        lambda: session.text(session.find("#apply-result")) or None,
        60,
    )
    checks.check(
        " created" in applied and "failed" not in applied,
        "Space on Apply creates the resource groups",
        repr(" ".join(applied.split())),
    )
    check_focus_kept(session, checks, "#apply", "Apply")
    walk.tab_to("#verify", "the Verify button")
    press(session, ENTER)
    verified = wait_for(
        "the Verify result",
        lambda: session.text(session.find("#verify-result")) or None,
        60,
    )
    checks.check(
        "match the plan" in verified,
        "Enter on Verify finds the resource groups as planned",
        repr(" ".join(verified.split())),
    )
    check_focus_kept(session, checks, "#verify", "Verify")
    harness.capture(session, display, artifacts, "keyboard-verify", checks)
    check_presenter_focus(session, walk, checks)
    check_teardown_focus(session, walk, checks)
    harness.capture(session, display, artifacts, "keyboard-teardown", checks)
    checks.check(len(walk.seen) >= 5, "the walk focused several elements", str(len(walk.seen)))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_common_arguments(parser, time_limit=300)
    parser.set_defaults(artifacts=harness.REPOSITORY / "tests" / "artifacts" / "keyboard")
    return parser.parse_args()


def main() -> int:
    return harness.run_one_session(parse_arguments(), "keyboard", walk_by_keyboard)

if __name__ == "__main__":
    sys.exit(main())
