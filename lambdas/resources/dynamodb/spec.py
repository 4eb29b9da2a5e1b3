"""DynamoDB as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.dynamodb.adapter import DynamoDbAdapter

    return DynamoDbAdapter(ctx.client("dynamodb"), ctx.region, ctx.account)


DYNAMODB = TypeSpec(
    resource_type="DynamoDB",
    arn_forms=(ArnForm("dynamodb", "table"),),
    tagging_filter="dynamodb:table",
    summary="DynamoDB tables: a recovery point is an on-demand table backup; a restore is a new table.",
    build=build,
    copy_refusal=(
        "AWS Backup copies DynamoDB backups to other vaults, Regions and accounts only with its advanced DynamoDB "
        "backup features, which Strongroom does not implement. To keep a table's data elsewhere, add a replica in "
        "another Region (global tables), or export the table to S3 (ExportTableToPointInTime, with point-in-time "
        "recovery on) into a versioned bucket that Strongroom backs up and copies"
    ),
    manageable=True,
    imports_native_backups=True,
)
