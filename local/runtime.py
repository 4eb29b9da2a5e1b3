"""The local runtime: the embedded AWS emulator (moto, in this process), Strongroom bootstrapped on it,
Lambda invokes running the real handlers in process, a scheduler loop and a virtual clock."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from local.clock import VirtualClock
from local.emulator_gaps import InvocationLog

if TYPE_CHECKING:
    from local.state_dir import StateDir


@dataclass(frozen=True)
class LocalSettings:
    """Configurable through STRONGROOM_LOCAL_* variables; the defaults need nothing."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    region: str = "us-east-1"
    account: str = "123456789012"
    access_key: str = "test"
    secret_key: str = "test"
    start: datetime | None = None
    follow_real_time: bool = False
    quiet: bool = True
    state_dir: str | None = None  # keep the state here across restarts (local/state_dir.py)

    @classmethod
    def from_environment(cls, **overrides: Any) -> LocalSettings:
        env = os.environ
        values: dict[str, Any] = {
            "region": env.get("STRONGROOM_LOCAL_REGION", cls.region),
            "account": env.get("STRONGROOM_LOCAL_ACCOUNT", cls.account),
            "access_key": env.get("STRONGROOM_LOCAL_ACCESS_KEY", cls.access_key),
            "secret_key": env.get("STRONGROOM_LOCAL_SECRET_KEY", cls.secret_key),
        }
        values.update(overrides)
        return cls(**values)


EFS_DIR_VARIABLE = "STRONGROOM_LOCAL_EFS_DIR"


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalRuntime:
    settings: LocalSettings = field(default_factory=LocalSettings)
    clock: VirtualClock = field(init=False)
    invocations: InvocationLog = field(default_factory=InvocationLog)

    def __post_init__(self) -> None:
        start = self.settings.start or datetime.now(UTC).replace(microsecond=0)
        self.clock = VirtualClock(start, follow_real_time=self.settings.follow_real_time)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.deployment: Any = None
        self.scheduler: Any = None
        self.queues: Any = None
        self._saved_environment: dict[str, str] | None = None
        self._uninstall: Callable[[], None] | None = None
        self._efs_root: Any = None
        self._efs_owned = True
        self._undo_type_stand_ins: Callable[[], None] | None = None
        self._edge: Any = None
        self._moto_app: Any = None
        self._route: Callable[..., Any] = lambda **_: None
        self._fresh_state: bytes | None = None  # right after bootstrap: what a reset returns to
        self._state_keeper: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    def start(self) -> LocalRuntime:
        s = self.settings
        from local.state_dir import StateDir

        # Read first: a state this version cannot load is refused before anything starts (and is never overwritten).
        state_dir = StateDir(s.state_dir) if s.state_dir else None
        saved = state_dir.load() if state_dir else None
        self.port = s.port or _free_port(s.host)
        self._saved_environment = dict(os.environ)
        os.environ.update(
            {
                # The Step Functions emulation calls Lambda at localhost:MOTO_PORT: that is this edge.
                "MOTO_PORT": str(self.port),
                "MOTO_ACCOUNT_ID": s.account,
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": s.access_key,
                "AWS_SECRET_ACCESS_KEY": s.secret_key,
                "AWS_REGION": s.region,
                "AWS_DEFAULT_REGION": s.region,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING" if s.quiet else "INFO"),
            }
        )
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        from moto.core.config import default_user_config
        from moto.moto_api._internal.models import moto_api_backend
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from lambdas.common import aws, clock
        from local.control import ControlApp
        from local.edge import EdgeApp
        from local.patch_sets import runtime as runtime_patches

        moto_api_backend.reset()  # one emulator per process: a new runtime starts from an empty account
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        self._uninstall = runtime_patches(self.invocations).apply()  # undone at stop
        clock.use_clock(self.clock)
        aws.reset_clients()
        from infrastructure.constants import API
        from local.backup_api import BackupApiApp

        backup_api = BackupApiApp(
            API.handler,
            f"strongroom-{API.key}",
            lambda: self.deployment.function_environments[API.key] if self.deployment else {},
            {s.access_key: s.secret_key},
            s.account,
            self.invocations,
            region=s.region,
        )
        moto_app = DomainDispatcherApplication(create_backend_app)
        app = EdgeApp(moto_app, backup_api, ControlApp(self))
        self._edge, self._moto_app = app, moto_app
        from local.console_site import ConsoleSite

        console = {"region": s.region, "account": s.account, "local": True}
        app.console = ConsoleSite(
            {**console, "credentials": {"accessKeyId": s.access_key, "secretAccessKey": s.secret_key}}
        )
        from local.serving import make_edge_server

        self._server = make_edge_server(s.host, self.port, app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="strongroom-edge")
        self._thread.start()
        # Strongroom's own clients (and the runtime's scheduler and poller) reach the edge in this thread,
        # without the socket; users' clients still come over HTTP.
        from local.in_process import caller, router

        self._route = router(app, self.endpoint, app.shortcut)
        aws.send_in_process(self._route, caller(app.shortcut, self.endpoint))

        from local.bootstrap import bootstrap
        from local.scheduler import LocalScheduler

        # The bootstrap is the runtime deploying itself: its calls take the in-process path too.
        deploying = self.session()
        deploying.events.register("before-send", self._route)
        self.deployment = bootstrap(deploying, s.region)
        self._install_stand_ins()
        os.environ.update(self.deployment.process_environment())
        from lambdas.common.config import get_settings
        from lambdas.handlers.wiring import service_context

        get_settings.cache_clear()
        service_context.cache_clear()
        # Scheduler invokes are never retried by the client: a long run (a rule over thousands of resources)
        # that outlasted a read timeout would otherwise run again beside itself.
        lambda_client = self._internal(
            self.session().client(
                "lambda", endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 1}, read_timeout=3600)
            )
        )
        from local.queue_poller import LocalQueuePoller
        from local.service_internals import BackendInvoker, queue_may_hold_messages

        # The scheduler and the poller are AWS's own machinery: they invoke inside the emulator, not as its clients.
        invoker = BackendInvoker(lambda_client, s.account, s.region)
        self.queues = LocalQueuePoller(invoker, self._internal(self.client("sqs")), queue_may_hold_messages)
        self.scheduler = LocalScheduler(
            self._internal(self.client("scheduler")),
            invoker,
            self.clock,
            self.queues.drain_if_pending,
            activity=lambda: app.writes,  # work by hand between advances (local/scheduler.py)
        )
        try:
            self._keep_state(state_dir, saved)
        except BaseException:
            self.stop()  # no state keeper yet: the saved state is never overwritten
            raise
        app.ready = True
        return self

    def _internal(self, client: Any) -> Any:
        """A client of the runtime's own machinery (what AWS's scheduler and pollers are), on the in-process path."""
        client.meta.events.register("before-send", self._route)
        return client

    def _keep_state(self, state_dir: StateDir | None, saved: bytes | None) -> None:
        """Remember the fresh state for resets; with a state dir, go back to the state saved there and keep it."""
        from local.emulator_state import StateUnreadable, capture, restore
        from local.state_dir import StateKeeper

        self._fresh_state = capture(self)
        if state_dir is not None:
            if saved is not None:
                try:
                    restore(self, saved, replay_missed=True)
                except StateUnreadable as unreadable:
                    raise StateUnreadable(
                        f"{state_dir.path}: {unreadable}. It is left untouched: move it away, or pass another "
                        "--state-dir, to start afresh."
                    ) from unreadable
            self._state_keeper = StateKeeper(self, state_dir).start()

    @property
    def ready(self) -> bool:
        return bool(self._edge is not None and self._edge.ready)

    def now_iso(self) -> str:
        return self.clock.now().isoformat()

    def reset(self) -> None:
        """Every service back to the state right after bootstrap (the Backup API answers 503 meanwhile)."""
        from lambdas.api.authorization import forget_decisions
        from local.emulator_state import restore

        assert self._fresh_state is not None, "the runtime is not started"
        self._edge.ready = False
        try:
            restore(self, self._fresh_state, replay_missed=False)
            self.invocations.clear()
            # A user made again under an old name must not inherit the old one's cached authorization.
            forget_decisions()
        finally:
            self._edge.ready = True
        if self._state_keeper is not None:
            self._state_keeper.changed()

    def counters(self) -> dict[str, int]:
        """What /_strongroom/health reports: failures the runtime survived."""
        return {
            "scheduler_failures": self.scheduler.failure_count if self.scheduler else 0,
            "delivery_errors": self.queues.delivery_errors if self.queues else 0,
        }

    def change_mark(self) -> tuple[int, int, int]:
        """Moves whenever the state may have changed: a request that may write, a firing, a reset."""
        fired = sum(self.scheduler.fired.values()) if self.scheduler else 0
        return (self._edge.writes if self._edge else 0, fired, id(self.deployment))

    def _install_stand_ins(self) -> None:
        """What the emulator lacks, the local runtime stands in for, behind the same clients and interfaces: the
        types' stand-ins their specs name (Storage Gateway, absent from moto; FSx restores and copies, partly
        absent: local/type_stand_ins.py), and EFS data (no data plane), kept in folders the runtime owns."""
        import tempfile
        from pathlib import Path

        from lambdas.common import aws
        from lambdas.resources import catalog
        from lambdas.resources.efs.file_tree import LocalDirectoryTree
        from local import type_stand_ins
        from local.efs_in_process import InProcessMover
        from local.in_process import router

        to_moto = router(self._moto_app, self.endpoint)  # past the edge: straight to moto's own service

        def moto_client(service: str, region: str) -> Any:
            client = self.session().client(service, region_name=region, endpoint_url=self.endpoint)
            client.meta.events.register("before-send", to_moto)
            return client

        host = type_stand_ins.StandInHost(
            self.settings.region, self.settings.account, self._edge.stand_ins, moto_client
        )
        self._undo_type_stand_ins = type_stand_ins.install(host)
        # Where EFS file systems keep their files: STRONGROOM_LOCAL_EFS_DIR (kept), else a temporary folder.
        chosen = os.environ.get(EFS_DIR_VARIABLE)
        self._efs_owned = not chosen
        self._efs_root = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="strongroom-efs-"))
        self._efs_root.mkdir(parents=True, exist_ok=True)
        root = self._efs_root
        catalog.efs_mover_stand_in = InProcessMover(
            lambda file_system_id: LocalDirectoryTree(root / file_system_id),
            lambda: aws.client("s3", self.settings.region),
        )

    @property
    def efs_root(self) -> Any:
        """The folder holding one folder per EFS file system: docs/emulation.md."""
        return self._efs_root

    def efs_directory(self, file_system_id: str) -> Any:
        """Where the local runtime keeps an EFS file system's files (what a Lambda mount would show)."""
        path = self._efs_root / file_system_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _remove_stand_ins(self) -> None:
        import shutil

        from lambdas.resources import catalog

        if self._undo_type_stand_ins is not None:
            self._undo_type_stand_ins()
            self._undo_type_stand_ins = None
        catalog.efs_mover_stand_in = None
        if self._efs_root is not None:
            if self._efs_owned:
                shutil.rmtree(self._efs_root, ignore_errors=True)
            self._efs_root = None

    def session(self) -> boto3.session.Session:
        from local import shared_loader

        # Every session shares one parsed copy of botocore's service models (local/shared_loader.py).
        return shared_loader.session(self.settings.access_key, self.settings.secret_key, self.settings.region)

    def client(self, service: str) -> Any:
        config = Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=120)
        return self.session().client(service, endpoint_url=self.endpoint, config=config)

    def advance(self, delta: timedelta) -> int:
        """Move the virtual clock on, firing every schedule due on the way at its own time (the clock is at each
        firing's time while it runs, as in the demo). Returns how many fired."""
        fired = int(self.scheduler.run_until(self.clock.now() + delta))
        if self._state_keeper is not None:
            self._state_keeper.changed()
        return fired

    def services(self) -> Any:
        from lambdas.handlers.wiring import service_context

        return service_context()

    def stop(self) -> None:
        if self._state_keeper is not None:
            self._state_keeper.stop()  # the last save, while the emulator still holds the state
            self._state_keeper = None
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        from lambdas.common import aws, clock
        from lambdas.common.config import get_settings
        from lambdas.handlers.wiring import service_context

        clock.use_clock(clock.SystemClock())
        aws.send_in_process(None)
        self._remove_stand_ins()
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None
        if self._saved_environment is not None:
            os.environ.clear()
            os.environ.update(self._saved_environment)
            self._saved_environment = None
        aws.reset_clients()
        get_settings.cache_clear()
        service_context.cache_clear()

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
