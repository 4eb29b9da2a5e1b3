"""The order `make test` hands files to its workers in: measured files by their seconds, new files by their
directory's median (tests/file_costs.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import file_costs


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "file_costs.json"
    monkeypatch.setattr(file_costs, "TABLE", path)
    file_costs._table.cache_clear()
    file_costs._median_of.cache_clear()
    yield path
    file_costs._table.cache_clear()
    file_costs._median_of.cache_clear()


def test_a_measured_file_gets_its_seconds_and_a_new_one_its_directorys_median(table: Path) -> None:
    # Given three e2e files and one unit file measured
    seconds = {"tests/e2e/test_a.py": 90.0, "tests/e2e/test_b.py": 10.0, "tests/e2e/test_c.py": 30.0}
    table.write_text(json.dumps({**seconds, "tests/unit/test_d.py": 1.5}))
    # Then each measured file is expected to take its own seconds
    assert file_costs.expected_seconds("tests/e2e/test_a.py") == 90.0
    # And a new e2e file what the middle e2e file took, so it is handed out before the unit files, not after
    assert file_costs.expected_seconds("tests/e2e/test_new.py") == 30.0
    assert file_costs.expected_seconds("tests/unit/test_new.py") == 1.5
    # And a file in a directory never measured is taken for the longest, so it starts first, never alone at the end
    assert file_costs.expected_seconds("tests/elsewhere/test_new.py") == 90.0


def test_the_table_is_made_from_measured_runs_the_latest_figure_winning(tmp_path: Path) -> None:
    # Given two runs of STRONGROOM_TEST_CPU lines, the second measuring one file again
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(
        '{"file": "tests/unit/test_x.py", "worker": "gw0", "tests": 3, "cpu": 2.5, "wall": 9.0}\n'
        '{"file": "tests/e2e/test_y.py", "worker": "gw1", "tests": 1, "cpu": 40.0, "wall": 99.0}\n'
    )
    second.write_text('{"file": "tests/unit/test_x.py", "worker": "gw1", "tests": 3, "cpu": 3.0, "wall": 8.0}\n')
    # When the table is made from both
    # Then it holds each file's CPU seconds, the later run's where both measured it
    assert file_costs.table_from([str(first), str(second)]) == {
        "tests/e2e/test_y.py": 40.0,
        "tests/unit/test_x.py": 3.0,
    }
