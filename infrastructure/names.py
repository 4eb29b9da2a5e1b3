"""Names used only by the CDK side. Names shared with the local runtime live in constants.py."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_logs as logs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = PROJECT_ROOT / "cdk.json"

STACK_ID = "Strongroom"
STACK_DESCRIPTION = "Strongroom: policy-based backup for AWS (an open-source AWS Backup clone)"

EVENT_BUS_NAME = "strongroom"

DEFAULT_KEY_ALIAS = "alias/strongroom/default-vault"

# The vault storage bucket (S3 and EFS recovery point data). Named per account and Region exactly as
# lambdas.resources.vault_storage.default_vault_bucket derives it, so functions that do not read
# STRONGROOM_VAULT_BUCKET yet find the same bucket. Being named and retained, it blocks a redeploy after
# `cdk destroy` until it is emptied and deleted, or imported: its recovery points outlive the stack.
VAULT_BUCKET_PREFIX = "strongroom-vault"


def vault_bucket_name(account: str, region: str) -> str:
    return f"{VAULT_BUCKET_PREFIX}-{account}-{region}"


# The EFS movers: one Lambda function per protected file system, `strongroom-efs-mover-<file system id>`
# (lambdas.resources.efs.MOVER_FUNCTION_PREFIX). This stack does not create them yet; the engine may look
# them up and invoke them by this prefix only.
EFS_MOVER_FUNCTION_PREFIX = "strongroom-efs-mover-"
ALERTS_KEY_ALIAS = "alias/strongroom/alerts"

# Powertools for AWS Lambda (Python) v3 public layer. It carries aws-lambda-powertools and pydantic v2,
# which is all lambdas/ needs beside the runtime's boto3. Override the version with
# `cdk deploy -c powertools_layer_version=N` (cdk.json holds the project's default).
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_VERSION_CONTEXT = "powertools_layer_version"
POWERTOOLS_LAYER_VERSION_DEFAULT = "27"

LOG_RETENTION = logs.RetentionDays.ONE_MONTH

# The Lambda asset is the project root filtered down to the `lambdas/` package, so handlers are
# importable as `lambdas.handlers.<name>.handler`. Allow-list: exclude everything ("*" and dotfiles
# such as .venv and .git), re-include lambdas/, then drop byte code.
LAMBDA_ASSET_EXCLUDES = (
    "*",
    ".*",
    "!lambdas",
    "!lambdas/**",
    "__pycache__",
    "*.pyc",
)

# The Backup API: the stage is part of the endpoint (`aws backup --endpoint-url <BackupApiEndpoint>`).
API_NAME = "strongroom-backup-api"
API_STAGE_NAME = "v1"
API_ENDPOINT_OUTPUT = "BackupApiEndpoint"
