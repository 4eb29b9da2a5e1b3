"""The API load benchmark's in-process part (benchmarks/api_load.py): the mix run on a runtime started in the
benchmark's own process, with the benchmark's client routed in process too (local/in_process.py), so that all of
an API call's work runs in the calling thread, where it can be counted without the machine's load in the way:

- the emulated AWS calls Strongroom makes per API call (heard by its clients' listeners, lambdas/common/aws.py);
- the Python function calls per API call (cProfile's count: the same on any machine, whatever its load);
- the CPU time per API call of the calling thread (the best of a few rounds: other jobs on the cores only add).

The last two are measured twice, back to back in the same process and state: with the local runtime's in-process
DynamoDB paths (the edge's shortcut to moto's handler and the before-call answer) and with the plain in-process
route to the edge's WSGI app, as before them. No scheduler ticks run meanwhile, so every call heard is the API's.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

ROUNDS = 3


@dataclass(frozen=True)
class Operation:
    aws_calls: dict[str, float]  # service.Operation -> calls per API call
    function_calls: dict[str, float]  # paths (fast, plain) -> Python function calls per API call
    cpu_ms: dict[str, float]  # paths -> CPU ms per API call of the calling thread


def _per_call(call: Callable[[int], Any], repeats: int) -> tuple[float, float]:
    """(Python function calls, best CPU ms of ROUNDS) per API call."""
    profile = cProfile.Profile()
    profile.enable()
    for n in range(repeats):
        call(n)
    profile.disable()
    functions = pstats.Stats(profile, stream=io.StringIO()).total_calls / repeats  # type: ignore[attr-defined]
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.thread_time()
        for n in range(repeats):
            call(n)
        best = min(best, (time.thread_time() - started) * 1000 / repeats)
    return functions, best


def measure(
    operations: Callable[[Any, Any], list[tuple[str, Callable[[int], Any]]]],
    seed: Callable[..., Any],
    repeats: int = 20,
) -> dict[str, Operation]:
    from benchmarks.api_load import CLIENT_CONFIG, _session
    from lambdas.common import aws
    from local.in_process import caller, router
    from local.runtime import LocalRuntime, LocalSettings

    runtime = LocalRuntime(LocalSettings(quiet=True)).start()
    try:
        seeded = seed(runtime.endpoint, lambda: runtime.advance(timedelta(minutes=10)))
        edge = runtime._edge  # the benchmark routes its own client, and Strongroom's both ways, to the edge
        backup = _session().client("backup", endpoint_url=runtime.endpoint, config=CLIENT_CONFIG)
        backup.meta.events.register("before-send", router(edge, runtime.endpoint))
        paths = {
            "fast": (router(edge, runtime.endpoint, edge.shortcut), caller(edge.shortcut, runtime.endpoint)),
            "plain": (router(edge, runtime.endpoint), None),
        }
        measured: dict[str, Operation] = {}
        for name, call in operations(backup, seeded):
            call(0)  # first-call caches out of the way
            heard: Counter[str] = Counter()
            stop = aws.listen_to_calls(lambda service, action, *_, into=heard: into.update([f"{service}.{action}"]))
            try:
                for n in range(repeats):
                    call(n)
            finally:
                stop()
            functions, cpu = {}, {}
            for path, (sender, answer) in paths.items():
                aws.send_in_process(sender, answer)
                functions[path], cpu[path] = _per_call(call, repeats)
            aws.send_in_process(*paths["fast"])
            measured[name] = Operation({k: v / repeats for k, v in heard.items()}, functions, cpu)
        return measured
    finally:
        runtime.stop()


def report(measured: dict[str, Operation]) -> str:
    def mean(values: list[float]) -> float:
        return sum(values) / max(1, len(values))

    aws_calls = {name: sum(op.aws_calls.values()) for name, op in measured.items()}
    lines = [
        "in process (one thread, no HTTP, no ticks), per API call: emulated AWS calls; Python function calls and "
        "CPU ms with the in-process DynamoDB paths (and without them)",
        f"    mix: {mean(list(aws_calls.values())):.1f} AWS calls; "
        f"{mean([op.function_calls['fast'] for op in measured.values()]):,.0f} "
        f"({mean([op.function_calls['plain'] for op in measured.values()]):,.0f}) function calls; "
        f"{mean([op.cpu_ms['fast'] for op in measured.values()]):.1f} "
        f"({mean([op.cpu_ms['plain'] for op in measured.values()]):.1f}) ms CPU",
    ]
    for name, op in measured.items():
        detail = ", ".join(f"{key} {value:g}" for key, value in sorted(op.aws_calls.items())) or "none"
        lines.append(
            f"    {name}: {aws_calls[name]:g} AWS calls ({detail}); {op.function_calls['fast']:,.0f} "
            f"({op.function_calls['plain']:,.0f}) function calls; {op.cpu_ms['fast']:.1f} ({op.cpu_ms['plain']:.1f}) "
            "ms CPU"
        )
    return "\n".join(lines)
