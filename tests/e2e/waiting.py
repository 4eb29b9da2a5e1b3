"""Waiting, in real time, for what the local runtime finishes in the background (Step Functions executions and
the restore jobs they drive)."""

from __future__ import annotations

import time
from typing import Any

from local.runtime import LocalRuntime


def wait_for_execution(rt: LocalRuntime, execution_arn: str, seconds: float = 60) -> dict[str, Any]:
    sfn = rt.client("stepfunctions")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING":
            return dict(execution)
        time.sleep(0.1)
    raise AssertionError(f"execution {execution_arn} still running after {seconds:g}s")


def wait_for_restore_job(backup: Any, restore_job_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = backup.describe_restore_job(RestoreJobId=restore_job_id)
        if job["Status"] not in ("PENDING", "RUNNING"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"restore job {restore_job_id} still running after {seconds:g}s")
