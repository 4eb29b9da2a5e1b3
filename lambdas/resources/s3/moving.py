"""S3's two walks over a manifest (vault_copy.walk): a copy job copying each recorded version into vault storage,
and a restore copying each one back into a bucket. Both copy server-side, one object at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.resources.base import ObjectFailure
from lambdas.resources.s3.restore_plan import RestorePlan
from lambdas.resources.s3.state import S3PointState, S3RestoreState
from lambdas.resources.vault_copy.walk import Entry, ManifestUnreadable, ManifestWalk, end_job, walk_to_end
from lambdas.resources.vault_storage import VaultStorage, VaultStorageMissing, WorkBudget, manifest_part_key

# Errors that mean this one version cannot be read (gone, or not ours to read): the item fails, the job goes on.
MISSING_VERSION = ("NoSuchVersion", "NoSuchKey", "404", "NotFound", "InvalidArgument", "AccessDenied", "403")
SINGLE_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit; larger objects are copied in parts


def data_key(prefix: str, part: int, index: int) -> str:
    """Where a copy keeps the object of its manifest's part `part`, entry `index`."""
    return f"{prefix}data/{part:06d}-{index:06d}"


def _source_of(entry: Entry, bucket: str, vault_bucket: str) -> dict[str, str]:
    """A copy's entry names its data object in vault storage ("d"); a backup's names the customer's version."""
    if entry.get("d"):
        return {"Bucket": vault_bucket, "Key": entry["d"]}
    return {"Bucket": bucket, "Key": entry["k"], "VersionId": entry["v"]}


def copy_slice(
    storage: VaultStorage,
    prefix: str,
    source: VaultStorage,
    source_prefix: str,
    state: S3PointState,
    budget: WorkBudget,
) -> None:
    """Copies the source's versions (or, for a copy of a copy, its data objects) part by part; a part of the
    copy's manifest is written once its objects are all copied, so a slice resumes at the part's index.
    A source manifest that cannot be read fails the copy."""
    copy = state.copy_progress
    assert copy is not None

    def visit(entry: Entry) -> bool:
        try:
            storage.copy_in(
                _source_of(entry, state.bucket, source.bucket),
                data_key(prefix, copy.part, copy.index),
                entry["s"],
                copy.kms_key_arn,
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in MISSING_VERSION:
                raise
            copy.record_failure(f"{entry['k']} version {entry['v']}: {code}")
        return True

    def part_done(part: int, entries: list[Entry]) -> None:
        copied = [{**entry, "d": data_key(prefix, part, i)} for i, entry in enumerate(entries)]
        storage.put_lines(manifest_part_key(prefix, part), copied)
        state.parts += 1
        state.objects += len(entries)
        state.bytes += sum(entry["s"] for entry in entries)

    def read_part(part: int) -> list[Entry]:
        try:
            return source.get_lines(manifest_part_key(source_prefix, part))
        except (ClientError, VaultStorageMissing) as error:
            if isinstance(error, ClientError) and error.response["Error"]["Code"] not in MISSING_VERSION:
                raise  # throttling and the like: the next tracking run resumes here
            raise ManifestUnreadable(
                f"The source recovery point's manifest could not be read from {source.bucket}: {error}"
            ) from error

    if walk_to_end(ManifestWalk(read_part, visit, part_done), copy, budget, state):
        end_job(
            state,
            copy,
            lambda first: (
                f"{copy.failed} of {state.objects} objects could not be copied (their versions are gone "
                f"from {state.bucket}, or cannot be read): {first}"
            ),
        )


def restore_slice(
    s3: Callable[[], Any],
    storage: VaultStorage,
    prefix: str,
    state: S3RestoreState,
    budget: WorkBudget,
    failed: list[ObjectFailure],
) -> None:
    """Restores the recorded versions that ItemsToRestore selects, from the cursor; `failed` gets this slice's
    failures (each is notified once)."""
    plan = RestorePlan(state.source_bucket, state.destination, False, tuple(state.items), state.encryption)

    def visit(entry: Entry) -> bool:
        state.examined += 1
        if not plan.selects(entry["k"]):
            return False
        _restore_object(s3(), storage.bucket, plan, entry, state, failed)
        return True

    def read_part(part: int) -> list[Entry]:
        try:
            return storage.get_lines(manifest_part_key(prefix, part))
        except ClientError as error:
            raise ManifestUnreadable(f"The recovery point's manifest could not be read: {error}") from error

    if walk_to_end(ManifestWalk(read_part, visit), state, budget, state):
        end_job(
            state,
            state,
            lambda first: (
                f"{state.failed} of {state.restored + state.skipped + state.failed} objects could not "
                f"be restored (their versions are gone from {state.source_bucket}): {first}"
            ),
        )


def _restore_object(
    client: Any, vault_bucket: str, plan: RestorePlan, entry: Entry, state: S3RestoreState, failed: list[ObjectFailure]
) -> None:
    try:
        client.head_object(Bucket=plan.destination, Key=entry["k"])
        state.skipped += 1  # not destructive: an object that exists now is left as it is
        return
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound", "405"):
            raise
    source = _source_of(entry, plan.source_bucket, vault_bucket)
    try:
        if entry["s"] > SINGLE_COPY_LIMIT:
            client.copy(source, plan.destination, entry["k"], ExtraArgs=plan.encryption or None)
        else:
            client.copy_object(CopySource=source, Bucket=plan.destination, Key=entry["k"], **plan.encryption)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code not in MISSING_VERSION:
            raise
        failed.append(ObjectFailure(entry["k"], entry.get("v"), code))
        state.record_failure(f"{entry['k']} version {entry['v']}: {code}")
        return
    state.restored += 1
    state.bytes += entry["s"]
