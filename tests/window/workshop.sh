#!/usr/bin/env bash
# Runs the end-to-end window test against the built debug app. Build first:
#   (cd ui && npm ci && npm run build) && cargo build -p eda-workshop-desktop
#   (cd tests/window && npm ci)
# Options are passed to workshop.py; see `tests/window/workshop.sh --help`.
set -euo pipefail
exec python3 "$(dirname "$0")/workshop.py" "$@"
