"""Runs moto's own AWS Backup tests (tests/test_backup in moto's repository, which you check out yourself;
this script fetches nothing) against one Strongroom local runtime, as a test suite built on it would.

    python scripts/run_moto_backup_tests.py PATH... [--region eu-west-1] [--endpoint URL] [-- PYTEST ARGS]

moto's TEST_SERVER_MODE points every boto3 client its tests make at the endpoint and, before each test,
POSTs /moto-api/reset, which the local runtime answers with its own reset (every service back to the state
right after bootstrap, Strongroom's catalog included). The tests' assertions run unchanged.

Without --endpoint it starts `python -m local serve` in --region (moto's backup tests sign for eu-west-1;
its report plan tests for us-east-1: the runtime refuses a signature scoped to another Region, as API
Gateway does, so run those files with their Region), waits until GET /_strongroom/health answers 200, runs
pytest on PATH..., prints the pass count and each failure's first line of reason, and stops the runtime."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# mock_aws puts these in the environment while a test runs, so its clients sign with them: the runtime must know
# them (STRONGROOM_LOCAL_ACCESS_KEY / _SECRET_KEY for a runtime you serve yourself).
MOTO_TEST_KEY, MOTO_TEST_SECRET = "FOOBARKEY", "FOOBARSECRET"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(endpoint: str, server: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the local runtime exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/_strongroom/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the local runtime did not become ready")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="moto's test files or folders (e.g. moto/tests/test_backup)")
    parser.add_argument("--region", default="eu-west-1", help="the Region to serve in (the tests' Region)")
    parser.add_argument("--endpoint", help="a runtime already serving (then --region is its Region)")
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    server = None
    endpoint = args.endpoint
    if endpoint is None:
        port = _free_port()
        endpoint = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        server = subprocess.Popen(
            [sys.executable, "-m", "local", "serve", "--port", str(port)],
            cwd=ROOT,
            env={
                **env,
                "PYTHONPATH": str(ROOT),
                "STRONGROOM_LOCAL_REGION": args.region,
                "STRONGROOM_LOCAL_ACCESS_KEY": MOTO_TEST_KEY,
                "STRONGROOM_LOCAL_SECRET_KEY": MOTO_TEST_SECRET,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        _wait_ready(endpoint, server) if server is not None else None
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            {
                "TEST_SERVER_MODE": "true",
                "TEST_SERVER_MODE_ENDPOINT": endpoint,
                "AWS_ACCESS_KEY_ID": MOTO_TEST_KEY,
                "AWS_SECRET_ACCESS_KEY": MOTO_TEST_SECRET,
                "AWS_DEFAULT_REGION": args.region,
            }
        )
        env.pop("PYTHONPATH", None)  # the tests import moto and boto3 only, never Strongroom
        paths = [str(Path(p).resolve()) for p in args.paths]
        first = Path(paths[0])
        rootdir = first if first.is_dir() else first.parent
        command = [sys.executable, "-m", "pytest", *paths, "-q", "-rf", "-p", "no:cacheprovider", "--tb=line"]
        done = subprocess.run([*command, f"--rootdir={rootdir}", *pytest_args], cwd=rootdir, env=env, check=False)
        return done.returncode
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
