#!/usr/bin/env bash
# Measures the release build of the desktop app: cold start to the welcome page, and memory and
# click responsiveness with the live flow at its fastest pace. Not a test. Build first:
#   (cd ui && npm ci && npm run build) && cargo build --release -p eda-workshop-desktop
# Options are passed to measure.py; see `tests/window/measure.sh --help`.
set -euo pipefail
exec python3 "$(dirname "$0")/measure.py" "$@"
