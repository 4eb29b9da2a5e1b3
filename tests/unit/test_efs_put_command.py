"""`python -m local efs put FS_ID PATH` is the documented way to put files into an emulated EFS file system: it
copies them where the serving runtime keeps that file system's files (docs/emulation.md)."""

from __future__ import annotations

from pathlib import Path


def test_given_a_file_and_a_folder_when_put_then_they_are_in_the_file_systems_folder(tmp_path: Path) -> None:
    from local.__main__ import main

    # Given a file and a folder holding a file
    (tmp_path / "src" / "docs").mkdir(parents=True)
    (tmp_path / "src" / "a.txt").write_text("alpha")
    (tmp_path / "src" / "docs" / "b.txt").write_text("beta")
    root = tmp_path / "efs"

    # When both are put into /data of fs-123
    code = main(
        [
            "efs",
            "put",
            "fs-123",
            str(tmp_path / "src" / "a.txt"),
            str(tmp_path / "src" / "docs"),
            "--into",
            "/data",
            "--root",
            str(root),
        ]
    )

    # Then the file system's folder holds them under data/
    assert code == 0
    assert (root / "fs-123" / "data" / "a.txt").read_text() == "alpha"
    assert (root / "fs-123" / "data" / "docs" / "b.txt").read_text() == "beta"


def test_given_no_root_when_put_then_it_says_which_variable_to_set(tmp_path: Path, monkeypatch, capsys) -> None:
    from local.__main__ import main

    monkeypatch.delenv("STRONGROOM_LOCAL_EFS_DIR", raising=False)
    (tmp_path / "a.txt").write_text("x")

    assert main(["efs", "put", "fs-1", str(tmp_path / "a.txt")]) == 2
    assert "STRONGROOM_LOCAL_EFS_DIR" in capsys.readouterr().err
