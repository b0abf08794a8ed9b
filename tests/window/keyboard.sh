#!/usr/bin/env bash
# Runs the keyboard-only window test against the built debug app. Build first:
#   (cd ui && npm ci && npm run build) && cargo build -p eda-workshop-desktop
# Options are passed to keyboard.py; see `tests/window/keyboard.sh --help`.
set -euo pipefail
exec python3 "$(dirname "$0")/keyboard.py" "$@"
