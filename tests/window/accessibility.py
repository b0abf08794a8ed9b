"""Accessibility audits of the app's pages with axe-core, run inside the real WebView.

axe-core comes from tests/window/node_modules (`npm ci` in tests/window). Its source is sent as
the body of a WebDriver Execute Script command. WebKitWebDriver evaluates that script in the
page's own world, and the content security policy of tauri.conf.json (`script-src 'self'`, so
no inline script and no eval) does not apply to it, so `window.axe` is defined afterwards. The
injection listens for `securitypolicyviolation` events and returns any that fire, so a test
can check that no part of axe was blocked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from webdriver import Session

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# The impact levels that fail a page. axe-core rates each violation minor, moderate, serious
# or critical.
FAILING_IMPACTS = ("serious", "critical")


@dataclass
class Violation:
    """One axe-core rule that a page breaks, with the elements that break it."""

    rule: str
    impact: str
    help: str
    help_url: str
    elements: list[str]
    summary: str


@dataclass
class Audit:
    """The result of one page's audit."""

    page: str
    passed_rules: int
    violations: list[Violation] = field(default_factory=list)

    def failing(self) -> list[Violation]:
        """Returns the violations of serious or critical impact."""
        return [v for v in self.violations if v.impact in FAILING_IMPACTS]


def require_axe() -> None:
    """Raises RuntimeError when axe-core is not installed under tests/window."""
    if not AXE_SCRIPT.is_file():
        raise RuntimeError(
            f"axe-core is missing at {AXE_SCRIPT}: run `npm ci` in tests/window"
        )


def inject(session: Session) -> list[str]:
    """Loads axe-core into the page unless it is there already, and returns the directives of
    any content security policy violation the loading caused."""
    if session.execute("return typeof window.axe === 'object';"):
        return []
    session.execute(
        "window.__axeViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (event) => window.__axeViolations.push(event.effectiveDirective));"
    )
    loaded = session.execute(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;return typeof axe;")
    if loaded != "object":
        raise RuntimeError(f"axe-core did not load into the page: `typeof axe` is {loaded!r}")
    return session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "setTimeout(() => done(window.__axeViolations), 100);"
    )


def audit(session: Session, page: str) -> Audit:
    """Runs every axe-core rule on the whole document and returns what it found."""
    result = session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, { resultTypes: ['violations'] }).then("
        " (r) => done({"
        "  passes: r.passes.length,"
        "  violations: r.violations.map((v) => ({"
        "   rule: v.id, impact: v.impact || 'unknown', help: v.help, url: v.helpUrl,"
        "   elements: v.nodes.map((n) => n.target.join(' ')),"
        "   summary: v.nodes.length ? v.nodes[0].failureSummary : ''"
        "  }))"
        " }),"
        " (error) => done({ error: String(error) }));"
    )
    if "error" in result:
        raise RuntimeError(f"axe-core failed on the {page} page: {result['error']}")
    violations = [
        Violation(
            rule=item["rule"],
            impact=item["impact"],
            help=item["help"],
            help_url=item["url"],
            elements=item["elements"],
            summary=" ".join((item["summary"] or "").split()),
        )
        for item in result["violations"]
    ]
    return Audit(page=page, passed_rules=result["passes"], violations=violations)


def planted_violation(session: Session) -> list[str]:
    """Adds a button with no accessible name to the page, audits only that button, removes it
    and returns the rules axe-core found broken: `button-name` when the audit works."""
    return session.execute_async(
        "const done = arguments[arguments.length - 1];"
        "const probe = document.createElement('button');"
        "probe.id = 'axe-planted-violation';"
        "document.body.appendChild(probe);"
        "axe.run('#axe-planted-violation', { resultTypes: ['violations'] }).then("
        " (r) => { probe.remove(); done(r.violations.map((v) => v.id)); },"
        " (error) => { probe.remove(); done(['error: ' + error]); });"
    )


def describe(audit_result: Audit) -> list[str]:
    """Formats each violation as lines naming its impact, rule, help text and elements."""
    lines = []
    for violation in audit_result.violations:
        lines.append(
            f"  {violation.impact}: {violation.rule}: {violation.help} ({violation.help_url})"
        )
        for element in violation.elements[:8]:
            lines.append(f"    element: {element}")
        if len(violation.elements) > 8:
            lines.append(f"    and {len(violation.elements) - 8} more elements")
        if violation.summary:
            lines.append(f"    {violation.summary}")
    return lines
