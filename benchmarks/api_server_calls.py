"""The API load benchmark's third part (benchmarks/api_load.py): the Python function calls the serving side makes
per Backup API call over HTTP, HTTP server included, with the client in another process. Like the in-process
figures, a count that the machine's load does not move (CPU times on a shared 2-core machine swing by a factor of
two from run to run), but of the whole path a user's SDK meets: accepting the connection's requests, the edge,
SigV4, the API handler and the emulated DynamoDB calls.

Counted with `threading.setprofile` in the threads started once counting begins, which are the server's threads
for the client's connections (the runtime's accepting thread, started before, is not counted)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

_CLIENT = """
import json, sys
from benchmarks.api_load import CLIENT_CONFIG, Seeded, _session, operations
seeded = Seeded(**json.loads(sys.argv[2]))
backup = _session().client("backup", endpoint_url=sys.argv[1], config=CLIENT_CONFIG)
mix = operations(backup, seeded)
for n in range(int(sys.argv[3])):
    for _, call in mix:
        call(n)
"""


def _run_client(endpoint: str, seeded: Any, rounds: int) -> int:
    """Runs the mix `rounds` times from a client process; returns the number of API calls made."""
    arguments = json.dumps({"vaults": seeded.vaults, "plan_ids": seeded.plan_ids, "points": seeded.points})
    subprocess.run([sys.executable, "-c", _CLIENT, endpoint, arguments, str(rounds)], check=True)
    return rounds * 5


def measure(seed: Any, rounds: int = 40) -> float:
    """Python function calls in the serving process per API call of the mix, over HTTP."""
    from local.runtime import LocalRuntime, LocalSettings

    runtime = LocalRuntime(LocalSettings(quiet=True)).start()
    try:
        seeded = seed(runtime.endpoint, lambda: runtime.advance(timedelta(minutes=10)))
        _run_client(runtime.endpoint, seeded, 2)  # first-call caches out of the way
        calls = [0]

        def count(_frame: Any, event: str, _arg: Any) -> None:
            if event == "call":
                calls[0] += 1

        threading.setprofile(count)
        try:
            made = _run_client(runtime.endpoint, seeded, rounds)
        finally:
            threading.setprofile(None)
        return calls[0] / made
    finally:
        runtime.stop()


def report(per_call: float) -> str:
    return f"over HTTP, serving side: {per_call:,.0f} Python function calls per API call of the mix"
