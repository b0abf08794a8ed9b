"""Keyboard-only window test: walks the wizard with key presses alone, never a click.

On the welcome page it moves between the targets and between the Azure sign-in methods with the
arrow keys, which must keep a focus ring on the chosen card or radio button. It presses Enter on
Sign in, and with the Azure CLI missing, the failure must take the focus. Then it tabs to the
Next button, steps back with Shift+Tab and forward again, and presses Enter. On the namespace
page it tabs to the field, types `dgrf`, tabs to Next and presses Enter. On the resource groups
page it tabs to Apply and presses Space, then to Verify and presses Enter, and waits for both
results. On the shared platform page it presses Space on Apply.

On the Schema registry page, Tab from the heading must reach the controls in reading order. The
test opens each view with Enter or Space, applies and verifies the step, and chooses Forward and
Backward with the arrow keys. It registers attempts 1 to 5 by pressing a key on the button that
the previous verdict moved the focus to. In "Try your own schema" it moves the caret with
Ctrl+Home, Down and End, types an alias for attempt 5's renamed field, registers the schema and
opens its verdict, then leaves the page with Next.

In presenter view it checks that the first Tab reaches the instructor bar, which is drawn above
the header, and that closing the reset dialog with Escape or Cancel gives the focus back to
"Reset to start". Last, Enter in the teardown's confirmation field runs the teardown, and its
result must take the focus.

Every element that receives the focus on the way must show a visible focus indicator (an
outline or a box shadow that is drawn, which is what the app's stylesheet gives
`:focus-visible`) and be at least partly inside the window and its scrolling panels. A verdict
card that the page scrolls into place must show its whole outline. Keys go through WebDriver's
Perform Actions command, which WebKitWebDriver turns into key events of the window.
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
CONTROL = "\ue009"
END = "\ue010"
HOME = "\ue011"
ARROW_LEFT = "\ue012"
ARROW_RIGHT = "\ue014"
ARROW_DOWN = "\ue015"
# The maximum number of Tab presses to reach one element, which bounds the walk. The longest
# walk here, past the teardown page's list of the resources that three applied steps created,
# took 35.
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
// The part of the element's box that shows: inside the window and inside every ancestor that
// clips its overflow.
const box = e.getBoundingClientRect();
let visible = { left: Math.max(box.left, 0), top: Math.max(box.top, 0),
  right: Math.min(box.right, window.innerWidth), bottom: Math.min(box.bottom, window.innerHeight) };
for (let a = e.parentElement; a !== null; a = a.parentElement) {
  const clip = getComputedStyle(a);
  if (clip.overflowX === 'visible' && clip.overflowY === 'visible') { continue; }
  const r = a.getBoundingClientRect();
  visible = { left: Math.max(visible.left, r.left), top: Math.max(visible.top, r.top),
    right: Math.min(visible.right, r.right), bottom: Math.min(visible.bottom, r.bottom) };
}
const inView = visible.right > visible.left && visible.bottom > visible.top;
const chosen = e.tagName === 'SELECT' && e.selectedOptions.length ? e.selectedOptions[0].text : '';
const label = (e.getAttribute('aria-label') || chosen || e.textContent || e.value || '').trim();
return {
  tag: e.tagName.toLowerCase(), id: e.id, type: e.getAttribute('type') || '',
  label: label.replace(/\\s+/g, ' ').slice(0, 60),
  focusVisible: e.matches(':focus-visible'), outline, shadow, cardRing, inView,
  box: [box.left, box.top, box.right, box.bottom].map(Math.round).join(', '),
  drawn: style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor
    + (shadow ? ' shadow ' + style.boxShadow : ''),
};
"""


def press(session: Session, key: str, shift: bool = False, control: bool = False) -> None:
    """Presses and releases `key`, holding Shift or Control around it when `shift` or `control`
    is set."""
    actions = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
    for held, modifier in ((shift, SHIFT), (control, CONTROL)):
        if held:
            actions = [
                {"type": "keyDown", "value": modifier},
                *actions,
                {"type": "keyUp", "value": modifier},
            ]
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
        """Checks that `element` shows a focus indicator and is in view, once per distinct
        element."""
        name = name_of(element)
        if name in self.seen:
            return
        self.seen.add(name)
        self.checks.expect(
            element["outline"] or element["shadow"] or element["cardRing"],
            f"focused {name} shows a focus indicator",
            f"focus-visible {element['focusVisible']}, outline {element['drawn']}",
        )
        self.checks.expect(
            element["inView"],
            f"focused {name} is at least partly in view, inside the window and its scrolling panel",
            f"box at {element['box']} px",
        )

    def check_focused(self) -> None:
        """Checks the indicator of the element that has the focus now, such as one that an
        action moved the focus to."""
        element = focused(self.session)
        self.checks.expect(element is not None, "an element has the focus", "the page's body")
        if element is not None:
            self.check_indicator(element)

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


# The sides of the focused element's outline that the window or a scrolling panel cuts off.
RING_HIDDEN_SCRIPT = """
const e = document.activeElement;
const style = getComputedStyle(e);
const ring = (parseFloat(style.outlineWidth) || 0) + (parseFloat(style.outlineOffset) || 0);
const box = e.getBoundingClientRect();
let clip = { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight };
for (let a = e.parentElement; a !== null; a = a.parentElement) {
  const overflow = getComputedStyle(a);
  if (overflow.overflowX === 'visible' && overflow.overflowY === 'visible') { continue; }
  const r = a.getBoundingClientRect();
  clip = { left: Math.max(clip.left, r.left), top: Math.max(clip.top, r.top),
    right: Math.min(clip.right, r.right), bottom: Math.min(clip.bottom, r.bottom) };
}
const hidden = [];
if (box.left - ring < clip.left - 0.5) { hidden.push('left'); }
if (box.top - ring < clip.top - 0.5) { hidden.push('top'); }
if (box.right + ring > clip.right + 0.5) { hidden.push('right'); }
if (box.bottom + ring > clip.bottom + 0.5) { hidden.push('bottom'); }
return hidden;
"""


def check_whole_ring(session: Session, checks: Checks, label: str) -> None:
    """Checks that no side of the focused element's focus ring is cut off, for an element that
    the page scrolled into place before focusing it."""
    hidden = session.execute(RING_HIDDEN_SCRIPT)
    checks.expect(
        hidden == [],
        f"{label} shows its whole focus ring",
        f"cut off on the {', '.join(hidden)}" if hidden else "",
    )


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


def run_step_action(
    session: Session, walk: FocusWalk, checks: Checks, action: str, key: str
) -> str:
    """Tabs to the step's Apply or Verify button (`action` is "apply" or "verify"), presses
    `key` on it and returns its result once the action finished and the button has the focus
    again."""
    walk.tab_to(f"#{action}", f"the {action.capitalize()} button")
    result = f"#{action}-result"
    script = f"const r = document.querySelector({result!r}); return r ? r.textContent : '';"
    before = session.execute(script)

    def finished() -> str | None:
        error = session.execute(
            "const e = document.querySelector('.action-error'); return e ? e.textContent : '';"
        )
        if error:
            return f"error: {error}"
        text = session.execute(script)
        done = steps.enabled(session, f"#{action}") is not None
        return " ".join(text.split()) if done and text and text != before else None

    press(session, key)
    outcome = wait_for(f"the {action.capitalize()} result", finished, 60)
    check_focus_kept(session, checks, f"#{action}", action.capitalize())
    return outcome


# The Schema registry page's controls in reading order, as Tab must reach them from the heading
# before the first registration: the left column from top to bottom, then the right column's
# toolbar and exercise, then the page's actions. A radio group is one stop, on its checked
# button, and disabled buttons (attempts 2 to 5, "Start the exercise over") are skipped.
SCHEMA_TAB_ORDER = (
    ("input[name=mode]:checked", "the chosen compatibility mode"),
    ("#attempt-1", "Register attempt 1"),
    ("button[data-view=exercise]", "the Exercise view"),
    ("button[data-view=plan]", "the Plan view"),
    ("button[data-view=bicep]", "the Show as Bicep view"),
    ("button[data-view=az_cli]", "the Show as az CLI view"),
    ("#apply", "Apply"),
    ("#verify", "Verify"),
    (".body.scrolls", "the exercise's scrolling panel"),
    ("details.more > summary", "the How Apply works disclosure"),
    ("#own-schema", "the own schema editor"),
    ("#own-schema + .own-actions button", "Register this schema"),
    (".actions button[type=button]", "Back"),
    ("form button[type=submit]", "Next"),
)

# Each view of the schema page, with the element that shows once the view is open.
SCHEMA_VIEWS = (
    ("plan", "#step-plan"),
    ("bicep", "#export-text"),
    ("az_cli", "#export-text"),
)

# The alias that lets Backward mode accept attempt 5's renamed field, typed on the line after
# its name. Attempt 5's schema names that field on its seventh line.
OWN_SCHEMA_LINE = 7
OWN_SCHEMA_ALIAS = '"aliases": ["test_guid"],'


def check_tab_order(
    session: Session, walk: FocusWalk, checks: Checks, order: tuple[tuple[str, str], ...]
) -> None:
    """Presses Tab once per entry of `order` and checks that each press focuses that entry."""
    reached = []
    for selector, label in order:
        press(session, TAB)
        element = focused(session)
        reached.append(name_of(element) if element else "the page's body")
        if element is not None:
            walk.check_indicator(element)
        if not session.execute(f"return document.activeElement.matches({selector!r});"):
            checks.expect(
                False,
                f"Tab reaches the schema page's controls in reading order, up to {label}",
                f"expected {selector}, reached: {'; '.join(reached)}",
            )
            return
    checks.check(
        True, "Tab reaches the schema page's controls in reading order", "; ".join(reached)
    )


def check_schema_views(session: Session, walk: FocusWalk, checks: Checks) -> None:
    """Opens each view of the schema page with Enter and Space, moving between the view
    buttons with Tab, and checks that the focus stays on the pressed button."""
    walk.tab_to("button[data-view=plan]", "the Plan view", backwards=True)
    for index, (view, content) in enumerate(SCHEMA_VIEWS):
        selector = f"button[data-view={view}]"
        if index > 0:
            press(session, TAB)
            check_focus_on(session, checks, selector, f"Tab moves on to the {view} view's button")
        press(session, ENTER if index % 2 == 0 else SPACE)
        wait_for(f"the {view} view", lambda: steps.shown_text(session, content), 20)
        pressed = session.execute(
            f"return document.querySelector({selector!r}).getAttribute('aria-pressed');"
        )
        checks.check(pressed == "true", f"the key opens the {view} view", repr(pressed))
        check_focus_on(session, checks, selector, f"the {view} view's button keeps the focus")
    walk.tab_to("button[data-view=exercise]", "the Exercise view", backwards=True)
    press(session, ENTER)
    wait_for("the exercise view", lambda: steps.shown_text(session, "#own-schema"), 20)
    check_focus_on(
        session, checks, "button[data-view=exercise]", "the exercise view's button keeps the focus"
    )


def check_mode_keys(session: Session, walk: FocusWalk, checks: Checks) -> None:
    """Chooses Forward and then Backward with the arrow keys on the compatibility mode."""
    walk.tab_to("input[name=mode]:checked", "the chosen compatibility mode", backwards=True)
    for key, mode in ((ARROW_RIGHT, "forward"), (ARROW_LEFT, "backward")):
        check_arrow_ring(
            session, checks, key, f"input[name=mode][value={mode}]", f"the {mode} mode"
        )
        title = mode.capitalize()
        wait_for(
            f"the verdicts of {title} mode",
            lambda: steps.shown_text(session, "#results-title") == f"Verdicts in {title} mode"
            or None,
            10,
        )
        checks.check(True, f"the arrow key chooses {title} mode")


def register_attempts_by_keyboard(session: Session, walk: FocusWalk, checks: Checks) -> None:
    """Registers attempts 1 to 5 in Backward mode, each by a key press on the button that has
    the focus, and checks where the focus goes after each verdict."""
    press(session, TAB)
    check_focus_on(session, checks, "#attempt-1", "Tab moves from the mode to attempt 1")
    for attempt in range(1, 6):
        if attempt > 1:
            check_focus_on(
                session,
                checks,
                f"#attempt-{attempt}",
                f"the verdict of attempt {attempt - 1} moves the focus to attempt {attempt}",
            )
            walk.check_focused()
        wait_for(
            f"attempt {attempt} to be enabled",
            lambda: steps.enabled(session, f"#attempt-{attempt}"),
            20,
        )
        press(session, SPACE if attempt == 1 else ENTER)
        wait_for(
            f"the verdict of attempt {attempt}",
            lambda: steps.verdicts(session)[attempt - 1] or None,
            30,
        )
    displayed = steps.verdicts(session)
    checks.check(
        displayed == steps.EXPECTED_VERDICTS["backward"],
        "attempts 1 to 5 registered by keyboard give the course's Backward verdicts",
        repr(displayed),
    )
    check_focus_on(
        session, checks, "#latest-verdict", "the verdict of attempt 5 moves the focus to it"
    )
    walk.check_focused()
    check_whole_ring(session, checks, "the verdict of attempt 5")


def register_own_schema_by_keyboard(session: Session, walk: FocusWalk, checks: Checks) -> None:
    """Adds an alias to attempt 5's renamed field in "Try your own schema" with the keyboard,
    registers it and opens its verdict."""
    walk.tab_to("#own-schema", "the own schema editor")
    press(session, HOME, control=True)
    for _ in range(OWN_SCHEMA_LINE - 1):
        press(session, ARROW_DOWN)
    press(session, END)
    line = session.execute(
        "const e = document.activeElement;"
        " const start = e.value.lastIndexOf('\\n', e.selectionStart - 1) + 1;"
        " return e.value.slice(start, e.selectionStart);"
    )
    checks.check(
        "test_guid_renamed" in line,
        "the arrow keys move the editor's caret to the end of the renamed field's name",
        repr(line),
    )
    press(session, ENTER)
    type_keys(session, OWN_SCHEMA_ALIAS)
    editor = session.execute("return document.querySelector('#own-schema').value;")
    checks.check(OWN_SCHEMA_ALIAS in editor, "typing edits the own schema", repr(editor[:160]))

    press(session, TAB)
    check_focus_on(
        session,
        checks,
        "#own-schema + .own-actions button",
        "Tab leaves the editor for Register this schema",
    )
    press(session, ENTER)
    verdict = wait_for(
        "the own schema's verdict", lambda: steps.shown_text(session, "#own-result"), 30
    )
    checks.check(
        "accepted" in verdict,
        "Backward mode accepts attempt 5 with an alias for the renamed field",
        repr(verdict),
    )
    check_focus_on(session, checks, "#own-result", "the own schema's verdict takes the focus")
    walk.check_focused()

    press(session, TAB)
    check_focus_on(
        session,
        checks,
        "[aria-live] + .own-actions button",
        "Tab moves from the verdict to Show the verdict",
    )
    press(session, ENTER)
    check_focus_on(session, checks, "#latest-verdict", "Show the verdict focuses the verdict card")
    check_whole_ring(session, checks, "the own schema's verdict card")


def walk_schema_page(
    session: Session, display: str, artifacts: Path, walk: FocusWalk, checks: Checks
) -> None:
    """Walks the Schema registry page by keyboard: its Tab order, every view, Apply and Verify,
    both compatibility modes, the five attempts and an own schema, and leaves it with Next."""
    steps.wait_for_heading(session, "Schema registry")
    wait_for("attempt 1 to be enabled", lambda: steps.enabled(session, "#attempt-1"), 20)
    wait_for("the plan to load", lambda: steps.enabled(session, "#apply"), 20)
    check_tab_order(session, walk, checks, SCHEMA_TAB_ORDER)
    harness.capture(session, display, artifacts, "keyboard-schema", checks)

    check_schema_views(session, walk, checks)
    applied = run_step_action(session, walk, checks, "apply", SPACE)
    checks.check(
        "failed" not in applied and not applied.startswith("error"),
        "Space on the schema page's Apply applies the schema group",
        repr(applied),
    )
    verified = run_step_action(session, walk, checks, "verify", ENTER)
    checks.check(
        "matches the plan" in verified,
        "Enter on the schema page's Verify finds the schema group as planned",
        repr(verified),
    )

    check_mode_keys(session, walk, checks)
    register_attempts_by_keyboard(session, walk, checks)
    harness.capture(session, display, artifacts, "keyboard-schema-attempts", checks)
    register_own_schema_by_keyboard(session, walk, checks)
    harness.capture(session, display, artifacts, "keyboard-schema-own", checks)

    walk.tab_to("form button[type=submit]", "the schema page's Next button")
    press(session, ENTER)
    steps.wait_for_heading(session, "Publishers")
    checks.check(True, "Enter on Next leaves the schema page for Publishers")


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

    walk.tab_to("form button[type=submit]", "the resource groups page's Next button")
    press(session, ENTER)
    steps.wait_for_heading(session, "Shared platform")
    applied = run_step_action(session, walk, checks, "apply", SPACE)
    checks.check(
        " created" in applied and "failed" not in applied,
        "Space on Apply creates the shared platform",
        repr(applied),
    )
    walk.tab_to("form button[type=submit]", "the shared platform page's Next button")
    press(session, ENTER)
    walk_schema_page(session, display, artifacts, walk, checks)
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
