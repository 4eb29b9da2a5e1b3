"""Every patch set the local runtime applies to the emulator, in the order it applies them (local/patching.py says
how a set is applied and undone; docs/emulation.md how to write one). The runtime, the tests that need the whole
emulator as the runtime has it, and the benchmarks (through the runtime) all take the list from here."""

from __future__ import annotations

from local import (
    adapter_gaps,
    copy_gaps,
    dynamodb_gaps,
    ec2_gaps,
    emulator_speed,
    iam_gaps,
    object_lock_clock,
    rds_gaps,
    redshift_gaps,
    schedule_cache,
    scheduler_gaps,
    snapshot_locks,
    strict_events,
)
from local.emulator_gaps import InvocationLog, in_process
from local.patching import PatchSet

# Stricter than moto, or filling what it lacks (each module's docstring says what AWS does and where it says so).
GAPS: tuple[PatchSet, ...] = (
    strict_events.PATCHES,  # EventBridge refuses `aws.` sources
    copy_gaps.PATCHES,  # copies across Regions and accounts
    dynamodb_gaps.PATCHES,  # transactions roll back what they touched, at the transaction's cost
    rds_gaps.PATCHES,  # DocumentDB and Neptune clusters
    redshift_gaps.PATCHES,  # DescribeClusterSnapshots honours its filters
    adapter_gaps.PATCHES,  # RDS account quotas, DynamoDB backup features
    ec2_gaps.PATCHES,  # images of every volume; tags, describes and filters at scale
    scheduler_gaps.PATCHES,  # schedule group refusals
    iam_gaps.PATCHES,  # SimulatePrincipalPolicy, for the Api function's per-operation authorization
)
# Costs, never answers; after the gaps they wrap (emulator_speed wraps dynamodb_gaps' Table.all_items).
SPEED: tuple[PatchSet, ...] = (schedule_cache.PATCHES, emulator_speed.PATCHES)
# On the engine's virtual clock: S3 retention and EBS snapshot locks end when the virtual time says.
CLOCK: tuple[PatchSet, ...] = (snapshot_locks.PATCHES, object_lock_clock.PATCHES)


def runtime(log: InvocationLog | None = None) -> PatchSet:
    """What the local runtime applies at start and undoes at stop; `log` counts the in-process Lambda invokes."""
    return PatchSet("local runtime", [in_process(log), *GAPS, *SPEED, *CLOCK])
