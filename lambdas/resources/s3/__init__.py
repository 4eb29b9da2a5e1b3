"""S3 buckets (moved from lambdas/resources/s3.py; split next)."""

from lambdas.resources.s3.adapter import *  # noqa: F403
