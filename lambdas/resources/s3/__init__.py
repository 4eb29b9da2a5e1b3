"""S3 buckets on the copy-into-vault engine (lambdas/resources/vault_copy): the adapter and what callers name."""

from lambdas.resources.s3.adapter import S3Adapter, bucket_arn
from lambdas.resources.s3.moving import SINGLE_COPY_LIMIT
from lambdas.resources.s3.restore_plan import MAX_ITEMS_TO_RESTORE, RestorePlan

__all__ = ["MAX_ITEMS_TO_RESTORE", "SINGLE_COPY_LIMIT", "RestorePlan", "S3Adapter", "bucket_arn"]
