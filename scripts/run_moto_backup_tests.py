"""Runs moto's own AWS Backup tests (tests/test_backup in moto's repository, which you check out yourself;
this script fetches nothing) against one Strongroom local runtime, as a test suite built on it would.

    python scripts/run_moto_backup_tests.py PATH... [--region eu-west-1] [--endpoint URL] [-- PYTEST ARGS]

moto's TEST_SERVER_MODE points every boto3 client its tests make at the endpoint and, before each test,
POSTs /moto-api/reset, which the local runtime answers with its own reset (every service back to the state
right after bootstrap, Strongroom's catalog included). The tests' assertions run unchanged.

Without --endpoint it starts `python -m local serve` in --region (moto's backup tests sign for eu-west-1;
its report plan tests for us-east-1: the runtime refuses a signature scoped to another Region, as API
Gateway does, so run those files with their Region), waits until GET /_strongroom/health answers 200, runs
pytest on PATH..., stops the runtime and prints a summary: passed, failed and skipped, each failure either
listed in MOTO_ONLY (the test relies on what moto does and AWS does not, with the evidence) or unexpected.
Exits 0 when every failure is an expected one, 1 otherwise."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# mock_aws puts these in the environment while a test runs, so its clients sign with them: the runtime must know
# them (STRONGROOM_LOCAL_ACCESS_KEY / _SECRET_KEY for a runtime you serve yourself).
MOTO_TEST_KEY, MOTO_TEST_SECRET = "FOOBARKEY", "FOOBARSECRET"

# What AWS documents: a plan's rule targets a vault that exists. moto accepts any name; Strongroom refuses an
# unknown one with InvalidParameterValueException, as the rule could never store a backup.
_VAULT_MUST_EXIST = (
    "its plan's rule targets a backup vault that does not exist, which moto accepts; AWS: \"You must create at "
    'least one vault before creating a backup plan or starting a backup job." '
    "(https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html)"
)
# Tests of moto's that fail against Strongroom because they rely on moto-only behaviour (docs/api.md).
MOTO_ONLY: dict[str, str] = {
    f"test_backup.py::{name}": _VAULT_MUST_EXIST
    for name in (
        "test_create_backup_plan_already_exists",
        "test_get_backup_plan_invalid_version_id",
        "test_get_backup_plan_with_multiple_rules",
        "test_list_backup_plans",
        "test_list_backup_plans_without_include_deleted",
        "test_list_backup_plans_with_include_deleted",
    )
}
# Tests of what Strongroom does not implement yet.
NOT_IMPLEMENTED: dict[str, str] = {
    f"test_backup_report_plans.py::{name}": "report plans (AWS Backup Audit Manager) are not implemented"
    for name in (
        "test_create_report_plan",
        "test_list_report_plans",
        "test_delete_report_plan",
    )
}


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


def outcomes(junit_xml: Path) -> dict[str, str]:
    """file.py::test -> passed, failed or skipped, from pytest's JUnit XML report."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}.py::{case.get('name')}"
        kinds = {child.tag for child in case}
        found[name] = "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
    return found


def summary(results: dict[str, str]) -> tuple[list[str], bool]:
    """The lines to print, and whether every failure was an expected one."""
    counts = {kind: sum(1 for r in results.values() if r == kind) for kind in ("passed", "failed", "skipped")}
    lines = [f"moto's AWS Backup tests against Strongroom: {', '.join(f'{n} {k}' for k, n in counts.items())}"]
    failed = sorted(name for name, result in results.items() if result == "failed")
    for title, known in (("rely on moto-only behaviour", MOTO_ONLY), ("test what is not implemented", NOT_IMPLEMENTED)):
        by_reason: dict[str, list[str]] = {}
        for name in (n for n in failed if n in known):
            by_reason.setdefault(known[name], []).append(name)
        for reason, names in by_reason.items():
            lines += [f"  {len(names)} expected failures {title}: {reason}", *(f"    {name}" for name in names)]
    unexpected = [name for name in failed if name not in MOTO_ONLY and name not in NOT_IMPLEMENTED]
    lines += [f"  UNEXPECTED failure: {name}" for name in unexpected]
    now_pass = sorted(n for n, r in results.items() if r == "passed" and (n in MOTO_ONLY or n in NOT_IMPLEMENTED))
    lines += [f"  listed as expected to fail but passed (update the lists): {name}" for name in now_pass]
    return lines, not unexpected


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
        with tempfile.TemporaryDirectory() as scratch:
            junit = Path(scratch) / "results.xml"
            command = [sys.executable, "-m", "pytest", *paths, "-q", "-rf", "-p", "no:cacheprovider", "--tb=line"]
            command += [f"--rootdir={rootdir}", f"--junitxml={junit}", *pytest_args]
            subprocess.run(command, cwd=rootdir, env=env, check=False)
            if not junit.exists():
                print("pytest wrote no results", file=sys.stderr)
                return 1
            lines, as_expected = summary(outcomes(junit))
        print("\n".join(lines))
        return 0 if as_expected else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
