"""The IAM the S3 adapter's calls need, job by job: a recovery point is a manifest of object versions, kept in
the vault bucket (the stack grants that bucket to every function that needs it); a restore copies those versions
into a destination bucket. The customer's buckets are whatever the plans select and restores name: any bucket."""

from __future__ import annotations

from lambdas.resources.grants import RESTORED_MARK, copy_vault_storage, use_keys
from lambdas.resources.spec import Grant

BUCKETS = "arn:{partition}:s3:::*"
OBJECTS = "arn:{partition}:s3:::*/*"

LIST_BUCKETS = Grant("ListBuckets", ("s3:ListAllMyBuckets",))
DESCRIBE_BUCKETS = Grant(
    "DescribeBuckets",
    ("s3:GetBucketLocation", "s3:GetBucketTagging", "s3:GetEncryptionConfiguration", "s3:GetBucketVersioning"),
    (BUCKETS,),
)
# HeadBucket on a restore's destination; HeadObject there answers 404, not 403, for a missing key only with it.
FIND_DESTINATIONS = Grant("FindDestinationBuckets", ("s3:ListBucket",), (BUCKETS,))

RESTORED_BUCKETS = f"arn:{{partition}}:s3:::{RESTORED_MARK}"

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (LIST_BUCKETS, DESCRIBE_BUCKETS),
    # The backup lists the bucket's versions, in slices, from backup_status.
    "track_backup": (Grant("ListBucketVersions", ("s3:ListBucketVersions",), (BUCKETS,)),),
    "check_restore": (FIND_DESTINATIONS,),
    "start_restore": (
        Grant(
            "PrepareDestinationBuckets",
            ("s3:CreateBucket", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:GetBucketTagging"),
            (BUCKETS,),
        ),
        FIND_DESTINATIONS,
    ),
    # An S3 copy holds the data: every version its manifest records is read from the customer's bucket.
    "copy_backup": (
        *copy_vault_storage(),
        Grant("ReadBucketVersionsToCopy", ("s3:GetObjectVersion", "s3:GetObjectVersionTagging"), (OBJECTS,)),
    ),
    "poll_restore": (
        FIND_DESTINATIONS,
        # CopyObject of the recorded version, with its tags; multipart above 5 GB.
        Grant(
            "CopyRecordedVersions",
            (
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:GetObjectVersionTagging",
                "s3:PutObject",
                "s3:PutObjectTagging",
            ),
            (OBJECTS,),
        ),
        use_keys("S3", "s3", "Decrypt", "GenerateDataKey"),
    ),
    "catalog": (LIST_BUCKETS, DESCRIBE_BUCKETS),
    # Restore testing (validation.py): the manifest of the source's versions; the copy's, then its deletion.
    "record_restore_test": (Grant("ListBucketsForRestoreTests", ("s3:ListBucketVersions",), (BUCKETS,)),),
    "test_restore": (
        Grant("CheckRestoredBuckets", ("s3:ListBucketVersions",), (RESTORED_BUCKETS,)),
        Grant(
            "DeleteRestoredBuckets",
            ("s3:DeleteObjectVersion", "s3:DeleteBucket"),
            (RESTORED_BUCKETS, f"{RESTORED_BUCKETS}/*"),
        ),
    ),
}
