"""Reads the app's entries from the test's private Secret Service over D-Bus with `busctl`.

The app files every keychain entry under the service `eda-workshop` (control's
KEYCHAIN_SERVICE), and the Secret Service stores that as the item attribute `service`. The
entry's name is the attribute `username`. The local Resource Manager builds it from the
resource's ARM id, so an entry of a namespace's resource contains the namespace's name.
"""

from __future__ import annotations

import json
import subprocess

SERVICE = "eda-workshop"
SECRETS_BUS_NAME = "org.freedesktop.secrets"


def busctl(address: str, *arguments: str) -> dict:
    """Runs one busctl command on the bus at `address` and returns its JSON output."""
    result = subprocess.run(
        ["busctl", f"--address={address}", "--json=short", *arguments],
        capture_output=True,
        text=True,
        timeout=20,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"busctl {' '.join(arguments[:3])} on {address} failed: {result.stderr.strip()}"
        )
    return json.loads(result.stdout)


def entries(address: str) -> list[dict[str, str]]:
    """Returns the attributes of every item the app filed, locked or not."""
    found = busctl(
        address,
        "call",
        SECRETS_BUS_NAME,
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service",
        "SearchItems",
        "a{ss}",
        "1",
        "service",
        SERVICE,
    )
    unlocked, locked = found["data"]
    attributes = []
    for path in [*unlocked, *locked]:
        item = busctl(
            address,
            "get-property",
            SECRETS_BUS_NAME,
            path,
            "org.freedesktop.Secret.Item",
            "Attributes",
        )
        attributes.append(item["data"])
    return attributes


def entries_naming(address: str, text: str) -> list[str]:
    """Returns the names of the app's entries that contain `text`, such as a namespace."""
    names = []
    for attributes in entries(address):
        name = attributes.get("username", "")
        if text in name or any(text in value for value in attributes.values()):
            names.append(name or repr(attributes))
    return names
