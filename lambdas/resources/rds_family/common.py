"""What the RDS family (DB instances; Aurora, DocumentDB and Neptune clusters) shares: snapshot names, tags,
restore-metadata parsing (case-insensitive keys, flags, JSON lists), copies, quotas and progress. EC2 reads its
restore-metadata helpers here too."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException
from lambdas.resources.base import (
    JOB_TAG,
    CopySource,
    Phase,
    Progress,
)
from lambdas.resources.paging import filtered
from lambdas.resources.restore_metadata import metadata_value
from lambdas.resources.snapshot_engine import error_code, native_tags, tag_list
from lambdas.resources.waits import BackupMustWait, being_backed_up, snapshot_quota_reached

GIB = 1024**3
# 1-63 letters, digits and hyphens, a letter first, no two hyphens in a row, no hyphen last (RDS, DocumentDB
# and Neptune share these rules for instance and cluster identifiers).
IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
AUTOMATED_PREFIX = "rds:"


def not_shared_by_rds(what: str) -> InvalidRequestException:
    return InvalidRequestException(
        f"{what} is an automated snapshot, which RDS does not share with other accounts: copy it to a manual "
        "snapshot in this account, import that one, and copy its recovery point"
    )


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("TagList") or []}


def port(metadata: dict[str, str]) -> int | None:
    raw = metadata_value(metadata, "Port")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1150 <= int(raw) <= 65535:
        raise InvalidParameterValueException(f"Restore metadata Port must be a number from 1150 to 65535, got {raw!r}")
    return int(raw)


def check_identifier(metadata: dict[str, str], key: str, kind: str) -> str:
    identifier = metadata_value(metadata, key)
    if not identifier:
        raise InvalidParameterValueException(f"Restore metadata for {kind} is missing: {key}")
    if not IDENTIFIER.match(identifier):
        raise InvalidParameterValueException(
            f"Restore metadata {key} must be 1-63 letters, digits or hyphens, start with a letter, and have no "
            f"two hyphens in a row nor a hyphen at the end, got {identifier!r}"
        )
    return identifier


def source_snapshot_arn(source: CopySource, kind: str) -> str:
    """The ARN of a copy's source snapshot (kind "snapshot" or "cluster-snapshot"): RDS finds a snapshot of another
    Region, or one another account shared, by its ARN only."""
    if source.native_id.startswith("arn:"):
        return source.native_id
    return f"arn:aws:rds:{source.region}:{source.account}:{kind}:{source.native_id}"


def copy_request(
    source: CopySource, region: str, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]
) -> dict[str, Any]:
    """CopyDBSnapshot's and CopyDBClusterSnapshot's shared parameters (the identifiers' names differ). The copy
    is named from the copy job id, as a backup is from its job id, so find_backup adopts it after a crash; its
    tags are Strongroom's own (CopyTags off). SourceRegion only across Regions: boto3 turns it into the
    PreSignedUrl RDS needs for a cross-Region copy."""
    request: dict[str, Any] = {
        "KmsKeyId": kms_key_arn,
        "CopyTags": False,
        "Tags": tag_list({**native_tags(tags), JOB_TAG: copy_job_id}),
    }
    if source.region != region:
        request["SourceRegion"] = source.region
    return request


def refused_copy(error: ClientError, source_arn: str, region: str, account: str) -> InvalidRequestException | None:
    """The errors a copy retried later would meet again, as the reason the copy job fails; None for the others."""
    code, message = error_code(error), str(error.response["Error"].get("Message", ""))
    if code in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault", "DBClusterSnapshotNotFoundFault"):
        return InvalidRequestException(
            f"Snapshot {source_arn} cannot be read from account {account} in {region}: it is gone, or it is not "
            "shared with this account"
        )
    if code in ("KMSKeyNotAccessibleFault", "InvalidParameterValue", "InvalidParameterCombination"):
        hint = ""
        if "unencrypted" in message.lower() or "not encrypted" in message.lower():
            hint = (
                ". RDS cannot encrypt an unencrypted cluster snapshot while copying it: restore the cluster "
                "encrypted with a customer managed key, back that up, and copy its recovery point"
            )
        return InvalidRequestException(f"RDS refused to copy {source_arn} into {region}: {message or code}{hint}")
    return None


_FILTER_VALUES = 100  # identifiers per filtered Describe call when many resources or snapshots are asked for


def described(rds: Any, operation: str, key: str, filter_name: str, identifiers: list[str]) -> list[dict[str, Any]]:
    """The DB instances, clusters or snapshots named (a filter on their identifiers, 100 a call: one gone is
    simply not listed, where an identifier parameter would fail the call)."""
    return list(filtered(rds, operation, key, filter_name, sorted(set(identifiers)), _FILTER_VALUES))


def snapshot_room(rds: Any, quota_name: str, kind: str) -> tuple[int | None, str]:
    """What is left of an RDS manual snapshot quota (ManualSnapshots or ManualClusterSnapshots), from one
    DescribeAccountAttributes, and why nothing is; (None, "") when RDS reports no such quota."""
    quotas = rds.describe_account_attributes().get("AccountQuotas") or []
    quota = next((q for q in quotas if q.get("AccountQuotaName") == quota_name), None)
    if quota is None or quota.get("Max") is None:
        return None, ""
    used, limit = int(quota.get("Used") or 0), int(quota["Max"])
    return max(limit - used, 0), snapshot_quota_reached(kind, used, limit)


def must_wait(error: ClientError) -> BackupMustWait | None:
    """SnapshotQuotaExceeded frees itself as snapshots expire: the job waits in CREATED instead of failing."""
    if error_code(error) in ("SnapshotQuotaExceeded", "SnapshotQuotaExceededFault"):
        message = error.response["Error"].get("Message") or "the manual snapshot quota is reached"
        return BackupMustWait(
            f"RDS refused the snapshot (SnapshotQuotaExceeded: {message}); the backup waits for an expiry to free room"
        )
    return None


def busy_resources(resources: dict[str, dict[str, Any]], status_key: str, kind: str) -> dict[str, str]:
    """ARN -> reason, for the resources RDS is snapshotting already (status backing-up): RDS takes one at a time."""
    return {
        arn: being_backed_up(f"{kind} {arn}")
        for arn, found in resources.items()
        if found.get(status_key) == "backing-up"
    }


def snapshot_progress(snapshot: dict[str, Any] | None, what: str) -> Progress:
    """A DB or cluster snapshot's progress: RDS reports both the same way."""
    if snapshot is None:
        return Progress(Phase.FAILED, message=f"{what} disappeared before it completed")
    size = int(snapshot.get("AllocatedStorage") or 0) * GIB
    status = snapshot.get("Status")
    if status == "available":
        return Progress(Phase.COMPLETED, "100.0", size)
    if status in ("creating", "pending", "copying"):
        return Progress(Phase.RUNNING, f"{float(snapshot.get('PercentProgress') or 0):.1f}", size)
    return Progress(Phase.FAILED, message=f"{what} is {status}")
