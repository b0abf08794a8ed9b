#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# its files in temporary folders, so the command can use the OS keychain without touching the
# keyring of the person running it.
#
#   tests/keychain/with-secret-service.sh eda-workshop apply --namespace dgrf --target local
#
# Needs the dbus and gnome-keyring packages.
set -eu

if [ -z "${EDA_SECRET_SERVICE_INSIDE:-}" ]; then
    scratch=$(mktemp -d)
    mkdir -m 700 "$scratch/runtime" "$scratch/data"
    status=0
    EDA_SECRET_SERVICE_INSIDE=1 XDG_RUNTIME_DIR="$scratch/runtime" XDG_DATA_HOME="$scratch/data" \
        dbus-run-session -- "$0" "$@" || status=$?
    # A desktop app in the session may have started the document portal, whose FUSE mount at
    # runtime/doc outlives the session by a moment. Unmount it, then retry the removal for up
    # to 2 s. A folder left behind is reported but never changes the command's status.
    if command -v fusermount3 >/dev/null 2>&1; then
        fusermount3 -u -z "$scratch/runtime/doc" 2>/dev/null || true
    elif command -v fusermount >/dev/null 2>&1; then
        fusermount -u -z "$scratch/runtime/doc" 2>/dev/null || true
    fi
    tries=0
    until rm -rf "$scratch" 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -ge 20 ]; then
            echo "note: could not remove the session's temporary folder $scratch" >&2
            break
        fi
        sleep 0.1
    done
    exit "$status"
fi

printf 'workshop-test-password' |
    gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
# Wait at most 5 s for the daemon to own the Secret Service name on the bus.
tries=0
while [ "$tries" -lt 50 ]; do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
        grep -q true; then
        break
    fi
    tries=$((tries + 1))
    sleep 0.1
done

status=0
"$@" || status=$?
kill "$daemon" 2>/dev/null || true
wait "$daemon" 2>/dev/null || true
exit "$status"
