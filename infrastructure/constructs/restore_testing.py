"""Restore testing in the stack: what its function may do (the engine builds it from constants.RESTORE_TESTING;
its hourly sweep is in constants.FIXED_SCHEDULES; each plan's schedule is made at run time by the Api in the plan
group, which the Api may already manage), and what TrackJobs reads to record a backup's data check.

RestoreTesting starts restores as StartRestoreJob does (check them, start the restore workflow), reads the
restored copies to check them, and deletes them. Each type says what that takes in its package's iam.py (jobs
record_restore_test and test_restore): it deletes only what restore tests make, resources named with the "-rt-"
mark restore testing gives them (lambdas/domain/restore_testing/picking.py) or carrying the restore job's tag, so
a mistake can never delete a source. A selection's RestoreMetadataOverrides that renames the copy to something
else makes its deletion fail, alerted on, and left to the user (docs/restore-testing.md)."""

from __future__ import annotations

from collections.abc import Mapping

from infrastructure import constants
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.resource_access import Statements, allow, job_statements


def record_data_checks(arns: Arns) -> Statements:
    """TrackJobs, as a backup completes: what each type's check records (a table's item count and digest, a bucket's
    object manifest, a database's engine and size...), from any resource a plan may select, as the backups do."""
    return job_statements("record_restore_test", arns)


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
            )
        ],
        # The sweep checks each restored copy and deletes it after its validation window.
        job_statements("test_restore", arns),
    )
