"""DynamoDB as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.dynamodb.iam import IAM
from lambdas.resources.spec import native_type

DYNAMODB = native_type(
    "DynamoDB",
    "dynamodb:table",
    "DynamoDB tables: a recovery point is an on-demand table backup; a restore is a new table.",
    package="lambdas.resources.dynamodb",
    copy_refusal=(
        "AWS Backup copies DynamoDB backups to other vaults, Regions and accounts only with its advanced DynamoDB "
        "backup features, which Strongroom does not implement. To keep a table's data elsewhere, add a replica in "
        "another Region (global tables), or export the table to S3 (ExportTableToPointInTime, with point-in-time "
        "recovery on) into a versioned bucket that Strongroom backs up and copies"
    ),
    manageable=True,
    imports_native_backups=True,
    iam=IAM,
    wildcard_reasons={
        ("dynamodb", "table"): "The tables plans select, their backups (table/*/backup/*) and the tables restores "
        "create are named at run time; a copy reaches Strongroom's catalog table of its destination Region.",
    },
    local_emulation=("local.adapter_gaps",),  # DescribeBackup's SourceTableFeatureDetails and BillingMode
)
