"""What reset and `serve --state-dir` rest on: moto's model objects survive the snapshot's pickling (locks,
weak-value caches, `defaultdict(lambda: {})`, private keys), and the state file is replaced atomically."""

from __future__ import annotations

import os
import pickle
import threading
import weakref
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.emulator_state import StateUnreadable, dumps, restore
from local.state_dir import StateDir


class Function:
    def __init__(self, name: str) -> None:
        self.name = name


class BackendLike:
    """The shapes moto's backends hold that plain pickle refuses."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.plain_lock = threading.Lock()
        self.functions = {"f": Function("f")}
        self.by_arn: weakref.WeakValueDictionary[str, Function] = weakref.WeakValueDictionary(
            {"arn:f": self.functions["f"]}
        )
        self.aliases: defaultdict[str, dict[str, str]] = defaultdict(lambda: {})
        self.aliases["f"]["live"] = "1"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=1024)


def test_given_moto_like_state_then_it_round_trips_through_the_snapshot_pickler() -> None:
    original = BackendLike()
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        pickle.dumps(original)  # what plain pickle says to a moto backend
    copy: Any = pickle.loads(dumps(original))
    # The weak cache still points at the very function object the backend holds
    assert copy.by_arn["arn:f"] is copy.functions["f"]
    # A defaultdict keeps its contents and still makes empty dicts
    assert copy.aliases["f"] == {"live": "1"} and copy.aliases["new"] == {}
    # Locks are new and usable; the private key is the same key
    with copy.lock, copy.plain_lock:
        pass
    assert copy.key.private_numbers() == original.key.private_numbers()


def test_given_a_write_that_fails_midway_then_the_previous_state_stays_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = StateDir(tmp_path)
    state.save(b"first state")

    def crash(_fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk gone"):
        state.save(b"second state, never whole")
    # Then the file holds the previous snapshot, and no temporary file is left behind
    assert state.load() == b"first state"
    assert [p.name for p in tmp_path.iterdir()] == ["state.pickle"]


def test_given_no_state_yet_then_load_finds_none(tmp_path: Path) -> None:
    assert StateDir(tmp_path / "new").load() is None


@pytest.mark.parametrize(
    "written",
    [
        pickle.dumps({"saved": "before state files were stamped"}),
        b"strongroom-state/1 moto/4.0.0\n" + pickle.dumps({"saved": "by an older format"}),
    ],
    ids=["unstamped", "older-stamp"],
)
def test_given_a_state_another_version_wrote_then_load_refuses_saying_so_and_leaves_it_untouched(
    tmp_path: Path, written: bytes
) -> None:
    # Given a state file this version did not write (moto's classes or the stand-ins may have moved since)
    (tmp_path / "state.pickle").write_bytes(written)
    # When the runtime reads it
    with pytest.raises(StateUnreadable, match="another version of Strongroom or moto") as refused:
        StateDir(tmp_path).load()
    # Then the message says how to start afresh, and the user's file is exactly as it was
    assert "--state-dir" in str(refused.value)
    assert (tmp_path / "state.pickle").read_bytes() == written


def test_given_a_stamped_state_whose_classes_moved_then_restore_refuses_before_changing_anything() -> None:
    # Given bytes that unpickle into a module that no longer exists
    moved = pickle.dumps(Function("f")).replace(b"test_state_snapshot", b"test_state_gone_now")
    # When restore reads them, then it refuses with StateUnreadable (before touching any backend)
    with pytest.raises(StateUnreadable, match=r"cannot be loaded.*nothing was changed"):
        restore(object(), moved, replay_missed=True)


def test_given_a_locked_snapshot_and_fsx_records_then_reset_and_restart_put_back_exactly_those() -> None:
    """The fakes' module-level state (EBS snapshot locks, FSx stand-in records) goes with the snapshot: without it a
    restart would forget every lock (a compliance-locked snapshot deletable) and a reset would keep stale ones."""
    from datetime import UTC, datetime, timedelta

    from local import snapshot_locks
    from local.emulator_state import _module_state, _restore_module_state
    from local.fakes.fsx import models as fsx_gaps

    locked_at = datetime(2026, 5, 1, tzinfo=UTC)
    lock = snapshot_locks.SnapshotLock("compliance", locked_at, locked_at + timedelta(days=30), 30, None)
    before = _module_state()  # what earlier tests in this process left: put back afterwards
    _restore_module_state({})
    try:
        # Given one locked snapshot and one FSx request token, as state is taken
        snapshot_locks.LOCKS["snap-kept"] = lock
        fsx_gaps._emulated_tokens["token"] = "fs-1"
        taken = pickle.loads(pickle.dumps(_module_state()))
        # When more state comes and goes, then the taken state is put back
        snapshot_locks.LOCKS["snap-later"] = lock
        fsx_gaps._emulated_tokens.clear()
        _restore_module_state(taken)
        # Then exactly the taken state is live again
        assert set(snapshot_locks.LOCKS) == {"snap-kept"}
        assert snapshot_locks.LOCKS["snap-kept"].mode == "compliance"
        assert fsx_gaps._emulated_tokens == {"token": "fs-1"}
    finally:
        _restore_module_state(before)


def test_given_a_bucket_made_after_the_state_was_taken_then_its_name_is_free_after_the_state_is_put_back() -> None:
    """moto keeps S3's global bucket namespace beside its backends: a reset that put back the backends alone left
    the name taken, and CreateBucket of it failed after `POST /_strongroom/reset`."""
    from moto.s3.models import s3_backends

    from local.emulator_state import _module_state, _restore_module_state

    before = _module_state()
    try:
        # Given the state taken with no bucket named "photos"
        s3_backends.bucket_accounts.pop("photos", None)
        taken = pickle.loads(pickle.dumps(_module_state()))
        # When a bucket of that name is made, and the state is put back
        s3_backends.bucket_accounts["photos"] = ("aws", "123456789012")
        _restore_module_state(taken)
        # Then the name is free again
        assert "photos" not in s3_backends.bucket_accounts
    finally:
        _restore_module_state(before)
