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
DEFAULT_KEY_OUTPUT = "DefaultVaultKeyArn"

# A deploy onto the catalog a destroyed stack retained (table, vault bucket, default vault key and its alias):
# `cdk deploy -c adopt_catalog=true -c adopt_catalog_key_arn=<key ARN>` (docs/deploying.md).
ADOPT_CATALOG_CONTEXT = "adopt_catalog"
ADOPT_CATALOG_KEY_ARN_CONTEXT = "adopt_catalog_key_arn"

# The vault storage bucket (S3 and EFS recovery point data). Named per account and Region exactly as
# lambdas.resources.vault_storage.default_vault_bucket derives it, so functions that do not read
# STRONGROOM_VAULT_BUCKET yet find the same bucket. Being named and retained, it blocks a redeploy after
# `cdk destroy` until it is emptied and deleted, or imported: its recovery points outlive the stack.
VAULT_BUCKET_PREFIX = "strongroom-vault"


def vault_bucket_name(account: str, region: str) -> str:
    return f"{VAULT_BUCKET_PREFIX}-{account}-{region}"


# The EFS movers: one Lambda function per protected file system, `strongroom-efs-mover-<file system id>`
# (lambdas.resources.efs.mover.MOVER_FUNCTION_PREFIX), built for each file system the `efs_file_systems` context
# lists (constructs/efs_movers.py); the engine looks them up and invokes them by this prefix only.
EFS_MOVER_FUNCTION_PREFIX = "strongroom-efs-mover-"
EFS_FILE_SYSTEMS_CONTEXT = "efs_file_systems"
ALERTS_KEY_ALIAS = "alias/strongroom/alerts"
# `cdk deploy -c alert_email=ops@example.com[,oncall@example.com]` subscribes each address to the alerts topic
# (each must confirm); the topic's ARN is a stack output, for any other subscription (docs/alerting.md).
ALERT_EMAIL_CONTEXT = "alert_email"
ALERTS_TOPIC_OUTPUT = "AlertsTopicArn"

# Powertools for AWS Lambda (Python) v3 public layer, the very version the tests run (lambdas/requirements.txt).
# It carries aws-lambda-powertools and pydantic v2, which is all lambdas/ needs beside the runtime's boto3.
# Its ARN is resolved at deploy time from the public SSM parameter Powertools publishes per Region, architecture,
# Python version and release (/aws/service/powertools/python/arm64/python3.12/3.37.0), so the layer's account,
# Region and partition are whatever Powertools publishes there, never written here. Where no such parameter
# exists (China Regions: a layer of another account), name the layer: `cdk deploy -c powertools_layer_arn=ARN`.
POWERTOOLS_LAYER_ARN_CONTEXT = "powertools_layer_arn"
LAMBDA_REQUIREMENTS = PROJECT_ROOT / "lambdas" / "requirements.txt"


def pinned_version(package: str, requirements: Path = LAMBDA_REQUIREMENTS) -> str:
    """The `package==X` pin of a requirements file."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        name, _, version = line.split("#", 1)[0].strip().partition("==")
        if name.split("[", 1)[0].strip().lower() == package:
            return version.strip()
    raise ValueError(f"{requirements} pins no {package}")


def powertools_layer_parameter(runtime: str, version: str) -> str:
    """The public SSM parameter holding the ARN of the Powertools layer of `version` for `runtime` on ARM64."""
    return f"/aws/service/powertools/python/arm64/{runtime}/{version}"


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

# The web console, deployed (constructs/console_site.py) only with `cdk deploy -c console=true` (docs/deploying.md).
CONSOLE_CONTEXT = "console"
CONSOLE_URL_OUTPUT = "ConsoleUrl"
CONSOLE_BUCKET_OUTPUT = "ConsoleBucket"
CONSOLE_DISTRIBUTION_OUTPUT = "ConsoleDistributionId"
CONSOLE_USER_POOL_OUTPUT = "ConsoleUserPoolId"
CONSOLE_CONFIG_OUTPUT = "ConsoleConfig"

# Accounts whose Strongroom deployments may copy recovery points into this one's vaults (the copy
# destination role trusts exactly these): `cdk deploy -c copy_source_accounts=111111111111,222222222222`.
COPY_SOURCE_ACCOUNTS_CONTEXT = "copy_source_accounts"

# The stack's output naming the function that imports the backups services made themselves (no API operation).
IMPORT_FUNCTION_OUTPUT = "ImportNativeBackupsFunction"
