"""The commands, run from a program that already holds a `backup` client (the local demo prints its summary with
them): the very command code `strongroom` runs, on that client, at a given time, written to a given stream."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO

import typer
from rich.console import Console

from strongroom_cli import app as cli


def run(
    args: Sequence[str],
    make_client: Callable[[], Any],
    *,
    now: datetime | None = None,
    out: TextIO | None = None,
    width: int = 132,
) -> int:
    """`strongroom ARGS` on the client `make_client` makes; its exit code (0, 1 for an API error, 2 for a bad
    argument or an unreachable endpoint). Not thread-safe: the commands print through the module's console."""
    saved = cli.console
    # A console of its own: the commands' tables go to `out` at a width that fits them, whatever the terminal.
    cli.console = Console(file=out or sys.stdout, width=width)
    try:
        # Outside standalone mode a command's typer.Exit comes back as its code; a bad argument is raised.
        connection = cli.Connection(make_client, now)
        result = cli.app(list(args), obj=connection, standalone_mode=False, prog_name="strongroom")
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except typer.exceptions.TyperException as error:  # click's usage errors, said as `strongroom` says them
        show = getattr(error, "show", None)
        if show is not None:
            show(file=out or sys.stderr)
        return int(getattr(error, "exit_code", 2))
    finally:
        cli.console = saved
    return result if isinstance(result, int) else 0
