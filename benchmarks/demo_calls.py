"""Demo benchmark: the emulated AWS calls each scheduled function makes per firing, over `make demo`'s run.

Runs the demo (`local/demo.py`, all its checks) with every call of Strongroom's clients counted by the function
whose invocation made it (DynamoDB, EC2, EventBridge...), then prints, per function: its invocations, the calls
per invocation (and the busiest operations), and the CPU time per invocation. Calls are deterministic (they do
not depend on the machine); CPU time is printed with the load average at the start and the end, as the machine
may be shared. The run's total CPU (user + sys of this process) and wall time close the report.

Run: `.venv/bin/python -m benchmarks.demo_calls [--days 40]`.
"""

from __future__ import annotations

import argparse
import io
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

DAYS = 40


def _load() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


class CallsByFunction:
    """Counts calls by the Lambda function running in the calling thread ("(runtime)" outside any)."""

    def __init__(self) -> None:
        self._running = threading.local()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.invocations: Counter[str] = Counter()
        self.cpu: dict[str, float] = {}

    def heard(self, service: str, operation: str, _elapsed: float, _units: int) -> None:
        self.calls[(getattr(self._running, "name", "(runtime)"), f"{service}.{operation}")] += 1

    def wrap(self, invoke: Callable[..., tuple[str, bool]]) -> Callable[..., tuple[str, bool]]:
        def counted(handler: str, function_name: str, *args: Any, **kwargs: Any) -> tuple[str, bool]:
            outer = getattr(self._running, "name", None)
            self._running.name = function_name
            started = time.thread_time()
            try:
                return invoke(handler, function_name, *args, **kwargs)
            finally:
                if outer is None:  # a nested invoke's CPU is its caller's too: count it once
                    self.cpu[function_name] = self.cpu.get(function_name, 0.0) + time.thread_time() - started
                self.invocations[function_name] += 1
                self._running.name = outer

        return counted

    def report(self) -> str:
        header = f"{'function':32} {'invocations':>11} {'calls/inv':>9} {'CPU ms/inv':>10}"
        lines = [f"{header}  busiest calls per invocation"]
        for name, count in sorted(self.invocations.items(), key=lambda item: -item[1]):
            mine = {op: n for (fn, op), n in self.calls.items() if fn == name}
            busiest = ", ".join(f"{op} {n / count:.2f}" for op, n in Counter(mine).most_common(4))
            total = sum(mine.values())
            cpu_ms = 1000 * self.cpu.get(name, 0.0) / count
            lines.append(f"{name:32} {count:11d} {total / count:9.2f} {cpu_ms:10.2f}  {busiest}")
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()

    import local.emulator_gaps as emulator_gaps
    from lambdas.common import aws
    from local.demo import run_demo

    counter = CallsByFunction()
    emulator_gaps.invoke_in_process = counter.wrap(emulator_gaps.invoke_in_process)
    stop = aws.listen_to_calls(counter.heard)
    load_before, cpu_before, wall_before = _load(), os.times(), time.perf_counter()
    narration = io.StringIO()
    try:
        code = run_demo(out=narration, days=args.days)
    finally:
        stop()
    wall = time.perf_counter() - wall_before
    cpu = os.times()
    print(counter.report())
    scheduled = sum(n for name, n in counter.invocations.items() if not name.endswith("-Api"))
    print(f"invocations: {sum(counter.invocations.values())} ({scheduled} not through the API)")
    print(
        f"demo of {args.days} days: exit {code}; CPU user {cpu.user - cpu_before.user:.1f} s + "
        f"sys {cpu.system - cpu_before.system:.1f} s; wall {wall:.1f} s; load average {load_before} -> {_load()}"
    )
    if code:
        print(narration.getvalue())


if __name__ == "__main__":
    main()
