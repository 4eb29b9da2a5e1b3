"""What an RDS DB instance and an Aurora, DocumentDB or Neptune cluster adapter do alike, written once: the RDS
API spells an instance and a cluster the same way but for names (describe_db_instances -> DBInstances, each with
DBInstanceIdentifier and DBInstanceArn; describe_db_clusters -> DBClusters, with DBClusterIdentifier and
DBClusterArn), so each adapter states its names in an RdsResourceCalls and its snapshots' in a SnapshotCalls,
and keeps only what truly differs: what a restore's metadata holds and how a restore is asked for.

Batches: describe_many and backup_statuses describe a page of jobs at once; what they saw is kept in the caller's
RunMemo (lambdas/resources/base.py) for restore_metadata, which follows them for the same jobs and is given the
same memo (each entry used once, never an older batch's). The instance adapter also keeps what start_capacity
described for start_backup, in the memo its caller gives both."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
    memo_in,
)
from lambdas.resources.rds_family.common import (
    AUTOMATED_PREFIX,
    GIB,
    copy_request,
    described,
    must_wait,
    not_shared_by_rds,
    refused_copy,
    snapshot_progress,
    source_snapshot_arn,
    tags_of,
)
from lambdas.resources.restore_metadata import metadata_value
from lambdas.resources.snapshot_engine import SnapshotCalls, SnapshotEngine, refused_as, unless_gone

# The batches whose answers a run's memo keeps for restore_metadata (and, for RDS instances, start_backup).
SEEN_RESOURCES = "resources"  # describe_many's
SEEN_SNAPSHOTS = "snapshots"  # backup_statuses'


@dataclass(frozen=True)
class RdsResourceCalls:
    """How the RDS API names one kind of resource, e.g. a DB instance: describe_db_instances(DBInstanceIdentifier)
    -> {"DBInstances": [...]}, each with DBInstanceIdentifier, DBInstanceArn and DBInstanceStatus."""

    what: str  # as messages name one: "DB instance", "DB cluster"
    describe: str
    listed: str
    id_field: str  # also the describe call's and the restore's identifier parameter
    arn_field: str
    status_field: str
    filter_name: str  # the describe call's filter on identifiers
    not_found: frozenset[str]  # error codes: no such resource
    already_exists: frozenset[str]  # error codes of a restore onto an identifier in use
    failed_states: frozenset[str]  # states a restored resource does not come back from
    snapshots: SnapshotCalls
    snapshot_filter: str  # the snapshots' describe call's filter on identifiers
    snapshot_arn_kind: str  # the snapshots' ARN resource kind: "snapshot", "cluster-snapshot"


def _snake(camel: str, joiner: str = "_") -> str:
    """DBClusterSnapshot -> db_cluster_snapshot, as boto3 names calls (db-cluster-snapshot as filters do)."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", joiner, camel).lower()


def family_calls(
    resource: str,
    *,
    what: str,
    resource_what: str,
    snapshot_what: str,
    status_field: str,
    failed_states: frozenset[str],
) -> RdsResourceCalls:
    """The calls of one RDS resource, "DBInstance" or "DBCluster", and of its snapshots: RDS spells every call,
    field and error code of the two alike but for that word (describe_db_clusters, DBClusterIdentifier,
    DBClusterNotFoundFault; describe_db_cluster_snapshots, DBClusterSnapshotIdentifier, ...)."""
    snapshot = "DBSnapshot" if resource == "DBInstance" else f"{resource}Snapshot"
    call, snapshot_call = _snake(resource), _snake(snapshot)

    def codes(*names: str) -> frozenset[str]:
        return frozenset(code for name in names for code in (name, f"{name}Fault"))  # RDS answers both

    snapshots = SnapshotCalls(
        service="RDS",
        what=snapshot_what,
        resource_what=resource_what,
        describe=f"describe_{snapshot_call}s",
        describe_id=f"{snapshot}Identifier",
        describe_resource=f"{resource}Identifier",
        listed=f"{snapshot}s",
        id_field=f"{snapshot}Identifier",
        resource_field=f"{resource}Identifier",
        tags_field="TagList",
        create=f"create_{snapshot_call}",
        create_resource=f"{resource}Identifier",
        create_id=f"{snapshot}Identifier",
        created=snapshot,
        delete=f"delete_{snapshot_call}",
        delete_id=f"{snapshot}Identifier",
        snapshot_gone=codes(f"{snapshot}NotFound"),
        resource_gone=codes(f"{resource}NotFound"),
        already_exists=codes(f"{snapshot}AlreadyExists"),
        invalid_state=codes(f"Invalid{snapshot}State"),
        automated_prefix=AUTOMATED_PREFIX,
        arn_of=lambda found, region, account: str(found[f"{snapshot}Arn"]),
        progress=snapshot_progress,
        quota_reached=must_wait,
        copy=f"copy_{snapshot_call}",
        copy_source=f"Source{snapshot}Identifier",
        copy_target=f"Target{snapshot}Identifier",
        share=f"modify_{snapshot_call}_attribute",
    )
    return RdsResourceCalls(
        what=what,
        describe=f"describe_{call}s",
        listed=f"{resource}s",
        id_field=f"{resource}Identifier",
        arn_field=f"{resource}Arn",
        status_field=status_field,
        filter_name=f"{_snake(resource, '-')}-id",
        not_found=codes(f"{resource}NotFound"),
        already_exists=codes(f"{resource}AlreadyExists"),
        failed_states=failed_states,
        snapshots=snapshots,
        snapshot_filter=f"{_snake(snapshot, '-')}-id",
        snapshot_arn_kind=_snake(snapshot, "-").removeprefix("db-"),
    )


class RdsFamilyAdapter:
    """The shared half of the RDS instance and cluster adapters (rds/adapter.py, rds_family/clusters.py)."""

    resource_type: str
    supports_cold_storage = False

    def __init__(self, calls: RdsResourceCalls, rds: Callable[[], Any], region: str, account: str) -> None:
        self.calls = calls
        self._rds = rds
        self._region = region
        self._account = account
        self._snapshots = SnapshotEngine(calls.snapshots, rds, region, account)

    # resources

    def _resources(self, resource_arns: list[str]) -> dict[str, dict[str, Any]]:
        """The resources named, by identifier; one call per 100."""
        calls = self.calls
        ids = [parse_arn(arn).resource_id for arn in resource_arns]
        found = described(self._rds(), calls.describe, calls.listed, calls.filter_name, ids)
        return {resource[calls.id_field]: resource for resource in found}

    def _resource(self, identifier: str) -> dict[str, Any] | None:
        calls = self.calls
        found = unless_gone(
            lambda: getattr(self._rds(), calls.describe)(**{calls.id_field: identifier})[calls.listed], calls.not_found
        )
        return found[0] if found else None

    def _existing(self, resource_arn: str) -> dict[str, Any]:
        resource = self._resource(parse_arn(resource_arn).resource_id)
        if resource is None:
            raise ResourceNotFoundException(f"{self.calls.snapshots.resource_what} {resource_arn} does not exist")
        return resource

    def _all_resources(self) -> Iterator[dict[str, Any]]:
        for page in self._rds().get_paginator(self.calls.describe).paginate():
            yield from page[self.calls.listed]

    def _info(self, resource: dict[str, Any], kind: str) -> ResourceInfo:
        encrypted = bool(resource.get("StorageEncrypted"))
        return ResourceInfo(
            arn=resource[self.calls.arn_field],
            resource_type=kind,
            name=resource[self.calls.id_field],
            size_bytes=int(resource.get("AllocatedStorage") or 0) * GIB,
            tags=tags_of(resource),
            encryption_key_arn=resource.get("KmsKeyId") if encrypted else None,
            is_encrypted=encrypted,
        )

    # backups

    def _snapshot(self, identifier: str) -> dict[str, Any] | None:
        return self._snapshots.snapshot(identifier)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        return self._snapshots.find_backup(job_id)

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """The resource's available snapshots made elsewhere, manual and automated, for the import of existing
        backups: the NativeBackup start_backup gives, the snapshot's identifier and ARN."""
        return self._snapshots.list_native_backups(parse_arn(resource_arn).resource_id)

    def backup_status(self, native_id: str) -> Progress:
        return self._snapshots.backup_status(native_id)

    def backup_statuses(self, native_ids: list[str], *, memo: RunMemo | None = None) -> dict[str, Progress]:
        """One describe per 100 snapshots; what it saw is kept in `memo` for restore_metadata."""
        calls = self.calls.snapshots

        def snapshots() -> dict[str, dict[str, Any]]:
            found = described(self._rds(), calls.describe, calls.listed, self.calls.snapshot_filter, native_ids)
            return {snapshot[calls.id_field]: snapshot for snapshot in found}

        seen = memo_in(memo, self, SEEN_SNAPSHOTS).remember(snapshots)
        return {i: snapshot_progress(seen.get(i), self._snapshots.label(i)) for i in native_ids}

    def delete_backup(self, native_id: str) -> None:
        self._snapshots.delete_backup(native_id)

    def move_to_cold(self, native_id: str) -> bool:
        """RDS, Aurora, DocumentDB and Neptune snapshots have no cold tier: the setting is ignored, as AWS Backup
        ignores it."""
        return False

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Lets `account` copy the snapshot (its "restore" attribute); adding an account twice changes nothing.
        An encrypted snapshot's KMS key must let that account use it too: that is the key's policy, not this call."""
        if self._snapshots.is_automated(native_id):
            raise not_shared_by_rds(self._snapshots.label(native_id))
        self._snapshots.share(native_id, account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """CopyDBSnapshot or CopyDBClusterSnapshot into this Region and account, encrypted with `kms_key_arn`, from
        another Region or a shared snapshot of another account in one call."""
        source_arn = source_snapshot_arn(source, self.calls.snapshot_arn_kind)
        request = copy_request(source, self._region, copy_job_id, kms_key_arn, tags)
        return self._snapshots.copy_in(
            source_arn, copy_job_id, request, lambda error: refused_copy(error, source_arn, self._region, self._account)
        )

    # restores

    def _seen_snapshot(self, native_id: str, memo: RunMemo | None) -> dict[str, Any]:
        """The snapshot as the run's batch before described it, or as described now; {} once it is gone."""
        return memo_in(memo, self, SEEN_SNAPSHOTS).take(native_id) or self._snapshot(native_id) or {}

    def _seen_resource(self, identifier: str, memo: RunMemo | None) -> dict[str, Any] | None:
        """The source resource as the run's batch before described it, or as described now; None if it is gone."""
        if not identifier:
            return None
        return memo_in(memo, self, SEEN_RESOURCES).take(identifier) or self._resource(identifier)

    def _in_use(self, identifier: str) -> InvalidParameterValueException:
        calls = self.calls
        return InvalidParameterValueException(
            f"{calls.what} {identifier} already exists: choose another {calls.id_field} in the restore metadata"
        )

    def _restored(self, operation: str, request: dict[str, Any], answer: str) -> NativeRestore:
        """Makes the restore call; an identifier another resource took since check_restore is the user's to change."""
        calls = self.calls
        with refused_as(calls.already_exists, lambda error: self._in_use(request[calls.id_field])):
            resource = getattr(self._rds(), operation)(**request)[answer]
        return NativeRestore(resource[calls.id_field], resource[calls.arn_field])

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        calls = self.calls
        identifier = metadata_value(metadata, calls.id_field)
        resource = self._resource(identifier) if identifier else None
        if resource is None or tags_of(resource).get(RESTORE_TAG) != restore_job_id:
            return None
        return NativeRestore(resource[calls.id_field], resource[calls.arn_field])

    def restore_status(self, restore: NativeRestore) -> Progress:
        calls = self.calls
        resource = self._resource(restore.native_id)
        if resource is None:
            return Progress(Phase.FAILED, message=f"{calls.what} {restore.native_id} disappeared during the restore")
        status = resource.get(calls.status_field)
        if status == "available":
            return Progress(Phase.COMPLETED, "100.0", int(resource.get("AllocatedStorage") or 0) * GIB)
        if status in calls.failed_states:
            return Progress(Phase.FAILED, message=f"{calls.what} {restore.native_id} is {status}")
        return Progress(Phase.RUNNING, "50.0")
