"""What a resource type is, as plain data: the one description every per-type table is fed from.

A package under lambdas/resources/ states its type once, in a TypeSpec: the name AWS Backup gives it, the ARN
forms that name one of its resources, its traits (cold tier, copies, restore metadata, start quota, backup
options) and the IAM its calls need, job by job. lambdas/resources/types.py lists the specs; ARN parsing
(lambdas/domain/arns.py), the API's supported types and the stack's roles
(infrastructure/constructs/resource_access.py) read them there. Nothing here does I/O or imports boto3, so the
domain and the CDK app may import it.

IAM is data so that it sits next to the calls it grants: a Grant is one statement, its resources and condition
values templates with {partition}, {region} and {account} (the stack fills them with its own tokens). Each type's
grants are in its package's iam.py; the blocks several types share are lambdas/resources/grants.py."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter

# The jobs a function does on resources, each with the adapter calls it makes (resource_access.py says which
# function does which job).
JOBS = (
    "start_backup",
    "track_backup",
    "delete_backup",
    "move_to_cold",
    "copy_backup",
    "check_restore",
    "start_restore",
    "poll_restore",
    "catalog",
    "record_restore_test",
    "test_restore",
)


@dataclass(frozen=True)
class Grant:
    """One IAM Allow statement. Statements with the same sid are merged by the stack (two types may both ask
    for DescribeRedshift), so a sid must mean the same resources and conditions wherever it is used."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ("*",)
    # IAM's condition blocks: {"StringEquals": {"kms:ViaService": "redshift.{region}.amazonaws.com"}}.
    conditions: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


@dataclass(frozen=True)
class ArnForm:
    """(service, resource kind) of the ARNs that name the type's resources; `must_contain` a part the resource
    must have (a Storage Gateway volume, not a bare gateway), refused with `refusal` otherwise."""

    service: str
    kind: str
    must_contain: str = ""
    refusal: str = ""


@dataclass(frozen=True)
class AdapterContext:
    """What a type's adapter is built from: lazy clients of one account and Region (service name -> client)."""

    client: Callable[[str], Callable[[], Any]]
    region: str
    account: str
    vault_storage: Any = None  # S3 and EFS keep their data in Strongroom's vault bucket (vault_storage.py)
    efs_mover: Any = None  # how EFS data is moved (a mover function in Lambda, in-process locally)


def adapter_in(module: str) -> Callable[[AdapterContext], ResourceAdapter]:
    """The `build(ctx)` of the adapter module named, imported when first called: a spec never imports its adapter
    (nor boto3), so the domain and the CDK app read specs freely, and the adapters may import the domain."""

    def build(ctx: AdapterContext) -> ResourceAdapter:
        built: ResourceAdapter = importlib.import_module(module).build(ctx)
        return built

    return build


@dataclass(frozen=True)
class TypeSpec:
    resource_type: str  # as AWS Backup spells it (GetSupportedResourceTypes, ResourceType)
    arn_forms: tuple[ArnForm, ...]
    tagging_filter: str  # the Resource Groups Tagging API's ResourceTypeFilters value
    summary: str  # what a recovery point is and what a restore makes, for docs/resource-types.md
    supports_cold_storage: bool = False
    # Copies: how many may run at once into one destination Region (None: unbounded by Strongroom), or why the
    # type's recovery points cannot be copied at all (None: they can).
    concurrent_copies: int | None = None
    copy_refusal: str | None = None
    restore_metadata_keys: tuple[str, ...] = ()
    start_quota: str = ""  # what bounds the backups that may start at once, in words ("" when nothing does)
    backup_options: dict[str, frozenset[str]] = field(default_factory=dict)  # AdvancedBackupSettings accepted
    manageable: bool = False  # ResourceTypeManagementPreference accepts it
    imports_native_backups: bool = False
    # Builds the adapter; imports it when called, so that reading a spec never imports boto3 or botocore.
    build: Callable[[AdapterContext], ResourceAdapter] | None = None
    # IAM per job (a name in JOBS): what the adapter's calls for that job need (the package's iam.py; the shared
    # blocks are lambdas/resources/grants.py). The stack turns them into statements (resource_access.py).
    iam: dict[str, tuple[Grant, ...]] = field(default_factory=dict)
    # Why each wildcard resource of those grants cannot be narrower, for the cdk-nag findings the stack explains
    # (infrastructure/constructs/findings.py): (service, resource kind) -> reason, e.g. ("redshift", "cluster") ->
    # "The clusters plans select...". Two types granting the same kind must give the same reason (a shared block's
    # reasons live beside its grants, in lambdas/resources/grants.py or the family's iam.py).
    wildcard_reasons: dict[tuple[str, str], str] = field(default_factory=dict)
    # What the local runtime needs to emulate the type where the emulator falls short or is laxer than AWS: dotted
    # paths of modules under local/, each with a PATCHES patch set (local/patch_sets.py applies it), an
    # install(host) stand-in (local/type_stand_ins.py installs it), or both; each module once, in the registry's
    # order. Names, not imports: Lambda code never imports local/.
    local_emulation: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.iam) - set(JOBS)
        if unknown:
            raise ValueError(f"{self.resource_type}: IAM for unknown jobs {sorted(unknown)}; jobs are {JOBS}")
        outside = [module for module in self.local_emulation if not module.startswith("local.")]
        if outside:
            raise ValueError(f"{self.resource_type}: local emulation outside local/: {outside}")


def native_type(
    resource_type: str,
    resource: str,
    summary: str,
    *,
    package: str,
    owns_arns: bool = True,
    build: Callable[[AdapterContext], ResourceAdapter] | None = None,
    **traits: Any,
) -> TypeSpec:
    """The spec of a type whose resources are named by one ARN form, `resource` as "service:kind" (ec2:volume),
    which is also the Tagging API's filter for them, and whose adapter is `build` in <package>.adapter unless
    given. owns_arns=False for a type that shares its ARN form with another (DocumentDB and Neptune clusters are
    rds:cluster, as Aurora's: Aurora's adapter owns the form and tells the three apart)."""
    service, kind = resource.split(":", 1)
    return TypeSpec(
        resource_type=resource_type,
        arn_forms=(ArnForm(service, kind),) if owns_arns else (),
        tagging_filter=resource,
        summary=summary,
        build=build or adapter_in(f"{package}.adapter"),
        **traits,
    )
