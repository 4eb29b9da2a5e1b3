"""The AWS CLI, one process per call, without paying its start-up each time.

Each `aws ...` process spends about two thirds of its CPU (0.6 of 0.9 s) importing awscli and botocore and building
the CLI driver's tables before it sends a request; the API's CLI tests make a few hundred calls. This server pays
the imports once, then forks a child per call: the child is a fresh process as far as the call is concerned (its
own environment, argv, stdout and stderr, exit code), and runs exactly what the `aws` script runs
(`awscli.clidriver.main()`: a new driver and session built from that environment). The imports are the only thing
shared, and they read no AWS setting. `tests/e2e/test_issue3_scenario.py` still runs the installed `aws` script
itself, as a newcomer does, so the entry point stays proven.

Protocol, one connection per call on a Unix socket: the client sends one JSON line {"argv": [...], "env": {...}}
and reads one JSON answer {"returncode": int, "stdout": str, "stderr": str}."""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _set_data_path_as_awscli_import_does() -> None:
    """The one environment setting importing awscli makes (awscli/__init__.py): the caller's AWS_DATA_PATH entries,
    then awscli's own data (the CLI's command descriptions). It was made from the server's environment; redo it."""
    import awscli

    given = os.environ.get("AWS_DATA_PATH")
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in given.split(os.pathsep)] if given is not None else []
    paths.append(os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data"))
    awscli._awscli_data_path = paths
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(paths)


def _run_call(connection: socket.socket) -> None:
    """In the forked child: one CLI call with the caller's environment, its output captured, then the answer."""
    request = json.loads(connection.makefile("rb").readline())
    os.environ.clear()
    os.environ.update(request["env"])
    if os.environ.get("LC_CTYPE", "") == "UTF-8":  # as the `aws` script does
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    _set_data_path_as_awscli_import_does()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        sys.argv = ["aws", *request["argv"]]
        try:
            import awscli.clidriver

            code = awscli.clidriver.main()
        except SystemExit as exit_:  # argparse's errors, as the script's sys.exit would report them
            code = exit_.code if isinstance(exit_.code, int) else 1
        except Exception:  # noqa: BLE001 - the script would die with this traceback and exit 1; so does the call
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        answer = {"returncode": int(code or 0), "stdout": out.read().decode(), "stderr": err.read().decode()}
    connection.sendall(json.dumps(answer).encode() + b"\n")


def _reap(*_: object) -> None:
    """Waits for every finished child, so none is left a zombie and their CPU counts in the parent's (as
    subprocess.run's children count in the test process's): a figure measured with `time` stays honest."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(path: str) -> None:
    """Accept calls until stopped; every call gets its own child, so calls run side by side."""
    import awscli.clidriver

    awscli.clidriver.create_clidriver()._get_command_table()  # imports the customizations' modules, once
    signal.signal(signal.SIGCHLD, _reap)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    waiting = selectors.DefaultSelector()
    waiting.register(listener, selectors.EVENT_READ)
    waiting.register(sys.stdin, selectors.EVENT_READ)  # the test process holds the other end: EOF when it is gone
    while True:
        ready = {key.fileobj for key, _ in waiting.select()}
        if sys.stdin in ready:
            return  # stopped, or the test process died: never outlive it
        connection, _ = listener.accept()
        if os.fork() == 0:
            waiting.close()
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _run_call(connection)
            finally:
                os._exit(0)
        connection.close()


class ForkServer:
    """The server as a child of the test process, started on the first call and stopped when the process exits."""

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="aws-cli-")  # short: Unix socket paths are limited
        self.path = str(Path(self._directory.name) / "socket")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.api.aws_cli_forks", self.path],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()  # blocks until the imports are done, or the server died
        if ready.strip() != "ready":
            self._process.kill()
            raise RuntimeError(
                f"the AWS CLI fork server did not start (exit {self._process.wait()}): is awscli installed? "
                "pip install -r requirements-dev.txt (it pins awscli)"
            )
        atexit.register(self.stop)

    def run(self, argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        """One `aws *argv` call in its own process; answers as subprocess.run(capture_output=True, text=True)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(self.path)
            connection.sendall(json.dumps({"argv": argv, "env": env}).encode() + b"\n")
            answer = json.loads(connection.makefile("rb").readline())
        return subprocess.CompletedProcess(["aws", *argv], answer["returncode"], answer["stdout"], answer["stderr"])

    def stop(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()  # the server returns on EOF
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._directory.cleanup()


_started: list[ForkServer] = []
_starting = threading.Lock()


def fork_server() -> ForkServer:
    """The test process's one server (CLI tests call from several threads at once: Cli.all)."""
    with _starting:
        if not _started:
            _started.append(ForkServer())
        return _started[0]


if __name__ == "__main__":
    serve(sys.argv[1])
