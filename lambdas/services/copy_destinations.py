"""Where copies go. A destination vault lives in a Strongroom deployment of some account and Region; a copy
job reaches that deployment's catalog and resource adapters through this port.

Every deployment names its catalog table and vault storage bucket the same way, and a deployment that
accepts copies from other accounts has a role of a known name in each Region that those accounts' copying
roles may assume (`copy_destination_role_arn`, and the stack's CopyDestination construct, which trusts only
roles under `COPY_SOURCE_ROLE_PATH`). Within one account, another Region is reached with the function's own
credentials."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lambdas.domain.errors import BackupError
from lambdas.resources.registry import AdapterRegistry
from lambdas.store.dynamodb_table import DynamoDbTable
from lambdas.store.schema import CATALOG_TABLE_NAME
from lambdas.store.stores import Stores

# IAM role names are account-wide: one destination role per Region, so every Region of an account can deploy.
COPY_DESTINATION_ROLE_PREFIX = "strongroom-copy-destination"
# The source deployment's roles that run copy jobs (TrackJobs, the Api) live under this path; a destination
# role trusts only roles of its source accounts under it (aws:PrincipalArn), not the accounts as a whole.
COPY_SOURCE_ROLE_PATH = "/strongroom/copies/"


def copy_destination_role_name(region: str) -> str:
    """`strongroom-copy-destination-eu-west-1`: the role a deployment in `region` offers to its copy sources."""
    return f"{COPY_DESTINATION_ROLE_PREFIX}-{region}"


def partition_of(region: str) -> str:
    """The partition a Region belongs to (a role is assumed within one partition)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def copy_destination_role_arn(account: str, region: str) -> str:
    """The destination role of the deployment in `account` and `region`, as the source side assumes it."""
    return f"arn:{partition_of(region)}:iam::{account}:role/{copy_destination_role_name(region)}"


# Assumed-role credentials last an hour; a cached destination is rebuilt well before they run out.
_CREDENTIALS_REUSE_SECONDS = 45 * 60


class CopyRefused(BackupError):
    """A copy that cannot work as configured: the job fails with this message, which says how to fix it."""

    code = "InvalidRequestException"
    http_status = 400


@dataclass(frozen=True)
class Destination:
    account: str
    region: str
    stores: Stores
    adapters: AdapterRegistry


class CopyDestinations(Protocol):
    def open(self, account: str, region: str) -> Destination:
        """The deployment holding vaults of `account` in `region`; CopyRefused when it cannot be reached."""

    def is_aws_managed_key(self, key_arn: str) -> bool:
        """True for a key AWS manages (aws/ebs, aws/rds...): such keys cannot be shared across accounts."""


# (service, region, credentials or None for the function's own) -> a client
ClientMaker = Callable[[str, str, dict[str, str] | None], Any]
# (client factory, region, account) -> that deployment's adapters
AdapterBuilder = Callable[[Callable[[str], Callable[[], Any]], str, str], AdapterRegistry]


class AwsCopyDestinations:
    def __init__(self, home: Destination, make_client: ClientMaker, build_adapters: AdapterBuilder) -> None:
        self._home = home
        self._make_client = make_client
        self._build_adapters = build_adapters
        self._cache: dict[tuple[str, str], tuple[float, Destination]] = {}
        self._lock = threading.Lock()

    def open(self, account: str, region: str) -> Destination:
        if (account, region) == (self._home.account, self._home.region):
            return self._home
        with self._lock:
            cached = self._cache.get((account, region))
            if cached is not None and time.monotonic() - cached[0] < _CREDENTIALS_REUSE_SECONDS:
                return cached[1]
            destination = self._connect(account, region)
            self._cache[(account, region)] = (time.monotonic(), destination)
            return destination

    def _connect(self, account: str, region: str) -> Destination:
        credentials = None if account == self._home.account else self._assume(account, region)

        def client(service: str) -> Callable[[], Any]:
            made: list[Any] = []

            def lazy() -> Any:
                if not made:
                    made.append(self._make_client(service, region, credentials))
                return made[0]

            return lazy

        dynamodb = self._make_client("dynamodb", region, credentials)
        try:
            dynamodb.describe_table(TableName=CATALOG_TABLE_NAME)
        except Exception as error:  # noqa: BLE001 - not found and access denied need the same fix
            raise CopyRefused(
                f"No Strongroom deployment answers in account {account} in {region} (its catalog table "
                f"{CATALOG_TABLE_NAME} cannot be read: {error}). Deploy Strongroom there "
                f"(cdk deploy in {region}) before copying into its vaults"
            ) from None
        stores = Stores.over(DynamoDbTable(dynamodb, CATALOG_TABLE_NAME))
        return Destination(account, region, stores, self._build_adapters(client, region, account))

    def _assume(self, account: str, region: str) -> dict[str, str]:
        role = copy_destination_role_arn(account, region)
        try:
            answer = self._make_client("sts", self._home.region, None).assume_role(
                RoleArn=role, RoleSessionName=f"strongroom-copy-from-{self._home.account}"
            )
        except Exception as error:  # noqa: BLE001 - any failure here means the same fix
            raise CopyRefused(
                f"Cannot assume {role} to copy into account {account}: {error}. Deploy Strongroom in account "
                f"{account} in {region} with this account ({self._home.account}) among its copy source accounts "
                "(cdk deploy -c copy_source_accounts=...)"
            ) from None
        found = answer["Credentials"]
        return {
            "aws_access_key_id": found["AccessKeyId"],
            "aws_secret_access_key": found["SecretAccessKey"],
            "aws_session_token": found["SessionToken"],
        }

    def is_aws_managed_key(self, key_arn: str) -> bool:
        if ":alias/aws/" in key_arn or key_arn.startswith("alias/aws/"):
            return True
        region = key_arn.split(":")[3] if key_arn.startswith("arn:") else self._home.region
        kms = self._make_client("kms", region, None)
        return bool(kms.describe_key(KeyId=key_arn)["KeyMetadata"].get("KeyManager") == "AWS")
