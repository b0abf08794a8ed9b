"""Finds what the Local target still keeps for a namespace in the app's data folder.

The local Resource Manager keeps its resources and the names of the keychain entries it filed
in SQLite databases named `arm.db` (tables `resources` and `keychain_entries`), and the
namespace's broker, capture and data lake files live in folders whose paths contain the
resource names. Every resource name of the course ends with the attendee's namespace, so a
path, row or JSON file that contains the namespace is a leftover. The wizard's own saved
choices (`wizard.json`) contain the namespace by design and are not counted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# The wizard's saved page and choices, which keep the namespace after a teardown.
WIZARD_FILE = "wizard.json"
RESOURCE_DATABASE = "arm.db"


def database_rows(database: Path, namespace: str) -> list[str]:
    """Returns the resource ids and keychain entry names in `database` that name `namespace`."""
    found = []
    # Read-only, so the check never changes what it inspects.
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "resources" in tables:
            for (resource_id,) in connection.execute("SELECT id FROM resources"):
                if namespace in resource_id.lower():
                    found.append(f"{database.name} resource {resource_id}")
        if "keychain_entries" in tables:
            for (name,) in connection.execute("SELECT name FROM keychain_entries"):
                if namespace in name.lower():
                    found.append(f"{database.name} keychain entry {name}")
    finally:
        connection.close()
    return found


def leftovers(data_folder: Path, namespace: str) -> list[str]:
    """Lists every path, database row and JSON file in `data_folder` that names `namespace`."""
    found = []
    for path in sorted(data_folder.rglob("*")):
        relative = path.relative_to(data_folder)
        if namespace in str(relative).lower():
            found.append(f"path {relative}")
        elif path.name == RESOURCE_DATABASE and path.is_file():
            found.extend(f"{relative.parent}/{row}" for row in database_rows(path, namespace))
        elif path.suffix == ".json" and path.name != WIZARD_FILE and path.is_file():
            if namespace in path.read_text(encoding="utf-8", errors="replace").lower():
                found.append(f"file {relative} mentions {namespace}")
    return found


def resource_count(data_folder: Path, namespace: str) -> int:
    """Counts the resources of `namespace` in every `arm.db` below `data_folder`."""
    count = 0
    for database in data_folder.rglob(RESOURCE_DATABASE):
        count += sum(1 for row in database_rows(database, namespace) if " resource " in row)
    return count
