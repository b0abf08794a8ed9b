"""The window smoke test's walk through the course's step pages and the schema exercise.

From a valid namespace it opens each step page with Next, checks what the page shows, and
saves a picture of it. On the schema registry page it registers the five attempts in Backward
and then in Forward mode and checks every verdict against the course's table.
"""

from __future__ import annotations

from typing import Callable

from webdriver import Element, Session, WebDriverError, wait_for

# The course's verdicts, attempt 1 to 5.
EXPECTED_VERDICTS = {
    "backward": ["accepted", "accepted", "rejected", "accepted", "rejected"],
    "forward": ["accepted", "accepted", "accepted", "rejected", "rejected"],
}

# What each resource step's plan must name for namespace `dgrf` in dv and northeurope.
STEP_NAMES = {
    "Resource groups": ["dv-events-broker-rg", "dv-events-sales-rg"],
    "Shared platform": ["dv-events001-ehns-eun-dgrf", "dv-events-dbw-eun-dgrf"],
    "Publishers": ["dv-customer-kv-eun-dgrf", "lead_purchased"],
    "Consumers": ["Hub customer", "datalake"],
}

# WebDriver's code for the Enter key.
ENTER = "\ue007"

Check = Callable[[bool, str, str], None]
Capture = Callable[[str], None]
# Returns the text on the display's clipboard.
ReadClipboard = Callable[[], str]


def heading(session: Session) -> str:
    """Returns the text of the page's main heading, or an empty string while there is none."""
    return session.execute(
        "const h = document.querySelector('main h1'); return h ? h.textContent : '';"
    )


def wait_for_heading(session: Session, title: str) -> None:
    """Waits until the page's main heading reads `title`."""
    wait_for(
        f"the page heading {title!r}",
        lambda: True if heading(session).strip() == title else None,
        20,
    )


def click_next(session: Session) -> None:
    """Clicks the page's Next button."""
    session.click(session.find("form button[type=submit]"))


def plan_text(session: Session) -> str | None:
    """Returns the text of the step's plan once it has loaded."""
    text = session.text(session.find("#step-plan"))
    return text or None


def check_step_page(
    session: Session, title: str, check: Check, capture: Capture, name: str
) -> None:
    """Checks that the step page `title` is open and lists the expected resources, then applies
    and verifies the step on the Local target."""
    wait_for_heading(session, title)
    text = wait_for(f"the plan of {title}", lambda: plan_text(session), 20)
    for expected in STEP_NAMES[title]:
        check(expected in text, f"{title} page lists {expected}", "")

    applied = run_action(session, "apply", "#apply-result")
    check(
        "failed" not in applied and " created" in applied,
        f"{title} Apply creates the step without failure",
        repr(applied),
    )
    verified = run_action(session, "verify", "#verify-result")
    check("match the plan" in verified, f"{title} Verify matches the plan", repr(verified))
    if title == "Shared platform":
        check(
            "Left out: the opt-in Databricks workspace dv-events-dbw-eun-dgrf" in verified,
            "Shared platform Verify names the opt-in Databricks workspace it left out",
            repr(verified),
        )
    check_step_layout(session, title, check)
    capture(name)


def check_step_layout(session: Session, title: str, check: Check) -> None:
    """Checks that Apply and Verify share the row of the view buttons, and that the plan's
    introduction ends before the scrollbar of its scrolling panel."""
    tops = session.execute(
        "const views = document.querySelector('.toolbar .views').getBoundingClientRect();"
        "const apply = document.querySelector('.toolbar .apply').getBoundingClientRect();"
        "return [views.top, views.bottom, apply.top, apply.bottom];"
    )
    views_top, views_bottom, apply_top, apply_bottom = tops
    check(
        apply_top < views_bottom and views_top < apply_bottom,
        f"{title} page shows Apply and Verify on the row of the view buttons",
        f"views {views_top:.0f} to {views_bottom:.0f} px, Apply and Verify {apply_top:.0f} to "
        f"{apply_bottom:.0f} px from the top",
    )
    gap = session.execute(
        "const panel = document.getElementById('step-plan').closest('.scroll');"
        "const intro = panel.querySelector('.intro');"
        "const inner = panel.getBoundingClientRect().left + panel.clientLeft + panel.clientWidth;"
        "return inner - intro.getBoundingClientRect().right;"
    )
    check(
        gap >= 8,
        f"{title} page's plan introduction ends at least 8 px before the scrollbar",
        f"{gap:.1f} px",
    )


def run_action(session: Session, action: str, result: str) -> str:
    """Clicks Apply or Verify and returns the text of its result once it appears.

    An error from the shell is returned instead, so the caller's check shows it.
    """
    wait_for(f"{action} to be enabled", lambda: enabled(session, f"#{action}"), 20)
    before = session.execute(
        f"const r = document.querySelector('{result}'); return r ? r.textContent : '';"
    )

    def outcome() -> str | None:
        error = session.execute(
            "const e = document.querySelector('.action-error'); return e ? e.textContent : '';"
        )
        if error:
            return f"error: {error}"
        text = session.execute(
            f"const r = document.querySelector('{result}'); return r ? r.textContent : '';"
        )
        done = enabled(session, f"#{action}") is not None
        return " ".join(text.split()) if done and text and text != before else None

    session.click(session.find(f"#{action}"))
    return wait_for(f"the {action} result", outcome, 60)


def enabled(session: Session, selector: str) -> bool | None:
    """Returns True once the button at `selector` exists and can be clicked, else None."""
    usable = session.execute(
        f"const b = document.querySelector('{selector}'); return !!b && !b.disabled;"
    )
    return True if usable else None


def check_exports(
    session: Session, check: Check, capture: Capture, read_clipboard: ReadClipboard
) -> None:
    """Opens the Bicep and the az CLI text of the shared platform, checks both, and copies
    each with its Copy button."""
    for view, expected, name in (
        ("bicep", "dv-events001-ehns-eun-dgrf", "shared-platform-bicep"),
        ("az_cli", "az eventhubs namespace create", "shared-platform-az"),
    ):
        session.click(session.find(f"button[data-view={view}]"))
        text = wait_for(
            f"the {view} text",
            lambda: session.text(session.find("#export-text")) or None,
            20,
        )
        check(expected in text, f"{view} export contains {expected!r}", "")
        session.click(session.find("#copy-export"))
        status = wait_for(
            "the copy status",
            lambda: session.text(session.find("#copy-status")) or None,
            10,
        )
        check(status == "Copied to the clipboard.", f"{view} copy reports success", repr(status))
        try:
            copied = read_clipboard()
        except RuntimeError as error:
            copied = str(error)
        check(copied.strip() == text.strip(), f"clipboard holds the {view} text", repr(copied[:80]))
        capture(name)
    session.click(session.find("button[data-view=plan]"))


def verdicts(session: Session) -> list[str]:
    """Returns the verdict displayed for each of the five attempts, or "" where there is none."""
    return session.execute(
        "return [1, 2, 3, 4, 5].map((n) => {"
        " const v = document.querySelector(`[data-attempt=\"${n}\"] .verdict`);"
        " return v ? v.textContent.trim() : ''; });"
    )


def register_attempts(session: Session, mode: str, check: Check, keyboard: bool) -> None:
    """Chooses `mode` and registers attempts 1 to 5 one at a time, waiting for each verdict.

    With `keyboard`, attempts 2 to 5 are registered by pressing Enter on the focused element,
    which must be the next attempt's button because the page moves the focus there.
    """
    choose_mode(session, mode)
    for attempt in range(1, 6):
        button = wait_for(
            f"the button of attempt {attempt}",
            lambda: enabled_button(session, attempt),
            30,
        )
        if keyboard and attempt > 1:
            focused = session.execute("return document.activeElement.id;")
            check(
                focused == f"attempt-{attempt}",
                f"focus is on attempt {attempt} after the previous verdict",
                repr(focused),
            )
            session.type(session.active(), ENTER)
        else:
            session.click(button)
        wait_for(
            f"the verdict of attempt {attempt} in {mode} mode",
            lambda: verdicts(session)[attempt - 1] or None,
            30,
        )
    displayed = verdicts(session)
    check(
        displayed == EXPECTED_VERDICTS[mode],
        f"{mode} exercise gives the course's verdicts",
        repr(displayed),
    )


def enabled_button(session: Session, attempt: int) -> Element | None:
    """Returns the button of `attempt` once it can be clicked."""
    enabled = session.execute(
        f"const b = document.querySelector('#attempt-{attempt}'); return !!b && !b.disabled;"
    )
    return session.find(f"#attempt-{attempt}") if enabled else None


def walk_course_steps(
    session: Session, check: Check, capture: Capture, read_clipboard: ReadClipboard
) -> None:
    """Walks from the namespace page through every step page, ending on the schema page.

    The namespace field must hold a valid namespace when this starts.
    """
    click_next(session)
    check_step_page(session, "Resource groups", check, capture, "resource-groups")

    click_next(session)
    check_step_page(session, "Shared platform", check, capture, "shared-platform")
    opt_in = session.text(session.find("#opt-in-databricks_workspace"))
    check(
        "by the hour" in opt_in,
        "Databricks workspace is displayed as opt-in and billed",
        repr(opt_in),
    )
    check_exports(session, check, capture, read_clipboard)

    click_next(session)
    wait_for_heading(session, "Schema registry")
    wait_for("attempt 1 to be enabled", lambda: enabled_button(session, 1), 20)
    capture("schema-registry")
    register_attempts(session, "backward", check, keyboard=True)
    reasons = session.text(session.find("[aria-label='Why it was rejected']"))
    check("mandatory_field" in reasons, "Backward rejection names mandatory_field", repr(reasons))
    capture("schema-backward")
    register_attempts(session, "forward", check, keyboard=False)
    capture("schema-forward")
    check_own_schema_errors(session, check, capture)

    click_next(session)
    check_step_page(session, "Publishers", check, capture, "publishers")
    check_connection_strings(session, check, capture, read_clipboard)
    click_next(session)
    check_step_page(session, "Consumers", check, capture, "consumers")

    # The step indicator opens any live step; the walk ends on the schema page.
    try:
        session.click(session.find_xpath("//nav//button[contains(., 'Schema registry')]"))
    except WebDriverError as error:
        check(False, "step indicator opens the schema registry step", str(error))
    wait_for_heading(session, "Schema registry")
    check(True, "step indicator opens the schema registry step", "")


# What "Try your own schema" must report next to its button, for each kind of bad input.
OWN_SCHEMA_ERRORS = (
    ("", "The schema is empty", "empty"),
    ('{"type":"record","fields":[', "JSON syntax error at line 1, column 27", "malformed JSON"),
    (
        '{"type":"record","name":"ForwardCompatibleEvent.Created",'
        '"fields":[{"name":"a","type":"strng"}]}',
        "not valid Avro",
        "an unknown Avro type",
    ),
)


def check_own_schema_errors(session: Session, check: Check, capture: Capture) -> None:
    """Registers bad schemas of the attendee's own and checks that each error shows next to
    the button, in view and focused, naming the kind of problem."""
    for text, expected, what in OWN_SCHEMA_ERRORS:
        session.execute(
            "const editor = document.querySelector('#own-schema');"
            " editor.value = ''; editor.dispatchEvent(new Event('input', { bubbles: true }));"
        )
        if text:
            session.type(session.find("#own-schema"), text)
        session.click(session.find_xpath("//button[normalize-space()='Register this schema']"))

        def reported() -> str | None:
            shown = session.execute(
                "const e = document.querySelector('#own-result');"
                " return e ? e.textContent.trim() : null;"
            )
            return shown if shown and expected in shown else None

        try:
            message = wait_for(f"the error for {what}", reported, 20)
        except WebDriverError as error:
            check(False, f"own schema with {what} reports {expected!r}", str(error))
            continue
        check(True, f"own schema with {what} reports {expected!r}", repr(message))
        placement = session.execute(
            "const e = document.querySelector('#own-result');"
            " const box = e.getBoundingClientRect();"
            " return { focused: document.activeElement === e,"
            " visible: box.top >= 0 && box.bottom <= window.innerHeight };"
        )
        check(
            placement["focused"] and placement["visible"],
            f"the error for {what} is in view and focused",
            repr(placement),
        )
    capture("schema-own-errors")


def check_connection_strings(
    session: Session, check: Check, capture: Capture, read_clipboard: ReadClipboard
) -> None:
    """Checks that the Publishers page lists the applied connection strings with their keys
    hidden, that Copy puts one whole on the clipboard without showing it, and that Show gives
    one whole, with a key of 32 bytes in base64."""
    selector = "[data-secret='eh-customer-send']"
    session.click(session.find("button[data-view='secrets']"))

    def masked() -> str | None:
        text = session.execute(
            f"const e = document.querySelector(\"{selector}\"); return e ? e.textContent : null;"
        )
        return text if text and "SharedAccessKey=" in text else None

    try:
        listed_value = wait_for("the masked connection string of eh-customer-send", masked, 20)
    except WebDriverError as error:
        check(False, "Publishers page lists the connection strings masked", str(error))
        return
    listed = session.text(session.find(".secrets"))
    check(
        "SharedAccessKey=••••••••" in listed_value and "EntityPath=customer" in listed_value,
        "Publishers page lists the connection strings masked",
        repr(listed_value),
    )
    check_copy_while_hidden(session, check, read_clipboard, masked)
    session.click(session.find("button[aria-label='Show eh-customer-send']"))

    def revealed() -> str | None:
        text = masked()
        return text if text and "••••" not in text else None

    try:
        whole = wait_for("the whole connection string after Show", revealed, 20)
    except WebDriverError as error:
        check(False, "Show gives the whole connection string", str(error))
        return
    key = next(
        (field[len("SharedAccessKey="):] for field in whole.split(";")
         if field.startswith("SharedAccessKey=")),
        "",
    )
    check(
        len(key) == 44 and key not in listed,
        "Show gives the whole connection string, whose key the list did not contain",
        f"key of {len(key)} characters",
    )
    # No picture while the key shows: the artifacts must not contain a secret.
    session.click(session.find("button[aria-label='Hide eh-customer-send']"))
    check("••••" in (masked() or ""), "Hide masks the key again", "")
    capture("publishers-connection-strings")
    session.click(session.find("button[data-view='plan']"))


def check_copy_while_hidden(
    session: Session,
    check: Check,
    read_clipboard: ReadClipboard,
    masked: Callable[[], str | None],
) -> None:
    """Presses Copy on the hidden `eh-customer-send` and checks that the clipboard contains the
    whole connection string while the page still shows its key masked."""
    session.click(session.find("button[aria-label='Copy eh-customer-send']"))

    def note() -> str | None:
        text = session.execute(
            "const e = document.querySelector(\"[data-secret='eh-customer-send']\")"
            ".closest('li').querySelector('.note'); return e ? e.textContent.trim() : null;"
        )
        return text or None

    try:
        status = wait_for("the Copy note of eh-customer-send", note, 20)
    except WebDriverError as error:
        check(False, "Copy of a hidden connection string reports success", str(error))
        return
    check(
        status == "Copied the whole value to the clipboard.",
        "Copy of a hidden connection string reports success",
        repr(status),
    )
    try:
        copied = read_clipboard()
    except RuntimeError as error:
        copied = str(error)
    key = next(
        (field[len("SharedAccessKey="):] for field in copied.split(";")
         if field.startswith("SharedAccessKey=")),
        "",
    )
    check(
        copied.startswith("Endpoint=sb://") and len(key) == 44,
        "Copy of a hidden connection string puts it whole on the clipboard",
        f"{len(copied)} characters, key of {len(key)}",
    )
    shown = masked() or ""
    check(
        "••••" in shown and (not key or key not in shown),
        "Copy leaves the key masked on the page",
        "",
    )


# The views of the schema registry page with the element each one shows and the picture it gets.
# The exercise comes last, so the page is left as it opens.
SCHEMA_VIEWS = (
    ("plan", "#step-plan", "schema-registry-plan"),
    ("bicep", "#export-text", "schema-registry-bicep"),
    ("az_cli", "#export-text", "schema-registry-az"),
    ("exercise", "#own-schema", "schema-registry"),
)


def check_schema_step(session: Session, check: Check, capture: Capture) -> None:
    """Applies and verifies the schema registry step with the page's own Apply and Verify once the
    Backward attempts are registered, and saves a picture of each of the page's views.

    In between, one Forward registration puts the schema group into Forward mode, so Verify must
    report a difference from the plan until Apply sets the plan's Backward mode again.
    """
    applied = run_action(session, "apply", "#apply-result")
    check("failed" not in applied, "Schema registry Apply applies the schema group", repr(applied))
    verified = run_action(session, "verify", "#verify-result")
    check(
        "matches the plan" in verified,
        "Schema registry Verify matches the plan after the Backward attempts",
        repr(verified),
    )

    register_first_attempt(session, "forward")
    verified = run_action(session, "verify", "#verify-result")
    check(
        "1 difference from the plan" in verified and "Forward" in verified,
        "Schema registry Verify reports the Forward mode as a difference from the plan",
        repr(verified),
    )
    capture("schema-registry-forward")
    applied = run_action(session, "apply", "#apply-result")
    check(
        "failed" not in applied and "1 updated" in applied,
        "Schema registry Apply sets the schema group back to Backward",
        repr(applied),
    )
    verified = run_action(session, "verify", "#verify-result")
    check(
        "matches the plan" in verified,
        "Schema registry Verify matches the plan after Apply",
        repr(verified),
    )

    choose_mode(session, "backward")
    for view, shown, name in SCHEMA_VIEWS:
        session.click(session.find(f"button[data-view={view}]"))
        wait_for(
            f"the schema registry page's {view} view ({shown})",
            lambda: shown_text(session, shown),
            20,
        )
        if view == "plan":
            check_step_layout(session, "Schema registry", check)
        capture(name)


def shown_text(session: Session, selector: str) -> str | None:
    """Returns the text of the element at `selector`, or the value of a text field, once the
    element is shown with some text, else None."""
    text = session.execute(
        "const e = document.querySelector(arguments[0]);"
        " return e ? ('value' in e ? e.value : e.textContent).trim() : '';",
        selector,
    )
    return text or None


def choose_mode(session: Session, mode: str) -> None:
    """Chooses the exercise's `mode` and waits until its radio button is checked."""
    session.click(session.find(f"input[name=mode][value={mode}]"))
    wait_for(
        f"{mode} mode to be chosen",
        lambda: True if session.execute(
            f"return document.querySelector('input[value={mode}]').checked;"
        ) else None,
        10,
    )


def register_first_attempt(session: Session, mode: str) -> None:
    """Chooses `mode` and registers its attempt 1, waiting for the verdict."""
    choose_mode(session, mode)
    button = wait_for("the button of attempt 1", lambda: enabled_button(session, 1), 30)
    session.click(button)
    wait_for(
        f"the verdict of attempt 1 in {mode} mode",
        lambda: verdicts(session)[0] or None,
        30,
    )


def check_resumed(session: Session, check: Check, capture: Capture) -> None:
    """Checks that a restarted app opens on the schema page with the Forward verdicts kept."""
    wait_for("a page heading", lambda: heading(session).strip() or None, 60)
    check(
        heading(session).strip() == "Schema registry",
        "restarted app resumes on the schema registry page",
        repr(heading(session)),
    )
    displayed = wait_for(
        "the saved verdicts",
        lambda: verdicts(session) if verdicts(session)[0] else None,
        20,
    )
    check(
        displayed == EXPECTED_VERDICTS["forward"],
        "restarted app keeps the Forward verdicts",
        repr(displayed),
    )
    capture("resumed")

    session.click(session.find_xpath("//nav//button[contains(., 'Resource groups')]"))
    wait_for_heading(session, "Resource groups")
    saved = wait_for(
        "the saved Apply result",
        lambda: session.text(session.find("#apply-result")) or None,
        20,
    )
    check("10 created" in saved, "restarted app keeps the Apply result of step 1", repr(saved))
