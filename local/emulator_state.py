"""The whole state of a local runtime as bytes, and back: what `POST /_strongroom/reset` returns to and what
`serve --state-dir` writes and reads.

It holds every moto backend in use (every emulated service, Strongroom's catalog table included), the
Storage Gateway stand-in's gateways and volumes, the files of emulated EFS file systems, the deployment
(the ARNs and environment the bootstrap made), the virtual clock and how far the scheduler has fired.

Restoring swaps each live moto backend's state in place (its __dict__), rather than replacing the backend
objects, so that anything holding a backend keeps seeing the current state; a backend the snapshot does not
have (a service first used after it was taken) is dropped, as moto's own reset does, and made anew on use.

moto's models are plain objects, with a few exceptions a pickler must be told about: locks (made anew),
weak-value caches (kept as strong references within the same pickle, made weak again), and private keys
(KMS keys and certificates, as PEM)."""

from __future__ import annotations

import importlib
import io
import pickle
import shutil
import sys
import threading
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

_LOCKS = (type(threading.Lock()), type(threading.RLock()))
_PRIVATE_KEYS = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    dsa.DSAPrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
    x25519.X25519PrivateKey,
    x448.X448PrivateKey,
)


def _new_lock(reentrant: bool) -> Any:
    return threading.RLock() if reentrant else threading.Lock()


def _weak_values(items: dict[Any, Any]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(items)


def _private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _defaultdict(factory: Any, items: dict[Any, Any]) -> defaultdict[Any, Any]:
    return defaultdict(factory, items)


def _plain_factory(factory: Any) -> Any:
    """A defaultdict's factory written as a lambda (`lambda: {}`) cannot be pickled; the type it makes can."""
    sample = factory()
    made = type(sample)
    if made in (dict, list, set, int, float, str) and sample == made():
        return made
    raise TypeError(f"cannot keep a defaultdict whose factory makes {sample!r}")


def _condition() -> threading.Condition:
    return threading.Condition()


def _event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCKS):
            return _new_lock, (isinstance(obj, _LOCKS[1]),)
        if isinstance(obj, threading.Condition):
            return _condition, ()
        if isinstance(obj, threading.Event):
            return _event, (obj.is_set(),)
        if isinstance(obj, defaultdict) and getattr(obj.default_factory, "__name__", "") == "<lambda>":
            return _defaultdict, (_plain_factory(obj.default_factory), dict(obj))
        if isinstance(obj, weakref.WeakValueDictionary):
            return _weak_values, (dict(obj.items()),)
        if isinstance(obj, _PRIVATE_KEYS):
            pem = obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return _private_key, (pem,)
        return NotImplemented


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _dict_address(backend_dict: Any) -> tuple[str, str]:
    """Where a moto BackendDict lives (module, attribute), so another process can find it again."""
    home = sys.modules.get(backend_dict.backend.__module__)
    candidates = [home] if home is not None else []
    candidates += [m for name, m in list(sys.modules.items()) if name.startswith("moto.") and m is not home]
    for module in candidates:
        for attribute, value in list(vars(module).items()):
            if value is backend_dict:
                return module.__name__, attribute
    raise LookupError(f"cannot find where moto keeps the {backend_dict.service_name} backends")


def _live_dict(address: tuple[str, str]) -> Any:
    module, attribute = address
    return getattr(importlib.import_module(module), attribute)


class StateUnreadable(Exception):
    """A saved state this runtime cannot load; the message says why and what to do."""


@dataclass
class Snapshot:
    """A runtime's state; `moto` maps a BackendDict's address to {account: {region: backend}}."""

    moto: dict[tuple[str, str], dict[str, dict[str, Any]]]
    gateways: dict[tuple[str, str], Any]
    efs_files: dict[str, bytes]
    deployment: Any
    clock_now: datetime
    real_time: float  # time.time() when taken: a clock following real time goes on from here
    scheduler_last: datetime | None
    # The fakes' own module-level state (snapshot locks, FSx stand-in records), by "module:attribute".
    module_state: dict[str, dict[Any, Any]] = field(default_factory=dict)


def _dicts_in_use() -> list[Any]:
    from moto.core.base_backend import BackendDict

    return list(BackendDict._instances)  # type: ignore[misc]  # moto's registry of the dicts in use


def _moto_backends() -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    taken: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for backend_dict in _dicts_in_use():
        regions = {account: dict(dict.items(per_account)) for account, per_account in dict.items(backend_dict)}
        taken[_dict_address(backend_dict)] = regions
    return taken


# State the fakes keep in module dicts, outside moto's backends: taken and put back with them.
MODULE_STATE = (
    "local.snapshot_locks:LOCKS",
    "local.fakes.fsx.models:_emulated_sources",
    "local.fakes.fsx.models:_emulated_tokens",
    "local.fakes.fsx.models:_emulated_copies",
    "local.fakes.fsx.models:_emulated_copy_tokens",
    # S3's one namespace of bucket names across accounts: kept beside the backends, not in them. Without it a
    # reset forgets the buckets but not their names, and CreateBucket of a name used before the reset fails.
    "moto.s3.models:s3_backends.bucket_accounts",
)


def _module_dict(name: str) -> dict[Any, Any]:
    module, _, path = name.partition(":")
    found: Any = importlib.import_module(module)
    for attribute in path.split("."):
        found = getattr(found, attribute)
    assert isinstance(found, dict), name
    return found


def _module_state() -> dict[str, dict[Any, Any]]:
    return {name: dict(_module_dict(name)) for name in MODULE_STATE}


def _restore_module_state(saved: dict[str, dict[Any, Any]]) -> None:
    for name in MODULE_STATE:
        live = _module_dict(name)
        live.clear()
        live.update(saved.get(name, {}))


def _efs_files(root: Path | None) -> dict[str, bytes]:
    if root is None or not root.exists():
        return {}
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def capture(runtime: Any) -> bytes:
    """The runtime's state as bytes. Taken under the emulator's lock and the scheduler's, so no firing is half
    in it; a request being served at that moment may be (take it between requests where that matters)."""
    from moto.core.base_backend import backend_lock

    from local.fakes.storagegateway.models import _backends, _backends_lock

    scheduler_lock = runtime.scheduler._lock if runtime.scheduler is not None else threading.Lock()
    with scheduler_lock, backend_lock, _backends_lock:
        for attempt in range(5):
            try:
                snapshot = Snapshot(
                    moto=_moto_backends(),
                    gateways=dict(_backends),
                    # A folder the user chose (STRONGROOM_LOCAL_EFS_DIR) is theirs: kept by them, never rewritten.
                    efs_files=_efs_files(runtime._efs_root) if runtime._efs_owned else {},
                    deployment=runtime.deployment,
                    clock_now=runtime.clock.now(),
                    real_time=time.time(),
                    scheduler_last=runtime.scheduler._last if runtime.scheduler is not None else None,
                    module_state=_module_state(),
                )
                return dumps(snapshot)
            except RuntimeError:  # a request changed a dict while it was read: read it again
                if attempt == 4:
                    raise
    raise AssertionError("unreachable")


def restore(runtime: Any, data: bytes, *, replay_missed: bool) -> None:
    """Puts the runtime back in the state `data` holds. `replay_missed`: the scheduler fires what came due
    since the snapshot was taken (a restart), or starts from now (a reset)."""
    from moto.core.base_backend import backend_lock

    from local.fakes.storagegateway.models import _backends, _backends_lock

    try:
        snapshot: Snapshot = pickle.loads(data)  # the runtime's own snapshot, from its own state dir: trusted
    except Exception as error:  # whatever the unpickler meets, nothing has been changed yet
        raise StateUnreadable(f"the saved state cannot be loaded ({error!r}); nothing was changed") from error
    scheduler_lock = runtime.scheduler._lock if runtime.scheduler is not None else threading.Lock()
    with scheduler_lock, backend_lock:
        wanted = {address: _live_dict(address) for address in snapshot.moto}
        live_dicts = {id(d): d for d in [*_dicts_in_use(), *wanted.values()]}
        for backend_dict in live_dicts.values():
            saved = snapshot.moto.get(_dict_address(backend_dict), {})
            for account, per_account in list(dict.items(backend_dict)):
                for region, backend in list(dict.items(per_account)):
                    if region in saved.get(account, {}):
                        backend.__dict__ = saved[account].pop(region).__dict__
                    else:
                        # As moto's own reset does: dropped, made anew on its next use (an EC2 backend costs
                        # ~0.5 s to build, which a reset need not spend on a service nobody may call again).
                        dict.__delitem__(per_account, region)
            for account, regions in saved.items():
                per_account = backend_dict[account]  # made by moto, registered in BackendDict._instances
                for region, backend in regions.items():
                    dict.__setitem__(per_account, region, backend)
    with _backends_lock:
        for key in [k for k in _backends if k not in snapshot.gateways]:
            del _backends[key]
        for key, gateway in snapshot.gateways.items():
            if key in _backends:
                _backends[key].__dict__.update(gateway.__dict__)
            else:
                _backends[key] = gateway
    if runtime._efs_owned:
        _restore_efs(runtime._efs_root, snapshot.efs_files)
    _restore_module_state(getattr(snapshot, "module_state", {}))
    _restore_clock_and_scheduler(runtime, snapshot, replay_missed)
    _refresh_process(runtime, snapshot.deployment)


def _restore_efs(root: Path | None, files: dict[str, bytes]) -> None:
    if root is None:
        return
    for child in list(root.iterdir()) if root.exists() else []:
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _restore_clock_and_scheduler(runtime: Any, snapshot: Snapshot, replay_missed: bool) -> None:
    clock = runtime.clock
    if clock.follows_real_time:
        # The virtual clock kept its lead over real time (the days a user advanced), and real time went on.
        moment = snapshot.clock_now + timedelta(seconds=max(0.0, time.time() - snapshot.real_time))
    else:
        moment = snapshot.clock_now
    clock.restart(moment)
    scheduler = runtime.scheduler
    if scheduler is not None:
        scheduler.restart(snapshot.scheduler_last if replay_missed and snapshot.scheduler_last else clock.now())
    if runtime.queues is not None:
        runtime.queues.forget_mappings()


def _refresh_process(runtime: Any, deployment: Any) -> None:
    """What the handlers cached from the old state: clients, settings, wiring; and the deployment's environment."""
    import os

    from lambdas.common import aws
    from lambdas.common.config import get_settings
    from lambdas.handlers.wiring import service_context

    runtime.deployment = deployment
    if deployment is not None:
        os.environ.update(deployment.process_environment())
    aws.reset_clients()
    get_settings.cache_clear()
    service_context.cache_clear()
