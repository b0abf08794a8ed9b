"""A minimal W3C WebDriver client over plain HTTP, for the local tauri-driver only.

It covers what the window smoke test needs: one session, finding elements by CSS selector or
XPath, clicking, typing, reading text, running scripts and reading the window's position. Every
request has a timeout, and every wait has a deadline, so a hung WebView fails the test instead
of stalling it.

It has no screenshot command on purpose: WebKitWebDriver 2.50 sends the Take Screenshot
response only after the page paints again, which a static page never does, so the request
hangs. The smoke test captures the X display instead.

Requests go through `http.client` and carry no `Connection: close` header. With `urllib`, which
sends that header, tauri-driver 2.1 passed it on to WebKitWebDriver, and 4 of about 35 runs
failed with a connection reset between the two drivers. None of 20 runs without the header did.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

# The key under which W3C WebDriver returns an element reference.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"

T = TypeVar("T")


class WebDriverError(Exception):
    """A WebDriver request failed or returned an error."""


@dataclass
class Element:
    """A reference to an element in the page, valid for the session that found it."""

    id: str
    selector: str


class Session:
    """One WebDriver session on a driver at `http://127.0.0.1:{port}`."""

    def __init__(self, port: int, request_timeout: float) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.request_timeout = request_timeout
        self.session_id: str | None = None

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Sends one command and returns its `value`, raising WebDriverError on any failure."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.request_timeout
        )
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise WebDriverError(f"{method} {path} failed: {error!r}")
        finally:
            connection.close()

        try:
            payload = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            raise WebDriverError(
                f"{method} {path} returned HTTP {response.status} with no JSON: {raw[:200]!r}"
            )
        if response.status >= 400:
            raise WebDriverError(f"{method} {path} failed with HTTP {response.status}: {payload}")
        return payload.get("value")

    def start(self, application: str) -> None:
        """Starts the app at `application` in a new session."""
        capabilities = {
            "capabilities": {
                "alwaysMatch": {"browserName": "wry", "tauri:options": {"application": application}}
            }
        }
        value = self.request("POST", "/session", capabilities)
        self.session_id = value["sessionId"]

    def end(self) -> None:
        """Ends the session, which closes the app. Does nothing when no session is open."""
        if self.session_id is not None:
            session_id, self.session_id = self.session_id, None
            self.request("DELETE", f"/session/{session_id}")

    def command(self, method: str, path: str, body: Any = None) -> Any:
        """Sends a command within the session."""
        if self.session_id is None:
            raise WebDriverError("no WebDriver session is open: call start() first")
        return self.request(method, f"/session/{self.session_id}{path}", body)

    def find(self, selector: str) -> Element:
        """Finds the first element matching the CSS `selector`."""
        value = self.command("POST", "/element", {"using": "css selector", "value": selector})
        return Element(id=value[ELEMENT_KEY], selector=selector)

    def find_xpath(self, expression: str) -> Element:
        """Finds the first element matching the XPath `expression`, such as a button by text."""
        value = self.command("POST", "/element", {"using": "xpath", "value": expression})
        return Element(id=value[ELEMENT_KEY], selector=expression)

    def active(self) -> Element:
        """Returns the element that has the keyboard focus."""
        value = self.command("GET", "/element/active")
        return Element(id=value[ELEMENT_KEY], selector=":focus")

    def click(self, element: Element) -> None:
        """Clicks `element` as a pointer would."""
        self.command("POST", f"/element/{element.id}/click", {})

    def type(self, element: Element, text: str) -> None:
        """Types `text` into `element` key by key."""
        self.command("POST", f"/element/{element.id}/value", {"text": text})

    def text(self, element: Element) -> str:
        """Returns the rendered text of `element`."""
        return self.command("GET", f"/element/{element.id}/text")

    def execute(self, script: str, *args: Any) -> Any:
        """Runs `script` as a function body in the page and returns its result."""
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def execute_async(self, script: str, *args: Any) -> Any:
        """Runs `script` in the page and returns the value it passes to its last argument."""
        return self.command("POST", "/execute/async", {"script": script, "args": list(args)})

    def window_rect(self) -> tuple[int, int, int, int]:
        """Returns the window's position and size on the screen as (x, y, width, height)."""
        rect = self.command("GET", "/window/rect")
        return rect["x"], rect["y"], rect["width"], rect["height"]


def wait_for(
    description: str, attempt: Callable[[], T | None], timeout: float, interval: float = 0.25
) -> T:
    """Calls `attempt` until it returns a value other than None, for at most `timeout` seconds.

    A WebDriverError during an attempt counts as "not yet". When time runs out, the error names
    `description` and the last failure.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = attempt()
            if result is not None:
                return result
        except WebDriverError as error:
            last_error = error
        if time.monotonic() >= deadline:
            detail = f": last error: {last_error}" if last_error else ""
            raise WebDriverError(
                f"timed out after {timeout:.0f} s waiting for {description}{detail}"
            )
        time.sleep(interval)
