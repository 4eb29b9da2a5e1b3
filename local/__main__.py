"""`python -m local demo` runs the narrated scenario; `python -m local serve --port 4566` keeps the local
runtime serving for the AWS CLI and boto3 until interrupted; `python -m local import --vault NAME` asks a
serving runtime to catalog the backups services made themselves (the ImportNativeBackups function, which AWS
Backup's API has no operation for) as recovery points in that vault."""

from __future__ import annotations

import argparse
import signal
import sys
import time


def serve(port: int, tick_seconds: float, state_dir: str | None = None) -> int:
    import logging

    from local.runtime import LocalRuntime, LocalSettings

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = LocalSettings.from_environment(port=port, follow_real_time=True, quiet=False, state_dir=state_dir)
    from local.emulator_state import StateUnreadable

    try:
        runtime = LocalRuntime(settings).start()
    except StateUnreadable as unreadable:
        print(f"Strongroom cannot start: {unreadable}", file=sys.stderr, flush=True)
        return 2
    d = runtime.deployment
    print(f"Strongroom local runtime serving at {runtime.endpoint}", flush=True)
    print(
        f"  credentials: access key {runtime.settings.access_key}, secret {runtime.settings.secret_key}, "
        f"account {d.account}, region {d.region}"
    )
    print(f"  try: aws --endpoint-url {runtime.endpoint} ec2 create-volume --availability-zone {d.region}a --size 8")
    print(f"  EFS files: {runtime.efs_root}/<file-system-id>/ (python -m local efs put FS_ID FILE)")
    print(f"  virtual clock: curl -X POST {runtime.endpoint}/_strongroom/advance -d '{{\"days\": 1}}'")
    if state_dir:
        print(f"  state kept in {state_dir} across restarts")
    print("  Ctrl-C stops it.")
    # The line a script waits for (as GET /_strongroom/health answers 200): the Backup API answers from now on.
    print(f"Strongroom ready on {runtime.endpoint}", flush=True)
    from local.serving import Ticker

    ticker = Ticker(runtime.scheduler, tick_seconds)
    signal.signal(signal.SIGTERM, lambda *_: ticker.stop())
    try:
        ticker.run()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    return 0


def import_backups(endpoint: str, vault: str, resource_arns: list[str], resource_types: list[str]) -> int:
    """Invokes the ImportNativeBackups function of the runtime serving at `endpoint`, as
    `aws lambda invoke --function-name strongroom-ImportNativeBackups` would; prints what it cataloged."""
    import json

    import boto3
    from botocore.config import Config

    from infrastructure.constants import IMPORT_NATIVE_BACKUPS
    from local.runtime import LocalSettings

    settings = LocalSettings.from_environment()
    session = boto3.session.Session(
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
    )
    config = Config(read_timeout=IMPORT_NATIVE_BACKUPS.timeout_seconds, retries={"max_attempts": 1})
    client = session.client("lambda", endpoint_url=endpoint, config=config)
    payload: dict[str, object] = {"BackupVaultName": vault}
    if resource_arns:
        payload["ResourceArns"] = resource_arns
    if resource_types:
        payload["ResourceTypes"] = resource_types
    response = client.invoke(
        FunctionName=f"strongroom-{IMPORT_NATIVE_BACKUPS.key}",  # as local/bootstrap.py names functions
        Payload=json.dumps(payload).encode(),
    )
    result = json.loads(response["Payload"].read() or b"{}")
    print(json.dumps(result, indent=2))
    if response.get("FunctionError"):
        return 1
    return 1 if result.get("errors") else 0


def efs_put(file_system_id: str, sources: list[str], into: str, root: str | None) -> int:
    """Copies files into an emulated EFS file system: what a client that mounted it would write. The serving
    runtime keeps each file system's files in ROOT/<file-system-id>/, ROOT being STRONGROOM_LOCAL_EFS_DIR."""
    import os
    import shutil
    from pathlib import Path

    from local.runtime import EFS_DIR_VARIABLE

    base = root or os.environ.get(EFS_DIR_VARIABLE)
    if not base:
        print(f"set {EFS_DIR_VARIABLE} (the same for `serve`) or pass --root", file=sys.stderr)
        return 2
    target = Path(base) / file_system_id / into.lstrip("/")
    target.mkdir(parents=True, exist_ok=True)
    for source in map(Path, sources):
        if source.is_dir():
            shutil.copytree(source, target / source.name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target / source.name)
        print(f"{source} -> {target / source.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the narrated scenario on the local runtime")
    serving = commands.add_parser("serve", help="serve the local runtime until interrupted")
    serving.add_argument("--port", type=int, default=4566)
    serving.add_argument("--tick", type=float, default=2.0, help="seconds between scheduler ticks")
    serving.add_argument(
        "--state-dir", help="keep the state (vaults, plans, jobs, emulated resources) in this folder across restarts"
    )
    importing = commands.add_parser(
        "import", help="catalog the backups services made themselves as recovery points (needs a running serve)"
    )
    importing.add_argument("--vault", required=True, help="the backup vault to catalog them in")
    importing.add_argument(
        "--resource-arn", action="append", default=[], help="only this resource's backups (repeatable)"
    )
    importing.add_argument(
        "--resource-type", action="append", default=[], help="only resources of this type: EBS, DynamoDB, FSx..."
    )
    importing.add_argument("--port", type=int, default=4566, help="the port `serve` listens on")
    importing.add_argument("--endpoint-url", help="the serving runtime's endpoint (default http://127.0.0.1:PORT)")
    efs = commands.add_parser("efs", help="files of an emulated EFS file system")
    efs_commands = efs.add_subparsers(dest="efs_command", required=True)
    putting = efs_commands.add_parser("put", help="copy files or folders into a file system")
    putting.add_argument("file_system_id")
    putting.add_argument("paths", nargs="+")
    putting.add_argument("--into", default="/", help="the folder inside the file system (default its root)")
    putting.add_argument("--root", help="the runtime's EFS folder (default $STRONGROOM_LOCAL_EFS_DIR)")
    args = parser.parse_args(argv)
    if args.command == "efs":
        return efs_put(args.file_system_id, args.paths, args.into, args.root)
    if args.command == "import":
        endpoint = args.endpoint_url or f"http://127.0.0.1:{args.port}"
        return import_backups(endpoint, args.vault, args.resource_arn, args.resource_type)
    if args.command == "demo":
        from local.demo import run_demo

        started = time.perf_counter()
        code = run_demo()
        print(f"demo finished in {time.perf_counter() - started:.1f}s with exit code {code}")
        return code
    return serve(args.port, args.tick, args.state_dir)


if __name__ == "__main__":
    sys.exit(main())
