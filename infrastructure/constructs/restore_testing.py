"""Restore testing in the stack: what its function may do (the engine builds it from constants.RESTORE_TESTING;
its hourly sweep is in constants.FIXED_SCHEDULES; each plan's schedule is made at run time by the Api in the plan
group, which the Api may already manage), and what TrackJobs reads to record a backup's data check.

RestoreTesting starts restores as StartRestoreJob does (check them, start the restore workflow), reads the
restored copies to check them, and deletes them. It deletes only what restore tests name: tables and buckets
whose names carry the "-rt-" suffix restore testing gives them (lambdas/domain/restore_testing/picking.py), so a
mistake can never delete a source. A selection's RestoreMetadataOverrides that renames the copy to something else
makes its deletion fail, alerted on, and left to the user (docs/restore-testing.md)."""

from __future__ import annotations

from collections.abc import Mapping

from infrastructure import constants
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.resource_access import Statements, allow

RESTORED_MARK = "*-rt-*"


def record_data_checks(arns: Arns) -> Statements:
    """TrackJobs, as a backup completes: the item count and digest of a table (its size first, from DescribeTable),
    the object manifest of a bucket. Any table or bucket a plan may select, as the backups themselves."""
    tables = arns.stack.format_arn(service="dynamodb", resource="table", resource_name="*")
    buckets = arns.stack.format_arn(service="s3", resource="*", region="", account="")
    return [
        allow("ReadTablesForRestoreTests", ["dynamodb:Scan", "dynamodb:DescribeTable"], [tables]),
        allow("ListBucketsForRestoreTests", ["s3:ListBucketVersions"], [buckets]),
    ]


def _restored_tables(arns: Arns) -> str:
    return arns.stack.format_arn(service="dynamodb", resource="table", resource_name=RESTORED_MARK)


def _restored_buckets(arns: Arns) -> str:
    return arns.stack.format_arn(service="s3", resource=RESTORED_MARK, region="", account="")


def run_restore_tests(arns: Arns, environment: Mapping[str, str]) -> Statements:
    # permissions imports this module: its helpers are imported when the statements are made.
    from infrastructure.constructs.permissions import check_restores, compose, find_resources

    return compose(
        arns,
        # A run reads the tags of the resources a selection's conditions name, checks each restore, starts it.
        find_resources(arns),
        check_restores(arns),
        [
            allow(
                "StartRestoreWorkflow",
                ["states:StartExecution"],
                [environment[constants.ENV_RESTORE_STATE_MACHINE_ARN]],
            ),
            allow("CheckRestoredTables", ["dynamodb:Scan", "dynamodb:DescribeTable"], [_restored_tables(arns)]),
            allow("DeleteRestoredTables", ["dynamodb:DeleteTable"], [_restored_tables(arns)]),
            allow("CheckRestoredBuckets", ["s3:ListBucketVersions"], [_restored_buckets(arns)]),
            allow(
                "DeleteRestoredBuckets",
                ["s3:DeleteObjectVersion", "s3:DeleteBucket"],
                [_restored_buckets(arns), f"{_restored_buckets(arns)}/*"],
            ),
        ],
    )
