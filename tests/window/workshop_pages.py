"""The end-to-end test's walk through the pages after the course's steps: the live flow, the
data lake and the teardown.

Each page is opened through the step indicator, so the walk does not depend on the order of
the steps. A page that this build of the app does not have fails the test with its name.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from typing import TYPE_CHECKING

import steps
from webdriver import Session, WebDriverError, wait_for

if TYPE_CHECKING:
    from workshop import Run

# The teams of the course, each with a lane on the live flow page.
TEAMS = ("platform", "customer", "product", "conversions")
# The hubs whose events reach the data lake, as the course plans them.
LAKE_HUBS = ("customer", "lead", "sale", "lead_purchased")
# The steps whose resources Verify checks, as the step indicator names them.
RESOURCE_STEPS = ("Resource groups", "Shared platform", "Publishers", "Consumers")


def open_step(session: Session, title: str) -> None:
    """Opens the step `title` with its button in the step indicator and waits for its page."""
    try:
        button = session.find_xpath(
            "//nav//button[.//span[contains(concat(' ', @class, ' '), ' title ')"
            f" and normalize-space(.)='{title}']]"
        )
    except WebDriverError:
        shown = session.execute(
            "return [...document.querySelectorAll('nav li')]"
            ".map((li) => li.classList[0] + ': ' + li.textContent.trim()).join('; ');"
        )
        raise WebDriverError(
            f"the step indicator has no button for {title!r}, so the page is missing or "
            f"locked in this build: the indicator shows {shown}"
        )
    session.click(button)
    steps.wait_for_heading(session, title)


def testid(name: str) -> str:
    """Returns the CSS selector of the element with `data-testid` `name`."""
    return f'[data-testid="{name}"]'


def lane_counts(session: Session) -> dict[str, dict[str, int]]:
    """Returns each lane's published, handled and parked counts as the page shows them."""
    return session.execute(
        "const teams = arguments[0];"
        "const count = (team, kind) => {"
        " const e = document.querySelector(`[data-testid=\"lane-${team}-${kind}\"] .count`);"
        " return e ? Number(e.textContent.replace(/[^0-9]/g, '')) : -1; };"
        "return Object.fromEntries(teams.map((t) => [t, {"
        " published: count(t, 'published'), consumed: count(t, 'consumed'),"
        " parked: count(t, 'parked') }]));",
        list(TEAMS),
    )


def choose_fastest_pace(session: Session, at_least_ms: float = 0) -> float:
    """Chooses the shortest time between new customers that the pace control offers, and
    not under `at_least_ms`, and returns it in milliseconds."""
    values = session.execute(
        f"return [...document.querySelectorAll('{testid('flow-pace')} option')]"
        ".map((o) => Number(o.value));"
    )
    values = [value for value in values if value >= at_least_ms]
    if not values:
        raise WebDriverError(
            f"the pace control (flow-pace) offers no choice of {at_least_ms} ms or more"
        )
    fastest = min(values)
    session.click(session.find(f"{testid('flow-pace')} option[value=\"{fastest}\"]"))
    chosen = session.execute(
        f"return Number(document.querySelector('{testid('flow-pace')}').value);"
    )
    if chosen != fastest:
        raise WebDriverError(f"the pace control shows {chosen} ms after choosing {fastest} ms")
    return fastest


def element_picture(run: Run, selector: str, name: str) -> str:
    """Saves the picture of the element `selector` as it is drawn on the X screen and returns
    the hash of its pixels. WebDriver reads the DOM, so only the screen shows a stale paint."""
    session = run.session
    session.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});", selector
    )
    time.sleep(0.5)
    box = session.execute(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [Math.round(r.left), Math.round(r.top), Math.round(r.width),"
        " Math.round(r.height)];",
        selector,
    )
    x, y, _, _ = session.window_rect()
    screen = run.artifacts / f"{name}-screen.png"
    picture = run.artifacts / f"{name}.png"
    subprocess.run(
        ["import", "-display", run.display, "-window", "root", str(screen)], check=True, timeout=60
    )
    crop = f"{box[2]}x{box[3]}+{x + box[0]}+{y + box[1]}"
    subprocess.run(
        ["convert", str(screen), "-crop", crop, "+repage", str(picture)], check=True, timeout=60
    )
    pixels = subprocess.run(
        ["convert", str(picture), "rgb:-"], check=True, capture_output=True, timeout=60
    ).stdout
    return hashlib.sha256(pixels).hexdigest()


def check_pace_repaints(run: Run, pace: float) -> None:
    """Changes the pace of the running flow twice with the pace control's menu and checks that
    the control's picture changes with it, not only its value."""
    session = run.session
    selector = testid("flow-pace")
    values = session.execute(
        f"return [...document.querySelectorAll('{selector} option')].map((o) => Number(o.value));"
    )
    other = min(value for value in values if value > pace)
    pictures = {}
    for chosen in (other, pace):
        # As a person does: open the menu and pick the option. WebDriver's click on the option
        # leaves the menu's list open under Xvfb, so a click on the heading closes it.
        session.click(session.find(selector))
        session.click(session.find(f'{selector} option[value="{chosen:g}"]'))
        session.click(session.find("#flow-title"))
        wait_for(
            f"the status line to show the pace of {chosen:g} ms",
            lambda: session.execute(
                f"return Number(document.querySelector('{selector}').value) === {chosen!r}"
                " && !document.querySelector(arguments[0]).disabled;",
                selector,
            )
            or None,
            10,
        )
        time.sleep(1)
        pictures[chosen] = element_picture(run, selector, f"flow-pace-{chosen:g}ms")
    run.checks.check(
        pictures[other] != pictures[pace],
        "the pace control shows each pace chosen while the flow runs",
        f"picture hashes: {other:g} ms {pictures[other][:12]}, {pace:g} ms {pictures[pace][:12]}",
    )


def flow_failure(session: Session) -> str | None:
    """Returns the flow page's error message, or None while it shows none."""
    return session.execute(
        f"const e = document.querySelector('{testid('flow-error')}');"
        " return e ? e.textContent.trim() : null;"
    )


def start_flow(session: Session) -> None:
    """Clicks Start and waits until the page reports the flow running."""
    wait_for(
        "Start the flow to be enabled", lambda: steps.enabled(session, testid("flow-start")), 30
    )
    session.click(session.find(testid("flow-start")))

    def running() -> bool | None:
        failure = flow_failure(session)
        if failure:
            raise RuntimeError(f"starting the live flow failed: {failure}")
        text = session.text(session.find(testid("flow-status")))
        return True if text.startswith("Running") else None

    wait_for("the flow status to read Running", running, 60)


def let_flow_run(session: Session, seconds: int) -> None:
    """Waits `seconds` while the flow runs, failing early when the page shows an error."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        failure = flow_failure(session)
        if failure:
            raise RuntimeError(f"the live flow reported an error while running: {failure}")
        time.sleep(1)


def open_recent_event(run: Run) -> None:
    """Opens the newest recent event and checks that its decoded payload is shown."""
    session, check = run.session, run.checks.check
    wait_for(
        "a recent event (recent-event)", lambda: session.find(testid("recent-event")), 30
    )
    label = session.execute(
        f"const e = document.querySelector('{testid('recent-event')}');"
        " return (e.getAttribute('aria-label') || e.textContent).replace(/\\s+/g, ' ').trim();"
    )

    # The list is redrawn about ten times a second, so the button found may be replaced before
    # the click reaches it, and the click is tried again on the new one.
    def opened() -> bool | None:
        session.click(session.find(testid("recent-event")))
        return True if session.execute(
            f"return !!document.querySelector('{testid('event-details')}');"
        ) else None

    wait_for("the event details panel (event-details) to open", opened, 20)

    def payload() -> str | None:
        failure = session.execute(
            f"const e = document.querySelector('{testid('event-payload-failure')}');"
            " return e ? e.textContent.trim() : null;"
        )
        if failure:
            return "failure: " + failure
        text = session.execute(
            f"const e = document.querySelector('{testid('event-payload')}');"
            " return e ? e.innerText.trim() : null;"
        )
        return text or None

    shown = wait_for("the event's payload (event-payload)", payload, 20)
    check(
        not shown.startswith("failure:") and "id" in shown.split(),
        f"event details show the decoded payload of {label}",
        repr(" ".join(shown.split())[:160]),
    )
    run.visit("event-details")
    session.click(session.find(testid("event-details-close")))
    wait_for(
        "the event details to close",
        lambda: True if not session.execute(
            f"return !!document.querySelector('{testid('event-details')}');"
        ) else None,
        10,
    )


def switch_instructor_mode(run: Run, on: bool) -> None:
    """Turns instructor mode on or off with the header's switch and waits for the change."""
    session = run.session
    switch = wait_for(
        "the instructor mode switch (instructor-switch)",
        lambda: session.find(testid("instructor-switch")),
        10,
    )
    session.click(switch)
    expected = "true" if on else "false"
    wait_for(
        f"instructor mode to be {'on' if on else 'off'}",
        lambda: True if session.execute(
            f"return document.querySelector('{testid('instructor-switch')}')"
            f".getAttribute('aria-checked') === '{expected}';"
        ) else None,
        10,
    )


def check_lanes_in_view(run: Run) -> None:
    """Checks that the presenter view scrolled the team lanes into the window after the start."""
    session = run.session

    def lanes_top() -> float | None:
        top = session.execute(
            "const lanes = document.querySelector('.diagram');"
            "if (!lanes) { return null; }"
            "const box = lanes.getBoundingClientRect();"
            "return box.top >= 0 && box.top < window.innerHeight / 2 ? box.top : null;"
        )
        return top

    try:
        top = wait_for("the team lanes in the upper half of the window", lanes_top, 10)
        run.checks.check(True, "presenter view shows the team lanes once the flow runs", f"top {top}")
    except WebDriverError as error:
        run.checks.check(False, "presenter view shows the team lanes once the flow runs", str(error))


def run_live_flow(run: Run, seconds: int) -> None:
    """Starts the live flow at a new customer every 100 ms or the next slower pace, lets it
    run for `seconds`, checks that every lane counted events and opens one event's details."""
    session, check = run.session, run.checks.check
    open_step(session, "Live flow")
    wait_for("the pace control (flow-pace)", lambda: session.find(testid("flow-pace")), 30)
    run.visit("live-flow")
    check_demo_timing(run)
    # Ten customers a second fill every lane within seconds, and the debug build that the tests
    # drive keeps up with them. The desktop measurement drives the fastest pace instead.
    pace = choose_fastest_pace(session, at_least_ms=100)
    # The flow starts in presenter view, as an instructor starts it in front of the room.
    switch_instructor_mode(run, on=True)
    wait_for(
        "the instructor bar (instructor-bar)", lambda: session.find(testid("instructor-bar")), 10
    )
    run.visit("live-flow-instructor")
    start_flow(session)
    check(True, f"live flow runs with a new customer every {pace:g} ms")
    check_lanes_in_view(run)
    run.visit("live-flow-instructor-running")
    switch_instructor_mode(run, on=False)
    check_pace_repaints(run, pace)
    let_flow_run(session, seconds)

    counts = lane_counts(session)
    wait = first_sale_wait(session)
    for team in TEAMS:
        lane = counts[team]
        detail = (
            f"published {lane['published']}, handled {lane['consumed']}, "
            f"parked {lane['parked']}"
        )
        if wait is not None:
            detail += f"; the page says the first sale can take up to {wait} s"
        run.checks.expect(
            lane["published"] + lane["consumed"] > 0,
            f"{team} lane counted events after {seconds} s",
            detail,
        )
    run.visit("live-flow-running")
    check_lag_labels(run)
    open_recent_event(run)


def check_lag_labels(run: Run) -> None:
    """Saves a picture of the lag panel (`live-flow-lag.png`) and checks that no label breaks
    inside its hub → consumer group route or inside its team's name, or runs into its
    sparkline."""
    session = run.session
    element_picture(run, "section.lag", "live-flow-lag")
    # A label is broken when its hub and consumer group sit on different lines, when the
    # team's name takes more than one line box, or when its text runs into the sparkline.
    broken = session.execute(
        "return [...document.querySelectorAll('section.lag li .label')].filter((label) => {"
        " const [hub, group] = [...label.querySelectorAll('code')]"
        "  .map((code) => code.getBoundingClientRect());"
        " const team = label.querySelector('.team');"
        " const line = label.parentElement.querySelector('svg').getBoundingClientRect();"
        " return Math.abs(hub.top - group.top) > 2 || team.getClientRects().length > 1"
        "  || group.right > line.left;"
        "}).map((label) => label.textContent.replace(/\\s+/g, ' ').trim());"
    )
    run.checks.expect(
        not broken,
        "live flow's lag labels break only between the route and the team",
        repr(broken),
    )


def check_demo_timing(run: Run) -> None:
    """Checks that demo timing is on before the start and that the page describes it, because
    sales and the Product lane appear within the flow's short run only with demo timing."""
    session, check = run.session, run.checks.check
    wait_for(
        "the demo timing switch (flow-demo-timing)",
        lambda: session.find(testid("flow-demo-timing")),
        10,
    )
    checked = session.execute(
        f"return document.querySelector('{testid('flow-demo-timing')}').checked;"
    )
    check(checked is True, "live flow page starts with demo timing on", repr(checked))
    note = " ".join(session.text(session.find(testid("flow-timing-note"))).split())
    check(
        "Demo timing is on" in note and "60 to 900 s" in note,
        "live flow page says demo timing is on and gives Azure's capture windows",
        repr(note),
    )


def first_sale_wait(session: Session) -> int | None:
    """Returns how long the first sale can take, in seconds, from the page's hint that no sale
    happened yet: the capture window plus the partner's interval. None without the hint."""
    hint = session.execute(
        f"const e = document.querySelector('{testid('flow-sales-hint')}');"
        " return e ? e.textContent : null;"
    )
    if hint is None:
        return None
    window = re.search(r"first (\d+) s window", hint)
    interval = re.search(r"every (\d+) s", hint)
    if window is None or interval is None:
        raise WebDriverError(
            f"the sales hint (flow-sales-hint) names no window and interval: {hint!r}"
        )
    return int(window.group(1)) + int(interval.group(1))


def open_data_lake(run: Run) -> None:
    """Opens the data lake page, checks that it lists every hub, and opens a file if any."""
    session, check = run.session, run.checks.check
    open_step(session, "Data lake")

    def listed() -> list[str] | None:
        failure = session.execute(
            "const e = document.querySelector('#lake-title ~ * .failure, .detail .failure');"
            " return e ? e.textContent.trim() : null;"
        )
        if failure:
            raise RuntimeError(f"the data lake page failed to list its files: {failure}")
        hubs = session.execute(
            "return [...document.querySelectorAll('#lake-files section.hub h3 code')]"
            ".map((c) => c.textContent.trim());"
        )
        return hubs or None

    hubs = wait_for("the data lake's hubs (#lake-files)", listed, 30)
    for hub in LAKE_HUBS:
        check(hub in hubs, f"data lake page lists hub {hub}", repr(hubs))
    run.visit("data-lake")

    files = session.execute(
        "return document.querySelectorAll('#lake-files button.file').length;"
    )
    if not files:
        print("note: the data lake lists no file yet, so no file is opened", flush=True)
        return
    session.click(session.find("#lake-files button.file"))

    def decoded() -> int | None:
        failure = session.execute(
            "const e = document.querySelector('#lake-viewer .failure');"
            " return e ? e.textContent.trim() : null;"
        )
        if failure:
            raise RuntimeError(f"the data lake file did not open: {failure}")
        rows = session.execute("return document.querySelectorAll('#lake-viewer tbody tr').length;")
        return rows or None

    rows = wait_for("the file's records (#lake-viewer)", decoded, 30)
    check(rows > 0, "data lake opens a file and shows its records", f"{rows} rows of {files} files")
    run.visit("data-lake-file")
    check_lake_cells_whole(run)


def check_lake_cells_whole(run: Run) -> None:
    """Checks that no cell of the opened data lake file cuts its value off, and saves a picture
    of the table scrolled to its last column (`data-lake-file-end.png`), such as a capture
    file's Body."""
    session = run.session
    cut = session.execute(
        "return [...document.querySelectorAll('#lake-viewer td')]"
        ".filter((cell) => cell.scrollWidth > cell.clientWidth + 1)"
        ".map((cell) => cell.textContent.slice(0, 40));"
    )
    run.checks.expect(not cut, "data lake file shows every cell's whole value", repr(cut[:3]))
    session.execute(
        "const table = document.querySelector('#lake-viewer .table-scroll');"
        "table.scrollLeft = table.scrollWidth;"
    )
    run.visit("data-lake-file-end")


def tear_down(run: Run, namespace: str) -> None:
    """Tears `namespace` down on the teardown page: checks the list of what it deletes, types
    the namespace, confirms, and checks the app's own report and its Verify afterwards."""
    session, check = run.session, run.checks.check
    open_step(session, "Teardown")

    def preview() -> str | None:
        failure = session.execute(
            "const e = document.querySelector('.detail .failure');"
            " return e ? e.textContent.trim() : null;"
        )
        if failure:
            raise RuntimeError(f"the teardown page could not list what it deletes: {failure}")
        return session.execute(
            "const e = document.querySelector('#teardown-list');"
            " return e ? e.innerText : null;"
        )

    listed = wait_for("the list of what Teardown deletes (#teardown-list)", preview, 60)
    check(
        "dv-events001-ehns-eun-" + namespace in listed or "resources in" in listed,
        "teardown page lists what it deletes",
        repr(" ".join(listed.split())[:160]),
    )
    check(
        not steps.enabled(session, "#run-teardown"),
        "Delete everything is disabled until the namespace is typed",
    )
    reason = session.execute(
        "const e = document.querySelector('#run-teardown-reason');"
        " return e ? e.textContent.trim() : null;"
    )
    check(
        reason == f"Type the namespace {namespace} exactly to turn on Delete everything.",
        "Delete everything says what it waits for",
        repr(reason),
    )
    run.visit("teardown")

    session.type(session.find("#confirm-namespace"), namespace)
    wait_for("Delete everything to be enabled", lambda: steps.enabled(session, "#run-teardown"), 10)
    run.visit("teardown-confirm")
    session.click(session.find("#run-teardown"))

    def result() -> str | None:
        failure = session.execute(
            "const e = document.querySelector('.confirm .failure');"
            " return e ? e.textContent.trim() : null;"
        )
        if failure:
            return "failure: " + failure
        text = session.execute(
            "const e = document.querySelector('#teardown-result');"
            " return e ? e.innerText : null;"
        )
        if text and "Teardown" in text and session.execute(
            "return !!document.querySelector('#start-again')"
            " || [...document.querySelectorAll('button')]"
            ".some((b) => b.textContent.trim() === 'List what is left');"
        ):
            return " ".join(text.split())
        return None

    outcome = wait_for("the teardown result (#teardown-result)", result, 180)
    run.visit("teardown-done")
    check(
        f"Nothing of {namespace} is left on the Local target." in outcome,
        "teardown reports that nothing of the namespace is left",
        repr(outcome[:300]),
    )
    check(
        re.search(r"removed \d+ keychain entr", outcome) is not None,
        "teardown reports the keychain entries it removed",
        repr(outcome[:300]),
    )
    check_verify_finds_nothing(run)
    check_data_lake_after_teardown(run)
    open_step(session, "Teardown")
    again = wait_for(
        "the teardown page's view after the teardown",
        lambda: session.execute(
            "const e = document.querySelector("
            "'#teardown-result, #teardown-list, .detail .failure');"
            " return e ? e.innerText.trim() : null;"
        ),
        60,
    )
    run.visit("teardown-again")
    # The Local target's own state (Resource Manager, registry database, endpoints.json) is
    # shared by every namespace and goes only after the services stop, so the page may still
    # list that folder. It must list no resource and no keychain entry.
    flat = " ".join(again.split())
    check(
        f"Nothing of {namespace} exists on the Local target." in flat
        or "0 resources in 0 resource groups, 0 keychain entries" in flat,
        "teardown page, opened again, lists no resource and no keychain entry",
        repr(flat[:300]),
    )


def check_data_lake_after_teardown(run: Run) -> None:
    """Opens the data lake page after the teardown and checks that it reports the storage as
    gone instead of asking to start the live flow."""
    session = run.session
    open_step(session, "Data lake")
    text = wait_for(
        "the data lake's explanation (#no-files)",
        lambda: session.text(session.find("#no-files")) or None,
        30,
    )
    run.visit("data-lake-after-teardown")
    flat = " ".join(text.split())
    run.checks.check(
        "do not exist on this computer" in flat and "Start the live flow" not in flat,
        "data lake page says the namespace's storage is gone after the teardown",
        repr(flat[:200]),
    )


def check_verify_finds_nothing(run: Run) -> None:
    """Runs Verify on each resource step and checks that every planned resource is missing."""
    session, check = run.session, run.checks.check
    for title in RESOURCE_STEPS:
        open_step(session, title)
        verified = steps.run_action(session, "verify", "#verify-result")
        found = re.search(r"(\d+) differences? from the plan in (\d+) resources checked", verified)
        check(
            found is not None and found.group(1) == found.group(2),
            f"{title} Verify after the teardown finds every resource missing",
            repr(verified[:200]),
        )
