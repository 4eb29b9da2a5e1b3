"""Pointing boto3 or the AWS CLI at a deployed Strongroom.

A deployed Strongroom answers AWS Backup's API behind API Gateway with IAM authorization, which accepts
SigV4 signatures scoped to the service `execute-api`. boto3 and the AWS CLI sign `backup` calls for
`backup`, so one hook changes the signing name; nothing else about the calls changes.

boto3:
    from clients.strongroom_backup import backup_client
    backup = backup_client("https://abc123.execute-api.eu-west-1.amazonaws.com/v1")

AWS CLI (v1 or v2), in ~/.aws/config:
    [plugins]
    strongroom = clients.strongroom_backup
    cli_legacy_plugin_path = /path/to/strongroom          (the folder that holds clients/)
then: aws backup list-backup-vaults --endpoint-url https://abc123.execute-api.eu-west-1.amazonaws.com/v1

The local runtime's edge accepts either signing name, so the same client works against it.
"""

from __future__ import annotations

from typing import Any

import boto3

SIGNING_NAME = "execute-api"


def _sign_for_api_gateway(context: dict[str, Any], **_: Any) -> None:
    context.setdefault("signing", {})["signing_name"] = SIGNING_NAME


def register(events: Any) -> None:
    events.register("before-call.backup", _sign_for_api_gateway)


def backup_client(endpoint_url: str, session: boto3.session.Session | None = None, **kwargs: Any) -> Any:
    client = (session or boto3.session.Session()).client("backup", endpoint_url=endpoint_url, **kwargs)
    register(client.meta.events)
    return client


def awscli_initialize(cli: Any) -> None:
    """The AWS CLI's plugin entry point."""
    register(cli)
