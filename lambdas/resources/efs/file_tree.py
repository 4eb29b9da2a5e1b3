"""The file access an EFS mover needs (walk, read, write under a root), so the copying is plain code over a
directory: an EFS mount in the mover Lambda, a local directory on the local runtime and in tests."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal, Protocol

EntryKind = Literal["file", "dir", "symlink"]


class FileTreeUnavailable(Exception):
    """The tree's root is not there (a mount that is missing): retrying will not help."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the root, "/"-separated, never absolute, never ".."
    kind: EntryKind
    size: int = 0
    mode: int = 0o644
    mtime: float = 0.0
    target: str | None = None  # a symlink's target, stored as is


class FileTree(Protocol):
    def walk(self) -> Iterator[FileEntry]:
        """Every directory, regular file and symlink under the root, parents before children, in a stable
        order. Symlinks are not followed; sockets, FIFOs and devices are skipped."""

    def open_read(self, path: str) -> BinaryIO:
        """FileNotFoundError if the file is gone."""

    def write_file(self, path: str, source: BinaryIO, mode: int, mtime: float) -> None:
        """Creates parent directories; replaces the file atomically."""

    def make_dir(self, path: str) -> None: ...

    def make_symlink(self, path: str, target: str) -> None: ...

    def set_attributes(self, path: str, mode: int, mtime: float) -> None: ...


def safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or ".." in relative.parts or str(relative) == ".":
        raise ValueError(f"{path!r} is not a path inside the file tree")
    return relative


class LocalDirectoryTree:
    """A directory on this machine: an EFS mount in the mover Lambda, a temporary directory in tests."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _at(self, path: str) -> Path:
        return self.root.joinpath(*safe_relative(path).parts)

    def walk(self) -> Iterator[FileEntry]:
        if not self.root.is_dir():
            raise FileTreeUnavailable(f"{self.root} is not a directory (is the file system mounted?)")
        yield from self._walk(self.root, "")

    def _walk(self, directory: Path, relative: str) -> Iterator[FileEntry]:
        with os.scandir(directory) as scan:
            children = sorted(scan, key=lambda entry: entry.name)
        for child in children:
            path = f"{relative}{child.name}"
            info = child.stat(follow_symlinks=False)
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                yield FileEntry(path, "symlink", 0, mode, info.st_mtime, os.readlink(child.path))
            elif stat.S_ISDIR(info.st_mode):
                yield FileEntry(path, "dir", 0, mode, info.st_mtime)
                yield from self._walk(Path(child.path), f"{path}/")
            elif stat.S_ISREG(info.st_mode):
                yield FileEntry(path, "file", info.st_size, mode, info.st_mtime)

    def open_read(self, path: str) -> BinaryIO:
        return self._at(path).open("rb")

    def write_file(self, path: str, source: BinaryIO, mode: int, mtime: float) -> None:
        target = self._at(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.strongroom-partial")
        with partial.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        os.replace(partial, target)
        self.set_attributes(path, mode, mtime)

    def make_dir(self, path: str) -> None:
        self._at(path).mkdir(parents=True, exist_ok=True)

    def make_symlink(self, path: str, target: str) -> None:
        link = self._at(path)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)

    def set_attributes(self, path: str, mode: int, mtime: float) -> None:
        at = self._at(path)
        os.chmod(at, stat.S_IMODE(mode))
        os.utime(at, (mtime, mtime))
