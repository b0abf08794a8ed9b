#!/usr/bin/env bash
# Runs the window test of instructor mode's presenter view against the built debug app. Build
# first:
#   (cd ui && npm ci && npm run build) && cargo build -p eda-workshop-desktop
#   (cd tests/window && npm ci)
# Options are passed to presenter.py; see `tests/window/presenter.sh --help`.
set -euo pipefail
exec python3 "$(dirname "$0")/presenter.py" "$@"
