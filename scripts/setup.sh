#!/usr/bin/env bash
# Installs what EDA Workshop needs on Debian or Ubuntu, skipping whatever is already there.
#
#   scripts/setup.sh run    system libraries for the desktop app, the Rust toolchain, npm packages
#   scripts/setup.sh test   the same, plus what the tests need: Xvfb, WebKitWebDriver,
#                           tauri-driver, a Secret Service, and the Python peer clients
#   scripts/setup.sh bench  the test set, plus RabbitMQ, the benchmark's peer broker
#
# Every step is idempotent, so running it again only fills gaps.
set -euo pipefail

mode=${1:-run}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${EDA_WORKSHOP_CACHE:-$HOME/.cache/eda-workshop}

run_packages=(
  build-essential pkg-config curl
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev
)
test_packages=(
  xvfb xauth webkit2gtk-driver imagemagick
  gnome-keyring dbus dbus-bin dbus-x11 libsecret-1-dev python3-tk systemd
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

install_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: installing the Rust toolchain with rustup" >&2
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal \
      --component clippy,rustfmt
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
}

check_node() {
  # Vite 8 needs Node.js 20.19 or newer; Debian 12's own nodejs package is 18.
  if ! command -v node >/dev/null 2>&1; then
    install_packages nodejs npm
  fi
  local version
  version=$(node --version | sed 's/^v//')
  if ! printf '20.19.0\n%s\n' "$version" | sort -V -C; then
    echo "setup: Node.js $version is too old: the front end needs 20.19 or newer." >&2
    echo "setup: install Node.js 20 or 22 (for example from nodejs.org), then run this again." >&2
    exit 1
  fi
}

# Installs the npm packages of the folder $1 (relative to the repository) when its lockfile is
# newer than what node_modules holds.
install_npm_folder() {
  local folder="$root/$1"
  local stamp="$folder/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$folder/package-lock.json" -nt "$stamp" ]; then
    echo "setup: installing the npm packages of $1" >&2
    (cd "$folder" && npm ci --no-audit --no-fund)
  fi
}

install_npm_packages() {
  install_npm_folder ui
}

install_tauri_driver() {
  if [ ! -x "$cache/bin/tauri-driver" ]; then
    echo "setup: installing tauri-driver into $cache" >&2
    cargo install tauri-driver --locked --root "$cache"
  fi
}

install_python_peers() {
  local venv="$root/.venv"
  local stamp="$venv/.requirements"
  local requirements="$root/tests/peers/requirements.txt"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" 2>/dev/null || { install_packages python3-venv; python3 -m venv "$venv"; }
  fi
  if [ -f "$requirements" ] && ! cmp -s "$requirements" "$stamp"; then
    echo "setup: installing the Python peer clients" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  fi
}

install_packages "${run_packages[@]}"
install_rust
check_node
install_npm_packages

if [ "$mode" = test ] || [ "$mode" = bench ]; then
  install_packages "${test_packages[@]}"
  install_python_peers
  install_tauri_driver
  install_npm_folder tests/peers/node
  install_npm_folder tests/window
fi

if [ "$mode" = bench ]; then
  # No RabbitMQ service starts by itself; scripts/rabbitmq.sh runs a private node on 127.0.0.1.
  install_packages rabbitmq-server
fi
