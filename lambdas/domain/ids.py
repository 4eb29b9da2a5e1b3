"""Identifiers. Job ids of scheduled backups are derived, not random, so a schedule delivered twice or a
retried Lambda names the same job and a conditional write turns the duplicate into a no-op."""

from __future__ import annotations

import uuid
from datetime import datetime

_NAMESPACE = uuid.UUID("6f1c2f0e-5d0b-4c1e-9d55-5f2a7c1b9e11")


def new_id() -> str:
    return str(uuid.uuid4())


def new_version_id() -> str:
    # AWS Backup version ids are opaque random strings; 32 hex characters like the real ones look.
    return uuid.uuid4().hex


def scheduled_backup_job_id(plan_id: str, rule_id: str, window_start: datetime, resource_arn: str) -> str:
    key = f"{plan_id}|{rule_id}|{window_start.isoformat()}|{resource_arn}"
    return str(uuid.uuid5(_NAMESPACE, key)).upper()


def idempotent_job_id(kind: str, idempotency_token: str, *parts: str) -> str:
    key = "|".join((kind, idempotency_token, *parts))
    return str(uuid.uuid5(_NAMESPACE, key)).upper()
