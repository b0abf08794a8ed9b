#!/usr/bin/env bash
# Runs the window smoke test against the built debug app. Build first:
#   (cd ui && npm ci && npm run build) && cargo build -p eda-workshop-desktop
# Options are passed to smoke.py; see `tests/window/smoke.sh --help`.
set -euo pipefail
exec python3 "$(dirname "$0")/smoke.py" "$@"
