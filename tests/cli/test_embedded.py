"""The commands run from a program holding its own client (the demo's summary): the same tables as `strongroom`,
written to the stream it gives, with the command's exit code."""

from __future__ import annotations

import io

from strongroom_cli import embedded
from tests.cli.conftest import NOW, volume
from tests.cli.fake_backup import FakeBackup


def test_status_runs_on_the_given_client_and_writes_to_the_given_stream(fake: FakeBackup) -> None:
    # Given a client that knows one protected volume
    fake.protected = [
        {"ResourceArn": volume("vol-1"), "ResourceType": "EBS", "LastBackupTime": NOW, "LastBackupVaultArn": "main"}
    ]
    out = io.StringIO()
    # When the program runs `strongroom status` through the CLI's code
    code = embedded.run(["status"], lambda: fake, now=NOW, out=out)
    # Then the overview was read from that client and written to the stream, not to the terminal
    assert code == 0
    text = out.getvalue()
    assert "Strongroom at 2026-05-10 12:00" in text
    assert "vol-1" in text
    assert ("ListProtectedResources", {}) in fake.calls


def test_an_api_error_is_the_commands_own_line_and_exit_code(fake: FakeBackup) -> None:
    from botocore.exceptions import ClientError

    def refused(**_: object) -> dict[str, object]:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "ListBackupPlans")

    fake.list_backup_plans = refused  # type: ignore[method-assign]
    out = io.StringIO()
    assert embedded.run(["plans"], lambda: fake, now=NOW, out=out) == 1
    assert "AccessDeniedException: not allowed" in out.getvalue()


def test_a_bad_argument_is_refused_with_click_s_message_and_exit_code_2(fake: FakeBackup) -> None:
    out = io.StringIO()
    assert embedded.run(["jobs", "--since", "yesterday"], lambda: fake, now=NOW, out=out) == 2
    assert "--since" in out.getvalue()
    assert fake.calls == []
