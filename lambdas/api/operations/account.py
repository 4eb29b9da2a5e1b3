"""Account-level operations: supported resource types, Region opt-in, global settings, protected resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.restore_times import measured_seconds, whole_minutes
from lambdas.domain.settings import GlobalSettings, RegionSettings
from lambdas.resources.types import TYPES
from lambdas.services import recovery_times
from lambdas.services.context import ServiceContext

# The types whose backups AWS Backup can manage itself ("advanced features"), per the API reference.
MANAGEABLE_TYPES = frozenset(spec.resource_type for spec in TYPES if spec.manageable)
KNOWN_GLOBAL_SETTINGS = {"isCrossAccountBackupEnabled", "isMpaEnabled", "isDelegatedAdministratorEnabled"}


@operation("GetSupportedResourceTypes")
def get_supported_resource_types(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"ResourceTypes": ctx.adapters.supported_types()}


@operation("DescribeRegionSettings")
def describe_region_settings(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    settings = ctx.stores.settings.region().with_defaults(ctx.adapters.supported_types())
    return settings.model_dump()


@operation("UpdateRegionSettings")
def update_region_settings(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    supported = set(ctx.adapters.supported_types())
    current = ctx.stores.settings.region()
    opt_in = dict(current.ResourceTypeOptInPreference)
    for resource_type, enabled in request.get("ResourceTypeOptInPreference", {}).items():
        if resource_type not in supported:
            raise InvalidParameterValueException(
                f"Resource type {resource_type} is not supported; supported: {', '.join(sorted(supported))}"
            )
        opt_in[resource_type] = bool(enabled)
    requested = request.get("ResourceTypeManagementPreference", {})
    unmanageable = sorted(set(requested) - MANAGEABLE_TYPES)
    if unmanageable:
        takes = ", ".join(sorted(MANAGEABLE_TYPES))
        raise InvalidParameterValueException(
            f"ResourceTypeManagementPreference takes {takes}; got {', '.join(unmanageable)}"
        )
    management = {**current.ResourceTypeManagementPreference, **requested}
    ctx.stores.settings.save_region(
        RegionSettings(ResourceTypeOptInPreference=opt_in, ResourceTypeManagementPreference=management)
    )
    return {}


@operation("DescribeGlobalSettings")
def describe_global_settings(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {**ctx.stores.settings.global_settings().model_dump(), "LastUpdateTime": None}


@operation("UpdateGlobalSettings")
def update_global_settings(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    changes = request.get("GlobalSettings", {})
    unknown = sorted(set(changes) - KNOWN_GLOBAL_SETTINGS)
    if unknown:
        raise InvalidParameterValueException(f"Unknown global setting(s): {', '.join(unknown)}")
    for key, value in changes.items():
        if value not in ("true", "false"):
            raise InvalidParameterValueException(f"Global setting {key} takes 'true' or 'false', got {value!r}")
    current = ctx.stores.settings.global_settings()
    ctx.stores.settings.save_global(GlobalSettings(GlobalSettings={**current.GlobalSettings, **changes}))
    return {}


def _protected(resource: Any) -> dict[str, Any]:
    return resource.model_dump()


@operation("ListProtectedResources")
def list_protected_resources(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    found, token = ctx.stores.protected.page(page_size(request), request.get("NextToken"))
    return {"Results": [_protected(r) for r in found], "NextToken": token}


@operation("ListProtectedResourcesByBackupVault")
def list_protected_resources_by_backup_vault(
    ctx: ServiceContext, request: dict[str, Any], now: datetime
) -> dict[str, Any]:
    ctx.stores.vaults.get(request["BackupVaultName"])
    found, token = ctx.stores.protected.in_vault(
        request["BackupVaultName"], page_size(request), request.get("NextToken")
    )
    return {"Results": [_protected(r) for r in found], "NextToken": token}


@operation("DescribeProtectedResource")
def describe_protected_resource(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The Latest... members: the resource's newest restore job, and the recovery time of its newest completed
    one (a restore still running has taken no time yet)."""
    resource = ctx.stores.protected.get(request["ResourceArn"])
    latest, completed = recovery_times.latest_restores(ctx, resource.ResourceArn)
    seconds = measured_seconds(completed) if completed else None
    return {
        **resource.model_dump(),
        "LatestRestoreExecutionTimeMinutes": whole_minutes(seconds) if seconds is not None else None,
        "LatestRestoreJobCreationDate": latest.CreationDate if latest else None,
        "LatestRestoreRecoveryPointCreationDate": latest.RecoveryPointCreationDate if latest else None,
    }
