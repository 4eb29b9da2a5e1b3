"""S3 buckets: a recovery point is a manifest of the object versions current at the backup's cutoff, kept in
vault storage; a copy job's copy holds the data itself. docs/copy-into-vault.md tells the whole design."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    RESTORE_TAG,
    NativeBackup,
    NativeRestore,
    ObjectFailure,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.s3.listing import MISSING_BUCKET, list_slice
from lambdas.resources.s3.moving import copy_slice, restore_slice
from lambdas.resources.s3.restore_plan import RestorePlan, restore_plan
from lambdas.resources.s3.spec import S3
from lambdas.resources.s3.state import S3CopyProgress, S3PointState, S3RestoreState
from lambdas.resources.vault_copy.points import (
    VaultPoints,
    finished_progress,
    missing_point,
    missing_restore,
    restore_progress,
)
from lambdas.resources.vault_copy.state import FAILED, RUNNING, CopyOrigin
from lambdas.resources.vault_storage import VaultStorage, WorkBudget


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


class S3Adapter(VaultPoints[S3PointState, S3RestoreState]):
    kind = "s3"
    content = "manifest"
    point_model = S3PointState
    restore_model = S3RestoreState

    def __init__(
        self,
        s3: Callable[[], Any],
        region: str,
        account: str,
        storage: VaultStorage,
        *,
        page_size: int = 1000,
        listing_seconds: float = 5.0,
        copy_seconds: float = 30.0,
        slice_operations: int | None = None,
    ) -> None:
        """listing_seconds: per backup_status call; track_jobs polls every open job in one 5-minute Lambda,
        so each gets a few seconds (about 20 pages, 20,000 versions). copy_seconds: per restore_status call,
        which the restore workflow's poll Lambda (60 s timeout) makes for one restore."""
        super().__init__(S3, region, account, storage)
        self._s3 = s3
        self._page_size = page_size
        self._listing_seconds = listing_seconds
        self._copy_seconds = copy_seconds
        self._slice_operations = slice_operations

    # describe

    def _bucket_region(self, bucket: str) -> str:
        location = self._s3().get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)

    def _info(self, bucket: str) -> ResourceInfo:
        client = self._s3()
        try:
            tags = {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=bucket).get("TagSet", [])}
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchTagSet":
                raise
            tags = {}
        key_arn = None
        try:
            rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            key_arn = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ServerSideEncryptionConfigurationNotFoundError":
                raise
        return ResourceInfo(
            arn=bucket_arn(bucket),
            resource_type=self.resource_type,
            name=bucket,
            size_bytes=None,  # S3 has no cheap bucket size; the backup reports the bytes it references
            tags=tags,
            encryption_key_arn=key_arn,
            is_encrypted=True,  # S3 encrypts every new object at rest
        )

    def _check_protectable(self, resource_arn: str) -> str:
        bucket = parse_arn(resource_arn).resource_id
        if bucket == self._storage.bucket:
            raise InvalidParameterValueException(
                f"Bucket {bucket} is Strongroom's own vault storage and cannot be protected by Strongroom"
            )
        try:
            status = self._s3().get_bucket_versioning(Bucket=bucket).get("Status")
        except ClientError as error:
            if error.response["Error"]["Code"] in MISSING_BUCKET:
                raise ResourceNotFoundException(f"S3 bucket {resource_arn} does not exist") from None
            raise
        if status != "Enabled":
            state = "suspended" if status == "Suspended" else "not enabled"
            raise InvalidParameterValueException(
                f"S3 bucket {bucket} cannot be backed up: versioning is {state}. "
                "Strongroom backs up versioned buckets only; enable versioning on the bucket first."
            )
        return bucket

    def describe(self, resource_arn: str) -> ResourceInfo:
        return self._info(self._check_protectable(resource_arn))

    def list_resources(self) -> Iterator[ResourceInfo]:
        """Every bucket of this Region but the vault's own, unversioned ones included: a job for one of those
        fails with the reason, instead of the bucket going unprotected without a word."""
        request: dict[str, Any] = {}
        while True:
            response = self._s3().list_buckets(**request)
            for bucket in response.get("Buckets", []):
                name = bucket["Name"]
                if name == self._storage.bucket:
                    continue
                try:
                    if self._bucket_region(name) != self._region:
                        continue
                    yield self._info(name)
                except ClientError as error:
                    if error.response["Error"]["Code"] not in MISSING_BUCKET:
                        raise
            if not response.get("ContinuationToken"):
                return
            request["ContinuationToken"] = response["ContinuationToken"]

    # backup

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        """Quick on purpose (start_backups starts many jobs in one Lambda): it only records the cutoff. The
        state's LastModified, S3's clock, is the backup's point in time."""
        bucket = self._check_protectable(resource_arn)
        found = self.find_backup(resource_arn, job_id)
        if found is not None:
            return found  # started already: rewriting the state would move the cutoff
        self._save_point(
            S3PointState(
                resource_type=self.resource_type, source_arn=resource_arn, bucket=bucket, job_id=job_id, tags=tags
            )
        )
        return self._backup(job_id)

    def backup_status(self, native_id: str) -> Progress:
        stored = self._storage.read_json(self._header_key(native_id))
        if stored is None:
            return missing_point(native_id)
        state = S3PointState.from_json(stored.value)
        if state.status != RUNNING:
            return _backup_progress(state)
        if state.copy_progress is not None:  # a copy job's copy (copy_in), not a backup
            self._copy_in_slice(state)
            self._save_point(state)
            return _backup_progress(state)
        if state.cutoff is None:
            state.cutoff = stored.last_modified.isoformat()  # never rewritten before this line runs
        cutoff = datetime.fromisoformat(state.cutoff)
        # S3's clock, from its response's Date; the wall clock where a response has none (moto's GetObject).
        # Real time on purpose: the question is about S3's timestamps, not Strongroom's (virtual) "now".
        s3_now = stored.server_time or clock.wall_time()
        if s3_now < cutoff + timedelta(seconds=1):
            return Progress(Phase.RUNNING, "0.0", 0)  # S3 is still in the cutoff's second: list after it
        budget = WorkBudget(self._listing_seconds, self._slice_operations)
        list_slice(self._s3, self._storage, self._prefix(native_id), state, self._page_size, budget)
        self._save_point(state)
        return _backup_progress(state)

    # copies

    def _copy_state(
        self, source: S3PointState, origin: CopyOrigin, resource_arn: str, copy_job_id: str, tags: dict[str, str]
    ) -> S3PointState:
        return S3PointState(
            resource_type=self.resource_type,
            source_arn=resource_arn,
            bucket=source.bucket,
            job_id=copy_job_id,
            tags=tags,
            cutoff=source.cutoff,
            copy_progress=S3CopyProgress(**origin.model_dump(), parts=source.parts),
        )

    def _copy_in_slice(self, state: S3PointState) -> None:
        assert state.copy_progress is not None
        source = self._storage.over(state.copy_progress.vault_bucket)
        budget = WorkBudget(self._listing_seconds, self._slice_operations)
        copy_slice(
            self._storage,
            self._prefix(state.job_id),
            source,
            self._prefix(state.copy_progress.native_id),
            state,
            budget,
        )
        if state.status == FAILED:
            self._discard_copy(state.job_id)

    def move_to_cold(self, native_id: str) -> bool:
        """Ignored, as AWS Backup ignores it for S3: the point is a manifest of object versions that stay
        in the customer's bucket, so there is nothing of Strongroom's to archive (the manifest is small, and
        archiving it would only make restores wait)."""
        return False

    # restore

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        state = self._load_point(native_id)
        bucket = (state.bucket if state else "") or (source.name if source and source.name else "")
        return {"DestinationBucketName": bucket, "NewBucket": "false"}

    def _plan(self, native_id: str, metadata: dict[str, str]) -> RestorePlan:
        return restore_plan(self._restorable_point(native_id).bucket, metadata, self._storage.bucket)

    def _bucket_exists(self, bucket: str) -> bool:
        try:
            self._s3().head_bucket(Bucket=bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] in MISSING_BUCKET:
                return False
            raise
        return True

    def _restore_tag(self, bucket: str) -> str | None:
        try:
            tag_set = self._s3().get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except ClientError:
            return None
        return next((t["Value"] for t in tag_set if t["Key"] == RESTORE_TAG), None)

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        plan = self._plan(native_id, metadata)
        exists = self._bucket_exists(plan.destination)
        if plan.new_bucket and exists:
            raise InvalidParameterValueException(
                f"Bucket {plan.destination} already exists: choose another DestinationBucketName, "
                "or set NewBucket to false to restore into it"
            )
        if not plan.new_bucket and not exists:
            raise InvalidParameterValueException(
                f"Bucket {plan.destination} does not exist: set NewBucket to true to create it"
            )

    def _restored_arn(self, state: S3RestoreState) -> str:
        return bucket_arn(state.destination)

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        found = self.find_restore(native_id, restore_job_id, metadata)
        if found is not None:
            return found  # started already: a new state would lose the cursor
        point = self._restorable_point(native_id)
        plan = restore_plan(point.bucket, metadata, self._storage.bucket)
        if plan.new_bucket:
            self._create_bucket(plan.destination, restore_job_id)
        elif not self._bucket_exists(plan.destination):
            raise InvalidParameterValueException(
                f"Bucket {plan.destination} does not exist: set NewBucket to true to create it"
            )
        state = S3RestoreState(
            native_id=native_id,
            source_bucket=plan.source_bucket,
            destination=plan.destination,
            items=list(plan.items),
            encryption=plan.encryption,
            parts=point.parts,
            total=point.objects,
        )
        self._save_restore(restore_job_id, state)
        return NativeRestore(restore_job_id, bucket_arn(plan.destination))

    def _create_bucket(self, bucket: str, restore_job_id: str) -> None:
        client = self._s3()
        if self._bucket_exists(bucket):
            if self._restore_tag(bucket) == restore_job_id:
                return  # this restore made it before a crash: adopt it
            raise InvalidParameterValueException(
                f"Bucket {bucket} already exists: choose another DestinationBucketName, "
                "or set NewBucket to false to restore into it"
            )
        request: dict[str, Any] = {"Bucket": bucket}
        if self._region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
        try:
            client.create_bucket(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("BucketAlreadyExists", "InvalidBucketName"):
                raise InvalidParameterValueException(
                    f"Bucket {bucket} cannot be created: {error.response['Error'].get('Message', '')}"
                ) from None
            if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": RESTORE_TAG, "Value": restore_job_id}]})
        # Versioned, so the restored bucket can be protected in its turn.
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def restore_status(self, restore: NativeRestore) -> Progress:
        state = self._load_restore(restore.native_id)
        if state is None:
            return missing_restore(restore.native_id)
        failed: list[ObjectFailure] = []  # this slice's, for S3_RESTORE_OBJECT_FAILED once the state is saved
        if state.status == RUNNING:
            budget = WorkBudget(self._copy_seconds, self._slice_operations)
            restore_slice(self._s3, self._storage, self._prefix(state.native_id), state, budget, failed)
            self._save_restore(restore.native_id, state)
        return replace(restore_progress(state, "restore"), failed_objects=tuple(failed))


def _backup_progress(state: S3PointState) -> Progress:
    done = finished_progress(state.status, state.bytes, state.message, "backup")
    # The number of versions is unknown until the listing ends: no percentage, the bytes referenced so far.
    return done or Progress(Phase.RUNNING, None, state.bytes)
