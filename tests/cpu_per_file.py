"""Where the suite's CPU goes, file by file: `STRONGROOM_TEST_CPU=path pytest ...` appends one JSON line per test
file to `path` (each xdist worker its own lines): the file, its tests, CPU seconds (user + sys of the worker and
of the children it waited for: `aws`, `serve`, `app.py`, Chromium) and wall seconds, fixture setup and teardown
included, so a module's runtime start or synth counts in the file that pays it. Off unless the variable is set.

Why CPU and not pytest's --durations: on a shared, loaded machine wall time stretches with the load, while the
CPU a file needs does not; it is also what decides how long two workers take on two cores."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

_TICK = os.sysconf("SC_CLK_TCK")


def _live_descendants_cpu() -> float:
    """CPU of the children still running (jsii's node process lives as long as the worker; a `serve` as long as
    its module): os.times() counts a child only once it has been waited for. Each one's own waited-for children
    (cutime, cstime) are included, as os.times() includes them for this process."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            ticks[pid] = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    mine, total = {os.getpid()}, 0
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                total += ticks[pid]
                grew = True
    return total / _TICK


def _cpu() -> float:
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system + _live_descendants_cpu()


@dataclass(eq=False)  # a plugin object: pluggy keeps it in a set
class FileCosts:
    path: str
    worker: str
    costs: dict[str, list[float]] = field(default_factory=dict)  # file -> [tests, cpu, wall]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        cpu, wall = _cpu(), time.monotonic()
        yield
        tests_cpu_wall = self.costs.setdefault(item.location[0], [0, 0.0, 0.0])
        tests_cpu_wall[0] += 1
        tests_cpu_wall[1] += _cpu() - cpu
        tests_cpu_wall[2] += time.monotonic() - wall

    def pytest_sessionfinish(self) -> None:
        with open(self.path, "a", encoding="utf-8") as out:
            for file, (tests, cpu, wall) in self.costs.items():
                line = {
                    "file": file,
                    "worker": self.worker,
                    "tests": tests,
                    "cpu": round(cpu, 2),
                    "wall": round(wall, 2),
                }
                out.write(json.dumps(line) + "\n")


def install(config: pytest.Config) -> None:
    path = os.environ.get("STRONGROOM_TEST_CPU")
    if path:
        config.pluginmanager.register(FileCosts(path, os.environ.get("PYTEST_XDIST_WORKER", "main")), "cpu-per-file")
