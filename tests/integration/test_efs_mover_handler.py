"""The EFS mover function's handler on moto, as the stack deploys it: the engine's LambdaMover invokes
`strongroom-efs-mover-<file system id>` with a move request, and the handler moves the files between its mount
(/mnt/efs in Lambda, a temporary directory here) and the vault bucket."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.builders import REGION
from tests.integration.test_efs_adapter import (
    RecordingLambda,
    make_adapter,
    make_file_system,
    populate,
    restored_directory,
    snapshot,
)


@dataclass
class Context:
    """What the handler reads of Lambda's context."""

    remaining_millis: int = 900_000
    function_name: str = "strongroom-efs-mover"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = ""
    aws_request_id: str = "request"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@pytest.fixture
def mount(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The function's LocalMountPath: lambdas.resources.efs.mover.MOUNT_PATH, a directory here."""
    from lambdas.resources.efs import mover as efs

    path = tmp_path / "mnt-efs"
    path.mkdir()
    monkeypatch.setattr(efs, "MOUNT_PATH", str(path))
    return path


@pytest.fixture
def cloud(tmp_path: Path) -> Any:
    """The engine's side in the cloud: the EFS adapter with a LambdaMover, whose invokes are recorded."""
    import boto3

    from lambdas.resources.efs.mover import LambdaMover

    boto3.client("s3", region_name=REGION).create_bucket(Bucket="strongroom-vault-test")
    fs_id, arn = make_file_system(boto3.client("efs", region_name=REGION))
    lam = RecordingLambda({f"strongroom-efs-mover-{fs_id}"})
    return fs_id, arn, lam, make_adapter(tmp_path / "unused", LambdaMover(lambda: lam))


def handle(invoke: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
    from lambdas.handlers.efs_mover import handler

    assert invoke["InvocationType"] == "Event"
    result: dict[str, Any] = handler(json.loads(invoke["Payload"]), context or Context())
    return result


def test_given_a_backup_request_when_the_mover_handles_it_then_the_files_are_in_the_vault_and_the_job_completes(
    cloud: Any, mount: Path
) -> None:
    from lambdas.resources.base import Phase

    fs_id, arn, lam, adapter = cloud
    populate(mount)
    adapter.start_backup(arn, "JOB-1", {})
    (invoke,) = lam.invokes
    assert invoke["FunctionName"] == f"strongroom-efs-mover-{fs_id}"

    result = handle(invoke)

    assert result == {"state_key": "recovery-points/efs/JOB-1/backup.json", "status": "COMPLETED"}
    progress = adapter.backup_status("JOB-1")
    assert progress.phase == Phase.COMPLETED
    assert progress.size_bytes == sum(p.stat().st_size for p in mount.rglob("*") if p.is_file() and not p.is_symlink())


def test_given_a_restore_request_when_the_mover_handles_it_then_the_backup_comes_back_beside_the_changes(
    cloud: Any, mount: Path
) -> None:
    from lambdas.resources.base import Phase

    _, arn, lam, adapter = cloud
    populate(mount)
    before = snapshot(mount)
    adapter.start_backup(arn, "JOB-1", {})
    handle(lam.invokes[0])
    (mount / "README.md").write_text("changed\n")

    restore = adapter.start_restore("JOB-1", "RESTORE-1", adapter.restore_metadata("JOB-1", None))
    result = handle(lam.invokes[1])

    assert result == {"state_key": "restores/RESTORE-1.json", "status": "COMPLETED"}
    assert adapter.restore_status(restore).phase == Phase.COMPLETED
    assert snapshot(restored_directory(mount)) == before
    assert (mount / "README.md").read_text() == "changed\n"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"kind": "delete"}, "kind"),
        ({"file_system_id": "../etc"}, "file_system_id"),
        ({"state_key": ""}, "state_key"),
        ({"extra": "x"}, "extra"),
    ],
)
def test_given_a_request_that_is_not_a_move_when_handled_then_refused_and_nothing_moves(
    cloud: Any, mount: Path, change: dict[str, Any], complaint: str
) -> None:
    from pydantic import ValidationError

    from lambdas.handlers.efs_mover import handler

    _, arn, lam, adapter = cloud
    populate(mount)
    adapter.start_backup(arn, "JOB-1", {})
    event = {**json.loads(lam.invokes[0]["Payload"]), **change}

    with pytest.raises(ValidationError, match=complaint):
        handler(event, Context())
    assert adapter.backup_status("JOB-1").phase.value == "RUNNING"  # under its lease, untouched
