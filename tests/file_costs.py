"""How long each test file runs, so `make test`'s two workers get the longest files first and end together.

xdist (`--dist loadfile --no-loadscope-reorder`) hands out files in collection order, one to whichever worker is
nearly out of work: longest first is the classic longest-processing-time rule, which on two workers ends within
7/6 of the best possible split. The figures, in file_costs.json beside this file, are seconds per file from a
measured run: CPU seconds from tests/cpu_per_file.py (the whole suite at -n 2, docs/testing.md); only their ratios
matter. They only order the files, so a stale figure costs balance, never a test. A file the table does not know
yet (a new one) is given the median of its directory's, and one in a directory it has no figure for
(tests/browser: it errored in the measured run, esbuild missing) the longest known, so that it starts early: a long
file started last is what leaves one worker running alone.

Regenerate after a run with `STRONGROOM_TEST_CPU=/tmp/costs.jsonl`:
    python -m tests.file_costs /tmp/costs.jsonl > tests/file_costs.json
"""

from __future__ import annotations

import json
import statistics
import sys
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("file_costs.json")


@cache
def _table() -> dict[str, float]:
    return dict(json.loads(TABLE.read_text())) if TABLE.exists() else {}


@cache
def _median_of(directory: str) -> float:
    known = [seconds for file, seconds in _table().items() if file.startswith(directory)]
    return statistics.median(known) if known else max(_table().values(), default=0.0)


def expected_seconds(file: str) -> float:
    """The file's measured seconds, or the median of its directory's files (tests/e2e/, tests/unit/...), or the
    longest known where its directory has none."""
    known = _table().get(file)
    return known if known is not None else _median_of(file.rsplit("/", 1)[0] + "/")


def table_from(runs: list[str]) -> dict[str, float]:
    """CPU seconds per file out of STRONGROOM_TEST_CPU files (a file measured in several runs: the last one)."""
    seconds: dict[str, float] = {}
    for run in runs:
        for line in Path(run).read_text().splitlines():
            row = json.loads(line)
            seconds[row["file"]] = row["cpu"]
    return dict(sorted(seconds.items()))


if __name__ == "__main__":
    print(json.dumps(table_from(sys.argv[1:]), indent=1))
