"""`aws backup ...` as a subprocess against the local runtime, for the CLI tests."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from tests.api.aws_cli_forks import fork_server


class Cli:
    """`aws backup ...` with only --endpoint-url and the test credentials: no other AWS setting leaks in."""

    def __init__(self, endpoint: str, home: Path, secret: str = "test") -> None:
        self._endpoint = endpoint
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            {
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                "AWS_MAX_ATTEMPTS": "1",
                "AWS_PAGER": "",
            }
        )
        self._env = env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """One `aws backup ...` process: forked from a server that has imported awscli already (aws_cli_forks.py)."""
        argv = ["backup", *args, "--endpoint-url", self._endpoint, "--output", "json"]
        return fork_server().run(argv, self._env, timeout=120)

    def __call__(self, *args: str) -> Any:
        done = self.run(*args)
        assert done.returncode == 0, f"aws backup {' '.join(args)} failed: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def fails(self, *args: str) -> str:
        """Runs a call that must fail; returns its stderr, where the CLI names AWS Backup's error code."""
        done = self.run(*args)
        assert done.returncode != 0, f"aws backup {' '.join(args)} should have failed: {done.stdout}"
        return done.stderr

    def all(self, *calls: Sequence[str]) -> list[Any]:
        """Runs independent calls side by side; each must succeed. Answers come back in order."""
        return parallel(*(partial(self, *call) for call in calls))

    def errors(self, *calls: Sequence[str]) -> list[str]:
        """Runs independent calls that must each fail, side by side; returns their stderr in order."""
        return parallel(*(partial(self.fails, *call) for call in calls))


def parallel(*steps: Callable[[], Any]) -> list[Any]:
    """Runs independent steps (CLI calls, or stories of calls on their own resources) side by side."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda step: step(), steps))


def error_code(stderr: str) -> str:
    """The code in the CLI's "An error occurred (Code) when calling the X operation: message"."""
    return stderr.split("An error occurred (", 1)[1].split(")", 1)[0]
