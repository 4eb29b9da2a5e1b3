"""What a newcomer runs: the demo, and the runtime serving for the AWS CLI and boto3."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_runs_the_main_job_and_every_check_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Every check passed." in done.stdout
    assert "FAIL" not in done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_aws_clients_until_interrupted() -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "local", "serve", "--port", str(port), "--tick", "0.5"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Read as a terminal would, all along: a pipe nobody reads fills up and stops the server at its next line
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True)
    reader.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/_strongroom/clock", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the runtime did not come up"
                time.sleep(0.2)
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        ec2 = session.client("ec2", endpoint_url=endpoint)
        volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)
        assert ec2.describe_volumes(VolumeIds=[volume["VolumeId"]])["Volumes"][0]["Size"] == 8
        functions = session.client("lambda", endpoint_url=endpoint).list_functions()["Functions"]
        assert {f["FunctionName"] for f in functions} >= {"strongroom-StartBackups", "strongroom-TrackJobs"}
        # The virtual clock moves on request, and the scheduler catches up with it
        request = urllib.request.Request(
            f"{endpoint}/_strongroom/advance", data=json.dumps({"days": 2}).encode(), method="POST"
        )
        moved = json.loads(urllib.request.urlopen(request, timeout=60).read())["now"]
        assert moved > time.strftime("%Y-%m-%dT", time.gmtime(time.time() + 86400))
        # A request signed for `backup` reaches Strongroom's API
        backup = session.client("backup", endpoint_url=endpoint)
        backup.create_backup_vault(BackupVaultName="served")
        assert [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]] == ["served"]
        # and one it does not implement yet answers an error naming the operation
        with pytest.raises(ClientError) as refused:
            backup.list_indexed_recovery_points()
        assert "ListIndexedRecoveryPoints" in str(refused.value)
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=30)
    output = "".join(lines)
    assert server.returncode == 0, output[-2000:]
    assert "serving at" in output
