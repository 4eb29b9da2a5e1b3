"""`python -m local serve` in a child process, as a user runs it, for tests that drive it only over HTTP: boto3
clients signed with the credentials it prints, and the control endpoints (/_strongroom/advance, reset) through
plain requests. Nothing here reaches into the runtime's memory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
REGION, ACCESS_KEY, SECRET_KEY = "us-east-1", "test", "test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServeProcess:
    """One `serve` on a free port; its EFS files in `efs_dir` (STRONGROOM_LOCAL_EFS_DIR, as the docs say)."""

    efs_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STRONGROOM_LOCAL_", "MOTO_"))}
        return {**env, "PYTHONPATH": str(ROOT), "STRONGROOM_LOCAL_EFS_DIR": str(self.efs_dir)}

    def start(self, seconds: float = 180) -> ServeProcess:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", "serve", "--port", str(self.port), "--tick", "0.5"],
            cwd=ROOT,
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}")
            try:
                if self.control("health")["ready"]:
                    return self
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.2)
        raise RuntimeError("serve did not become ready")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: serve stops cleanly
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()  # never leave a serve behind a test run
                self.process.wait(timeout=10)

    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET /_strongroom/<path>, or POST it with a JSON body."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint}/_strongroom/{path}", data=data, method="GET" if body is None else "POST"
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            return dict(json.loads(answer.read()))

    def client(self, service: str) -> Any:
        session = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        )
        config = Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=120)
        return session.client(service, endpoint_url=self.endpoint, config=config)

    def efs_put(self, file_system_id: str, *paths: Path, into: str = "/") -> None:
        """The documented way to put files into an emulated EFS file system: `python -m local efs put`."""
        subprocess.run(
            [sys.executable, "-m", "local", "efs", "put", file_system_id, *map(str, paths), "--into", into],
            cwd=ROOT,
            env=self.environment(),
            check=True,
            capture_output=True,
        )
