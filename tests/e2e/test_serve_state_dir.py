"""`python -m local serve --state-dir DIR` as a user runs it: ready only when ready, and a user's vaults,
plans, jobs and emulated resources still there after a kill -9 and after a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """One `serve` process; records every status a Backup API call got while it started."""

    def __init__(self, state_dir: Path) -> None:
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        command = ["serve", "--port", str(self.port), "--tick", "0.5", "--state-dir", str(state_dir)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", *command],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.statuses_while_starting: set[int] = set()
        self._wait_until_ready()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def _backup_status(self) -> int:
        url = f"{self.endpoint}/backup-vaults/"
        signed = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials("test", "test"), "backup", "us-east-1").add_auth(signed)
        request = urllib.request.Request(url, headers=dict(signed.headers.items()))
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            if refused.code == 503:
                assert refused.headers["Retry-After"], "a 503 says when to retry"
            return int(refused.code)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 180
        while True:
            assert self.process.poll() is None, "".join(self.lines)[-3000:]
            assert time.monotonic() < deadline, "the runtime did not come up"
            try:
                status = self._backup_status()
            except OSError:  # the port is not open yet
                time.sleep(0.05)
                continue
            self.statuses_while_starting.add(status)
            if status == 200:
                return
            time.sleep(0.05)

    def client(self, service: str) -> Any:
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        return session.client(service, endpoint_url=self.endpoint)

    def advance(self, days: int) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/_strongroom/advance", data=json.dumps({"days": days}).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=300).read()

    def stop(self, how: int) -> None:
        self.process.send_signal(how)
        self.process.wait(timeout=60)
        self._reader.join(timeout=10)


def test_given_state_dir_when_serve_is_killed_then_stopped_then_the_users_state_survives(tmp_path: Path) -> None:
    # Given serve with a state dir; while it starts, Backup API calls get 503 with Retry-After, never a 500
    first = Served(tmp_path)
    assert first.statuses_while_starting <= {503, 200}
    assert any(line.startswith(f"Strongroom ready on {first.endpoint}") for line in first.lines)
    backup, ec2 = first.client("backup"), first.client("ec2")
    # And a user's vault, plan over a tagged volume, and a day of backups
    backup.create_backup_vault(BackupVaultName="kept")
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [{"RuleName": "r", "TargetBackupVaultName": "kept", "ScheduleExpression": "cron(0 5 ? * * *)"}],
        }
    )
    backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, "Resources": ["arn:aws:ec2:*:*:volume/*"]},
    )
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    first.advance(days=1)
    jobs = backup.list_backup_jobs()["BackupJobs"]
    assert [job["State"] for job in jobs] == ["COMPLETED"]
    time.sleep(3)  # more than the state dir's write interval
    # When it is killed without warning
    first.stop(signal.SIGKILL)
    second = Served(tmp_path)

    def survived(served: Served) -> None:
        backup, ec2 = served.client("backup"), served.client("ec2")
        assert [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]] == ["kept"]
        assert backup.get_backup_plan(BackupPlanId=plan["BackupPlanId"])["BackupPlan"]["BackupPlanName"] == "daily"
        assert [j["BackupJobId"] for j in backup.list_backup_jobs()["BackupJobs"]] == [jobs[0]["BackupJobId"]]
        points = backup.list_recovery_points_by_backup_vault(BackupVaultName="kept")["RecoveryPoints"]
        assert len(points) == 1 and points[0]["Status"] == "COMPLETED"
        assert [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]] == [volume]

    # Then everything is there
    try:
        survived(second)
        # And the next day's backup runs on the restored state
        second.advance(days=1)
        assert len(second.client("backup").list_backup_jobs()["BackupJobs"]) == 2
    finally:
        # When it is stopped cleanly (and restarted)
        second.stop(signal.SIGTERM)
    assert second.process.returncode == 0, "".join(second.lines)[-3000:]
    third = Served(tmp_path)
    try:
        assert len(third.client("backup").list_backup_jobs()["BackupJobs"]) == 2
    finally:
        third.stop(signal.SIGTERM)


def test_given_a_state_another_version_saved_when_serve_starts_then_it_refuses_at_once_and_keeps_the_file(
    tmp_path: Path,
) -> None:
    # Given a state dir holding a state from before state files were stamped (another Strongroom, another moto)
    written = b"\x80\x05not a state this version can read"
    (tmp_path / "state.pickle").write_bytes(written)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # When serve starts on it
    started = subprocess.run(
        [sys.executable, "-m", "local", "serve", "--port", str(_free_port()), "--state-dir", str(tmp_path)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Then it stops with a message saying why and what to do, before serving anything, and the file is as it was
    assert started.returncode == 2, started.stdout + started.stderr
    assert "another version of Strongroom or moto" in started.stderr
    assert "--state-dir" in started.stderr
    assert "serving at" not in started.stdout
    assert (tmp_path / "state.pickle").read_bytes() == written
