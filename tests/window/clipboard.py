"""Reads the X clipboard of the test's display, to check what the app's Copy buttons copied.

Tk's `clipboard_get` requests the text from the selection's owner (the app's WebView), so it
returns exactly what a paste into another program would get. It needs Python's `tkinter`
module, which Debian packages as python3-tk.
"""

from __future__ import annotations

import os
import subprocess
import sys

READER = "import tkinter; root = tkinter.Tk(); root.withdraw(); print(root.clipboard_get(), end='')"


def read(display: str, timeout: float = 10) -> str:
    """Returns the clipboard's text on `display`, or raises RuntimeError when it is empty."""
    environment = dict(os.environ, DISPLAY=display)
    result = subprocess.run(
        [sys.executable, "-c", READER],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"reading the clipboard on {display} failed: {result.stderr.strip()}")
    return result.stdout
