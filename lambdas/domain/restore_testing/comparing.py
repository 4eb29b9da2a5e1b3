"""How a restore test's data check says what differs, as pure functions: the settings a backup recorded (engine,
size, node type...) against those of the restored resource, and the rule every cleanup follows before it deletes
anything (the resource carries the restore job's tag: only what a restore made is ever deleted)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.picking import restored_name


class NotARestoredCopy(Exception):
    """The resource to delete does not carry the tag restores give what they make: it is never deleted."""


def settings_verdict(what: str, recorded: Mapping[str, str], found: Mapping[str, str]) -> Verdict:
    """Passed when every recorded setting has its recorded value on the restored resource; otherwise the message
    names each setting that differs, its value and the recorded one. A setting recorded empty is not compared."""
    differing = [
        f"{key} {found.get(key) or 'none'} (recorded {value})"
        for key, value in sorted(recorded.items())
        if value != "" and found.get(key, "") != value
    ]
    if differing:
        return Verdict(False, f"The restored {what} differs from the backup: {'; '.join(differing)}")
    shown = ", ".join(f"{key} {value}" for key, value in sorted(recorded.items()) if value != "")
    return Verdict(True, f"The restored {what} has the settings recorded at backup time: {shown}")


def manifest_differences(what: str, expected: Mapping[str, str], found: Mapping[str, str], shown: int = 5) -> Verdict:
    """A failed verdict naming the entries (object keys, file paths) missing from the restored copy, changed in it,
    and not in the backup: at most `shown` of each, and how many."""
    missing = sorted(set(expected) - set(found))
    added = sorted(set(found) - set(expected))
    changed = sorted(name for name in set(expected) & set(found) if expected[name] != found[name])
    parts = [
        f"{label} {len(names)}: {', '.join(names[:shown])}{' ...' if len(names) > shown else ''}"
        for label, names in (("missing", missing), ("changed", changed), ("not in the backup", added))
        if names
    ]
    return Verdict(False, f"The restored {what} differs from the backup: " + "; ".join(parts))


def unavailable(what: str, identifier: str, status: str | None) -> Verdict:
    return Verdict(False, f"The restored {what} {identifier} is {status or 'gone'}, not available")


def must_be_restored(tags: Mapping[str, str], restore_tag: str, what: str) -> None:
    if restore_tag not in tags:
        raise NotARestoredCopy(f"{what} does not carry the tag {restore_tag} restores give: it is not deleted")


def restored_identifier(source: str, run_id: str, max_length: int = 63) -> str:
    """A database or cluster identifier for a restore test's copy (RDS and Redshift rules: letters, digits and
    hyphens, starting with a letter, no two hyphens in a row, not ending with one; Redshift wants lower case)."""
    name = restored_name(source.lower(), run_id, max_length, r"[^a-z0-9-]")
    name = re.sub(r"-{2,}", "-", name)
    return name if name[:1].isalpha() else f"r{name}"[:max_length]
