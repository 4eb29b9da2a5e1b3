"""`python -m local demo` runs the narrated scenario; `python -m local serve --port 4566` keeps the local
runtime serving for the AWS CLI and boto3 until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time


def serve(port: int, tick_seconds: float) -> int:
    from local.runtime import LocalRuntime, LocalSettings

    runtime = LocalRuntime(LocalSettings.from_environment(port=port, follow_real_time=True, quiet=False)).start()
    d = runtime.deployment
    print(f"Strongroom local runtime serving at {runtime.endpoint}", flush=True)
    print(
        f"  credentials: access key {runtime.settings.access_key}, secret {runtime.settings.secret_key}, "
        f"account {d.account}, region {d.region}"
    )
    print(f"  try: aws --endpoint-url {runtime.endpoint} ec2 create-volume --availability-zone {d.region}a --size 8")
    print(f"  virtual clock: curl -X POST {runtime.endpoint}/_strongroom/advance -d '{{\"days\": 1}}'")
    print("  Ctrl-C stops it.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            runtime.scheduler.tick()
            stop.wait(tick_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the narrated scenario on the local runtime")
    serving = commands.add_parser("serve", help="serve the local runtime until interrupted")
    serving.add_argument("--port", type=int, default=4566)
    serving.add_argument("--tick", type=float, default=2.0, help="seconds between scheduler ticks")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from local.demo import run_demo

        started = time.perf_counter()
        code = run_demo()
        print(f"demo finished in {time.perf_counter() - started:.1f}s with exit code {code}")
        return code
    return serve(args.port, args.tick)


if __name__ == "__main__":
    sys.exit(main())
