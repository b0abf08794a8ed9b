"""Checks that a screenshot shows something, using ImageMagick's `convert`.

A window that failed to render (no WebView content, a crashed web process, CSS that did not
load) comes out as one flat colour or very nearly so. A rendered page of text and controls has
many colours from anti-aliasing and a clearly non-zero spread of brightness.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

# Thresholds for a blank screenshot. A flat fill has one colour and a deviation of 0. The app's
# pages measured 2,400 to 3,300 colours and a deviation of about 0.31 at 1200x800 (this test,
# WebKitGTK 2.50 on Debian 12), so the thresholds sit far below a real page.
MIN_COLOURS = 64
MIN_DEVIATION = 0.05


@dataclass
class PixelStats:
    """Colour statistics of one image."""

    width: int
    height: int
    colours: int
    deviation: float

    def blank_reason(self) -> str | None:
        """Returns why the image looks blank, or None when it looks like a rendered page."""
        if self.colours < MIN_COLOURS:
            return f"only {self.colours} distinct colours (at least {MIN_COLOURS} expected)"
        if self.deviation < MIN_DEVIATION:
            return (
                f"brightness deviation {self.deviation:.3f} is nearly uniform "
                f"(at least {MIN_DEVIATION} expected)"
            )
        return None


def measure(path: str) -> PixelStats:
    """Measures the size, distinct colours and grey-level deviation of the PNG at `path`."""
    output = subprocess.run(
        [
            "convert",
            path,
            "-format",
            "%w %h %k ",
            "-write",
            "info:",
            "-colorspace",
            "Gray",
            "-format",
            "%[fx:standard_deviation]",
            "info:",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    width, height, colours, deviation = output
    return PixelStats(int(width), int(height), int(colours), float(deviation))
