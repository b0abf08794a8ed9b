#!/usr/bin/env bash
# Runs the window test of Apply's progress, the data lake page and the header's Teardown button
# against the built debug app. Build first:
#   (cd ui && npm ci && npm run build) && cargo build -p eda-workshop-desktop
# Options are passed to teardown_lake.py; see `tests/window/teardown_lake.sh --help`.
set -euo pipefail
exec python3 "$(dirname "$0")/teardown_lake.py" "$@"
