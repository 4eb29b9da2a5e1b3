"""Fields AWS Backup's model accepts that Strongroom does not carry out yet. Accepting and ignoring them would
let a user believe they have point-in-time recovery, indexes, malware scans or VSS-consistent backups, so
each is refused with InvalidParameterValueException naming the field, until it is built.

A field is refused only when it asks for something: `EnableContinuousBackup: false`, an empty
`IndexActions` list or `WindowsVSS: disabled` ask for what Strongroom does anyway, and pass.
docs/api-refusals.md lists these for users; keep the two in step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lambdas.domain.errors import InvalidParameterValueException

NOT_CARRIED_OUT = "Strongroom does not carry it out yet (see docs/api-refusals.md)"


@dataclass(frozen=True)
class Unsupported:
    operations: frozenset[str]
    field: str  # as the user wrote it, dotted from the request's top
    asks: Callable[[dict[str, Any]], Iterator[str]]  # yields the field path of each value that asks for it


def _rules(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, rule in enumerate((request.get("BackupPlan") or {}).get("Rules") or []):
        yield f"BackupPlan.Rules.{index}", rule


def _rule_field(name: str, asks: Callable[[Any], bool]) -> Callable[[dict[str, Any]], Iterator[str]]:
    def find(request: dict[str, Any]) -> Iterator[str]:
        for path, rule in _rules(request):
            if name in rule and asks(rule[name]):
                yield f"{path}.{name}"

    return find


def _lifecycles(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Lifecycle of a request: a plan's rules and their copy actions, or the request's own."""
    if isinstance(request.get("Lifecycle"), dict):
        yield "Lifecycle", request["Lifecycle"]
    for path, rule in _rules(request):
        if isinstance(rule.get("Lifecycle"), dict):
            yield f"{path}.Lifecycle", rule["Lifecycle"]
        for index, copy in enumerate(rule.get("CopyActions") or []):
            if isinstance(copy.get("Lifecycle"), dict):
                yield f"{path}.CopyActions.{index}.Lifecycle", copy["Lifecycle"]


def _archive_opt_in(request: dict[str, Any]) -> Iterator[str]:
    for path, lifecycle in _lifecycles(request):
        if lifecycle.get("OptInToArchiveForSupportedResources"):
            yield f"{path}.OptInToArchiveForSupportedResources"


def _windows_vss(options: dict[str, Any] | None) -> bool:
    return (options or {}).get("WindowsVSS", "disabled") != "disabled"


def _plan_vss(request: dict[str, Any]) -> Iterator[str]:
    for index, setting in enumerate((request.get("BackupPlan") or {}).get("AdvancedBackupSettings") or []):
        if _windows_vss(setting.get("BackupOptions")):
            yield f"BackupPlan.AdvancedBackupSettings.{index}.BackupOptions.WindowsVSS"


# S3's advanced options, as the S3 adapter carries them out: a restore copies each object version with
# CopyObject, which takes the version's tags along and not its ACL. So ACLs are never backed up (asking for
# them, "enabled", is refused) and tags always are (asking to leave them out, "disabled", is refused).
_S3_OPTIONS_NOT_CARRIED_OUT = {"BackupACLs": "enabled", "BackupObjectTags": "disabled"}


def _plan_s3_options(request: dict[str, Any]) -> Iterator[str]:
    for index, setting in enumerate((request.get("BackupPlan") or {}).get("AdvancedBackupSettings") or []):
        options = setting.get("BackupOptions") or {}
        if setting.get("ResourceType") != "S3" or not isinstance(options, dict):
            continue
        for option, asks in _S3_OPTIONS_NOT_CARRIED_OUT.items():
            if options.get(option) == asks:
                yield f"BackupPlan.AdvancedBackupSettings.{index}.BackupOptions.{option}"


def _job_s3_options(request: dict[str, Any]) -> Iterator[str]:
    options = request.get("BackupOptions") or {}
    for option, asks in _S3_OPTIONS_NOT_CARRIED_OUT.items():
        if isinstance(options, dict) and options.get(option) == asks:
            yield f"BackupOptions.{option}"


def _plan_scan_settings(request: dict[str, Any]) -> Iterator[str]:
    if (request.get("BackupPlan") or {}).get("ScanSettings"):
        yield "BackupPlan.ScanSettings"


def _top(name: str, asks: Callable[[Any], bool]) -> Callable[[dict[str, Any]], Iterator[str]]:
    def find(request: dict[str, Any]) -> Iterator[str]:
        if name in request and asks(request[name]):
            yield name

    return find


def _job_vss(request: dict[str, Any]) -> Iterator[str]:
    if _windows_vss(request.get("BackupOptions")):
        yield "BackupOptions.WindowsVSS"


def _dynamodb_management(request: dict[str, Any]) -> Iterator[str]:
    if (request.get("ResourceTypeManagementPreference") or {}).get("DynamoDB"):
        yield "ResourceTypeManagementPreference.DynamoDB"


_PLANS = frozenset({"CreateBackupPlan", "UpdateBackupPlan"})
_ON_DEMAND = frozenset({"StartBackupJob"})


def _set(value: Any) -> bool:
    """True when the value asks for something: true, a non-empty list, a map with a true value."""
    if isinstance(value, dict):
        return any(value.values())
    return bool(value)


UNSUPPORTED: tuple[Unsupported, ...] = (
    Unsupported(_PLANS, "EnableContinuousBackup", _rule_field("EnableContinuousBackup", _set)),
    Unsupported(_PLANS, "IndexActions", _rule_field("IndexActions", _set)),
    Unsupported(_PLANS, "ScanActions", _rule_field("ScanActions", _set)),
    Unsupported(_PLANS, "ScanSettings", _plan_scan_settings),
    Unsupported(
        _PLANS, "TargetLogicallyAirGappedBackupVaultArn", _rule_field("TargetLogicallyAirGappedBackupVaultArn", _set)
    ),
    Unsupported(_PLANS, "AdvancedBackupSettings WindowsVSS", _plan_vss),
    Unsupported(_PLANS, "AdvancedBackupSettings S3 BackupACLs / BackupObjectTags", _plan_s3_options),
    Unsupported(
        _PLANS | _ON_DEMAND | frozenset({"StartCopyJob", "UpdateRecoveryPointLifecycle"}),
        "OptInToArchiveForSupportedResources",
        _archive_opt_in,
    ),
    Unsupported(_ON_DEMAND, "BackupOptions WindowsVSS", _job_vss),
    Unsupported(_ON_DEMAND, "BackupOptions S3 BackupACLs / BackupObjectTags", _job_s3_options),
    Unsupported(_ON_DEMAND, "Index", _top("Index", lambda value: value == "ENABLED")),
    Unsupported(_ON_DEMAND, "LogicallyAirGappedBackupVaultArn", _top("LogicallyAirGappedBackupVaultArn", _set)),
    Unsupported(
        frozenset({"StartRestoreJob"}),
        "CopySourceTagsToRestoredResource",
        _top("CopySourceTagsToRestoredResource", _set),
    ),
    Unsupported(
        frozenset({"UpdateRegionSettings"}), "ResourceTypeOptInIncremental", _top("ResourceTypeOptInIncremental", _set)
    ),
    Unsupported(frozenset({"UpdateRegionSettings"}), "ResourceTypeManagementPreference DynamoDB", _dynamodb_management),
)


def refuse_unsupported(operation: str, request: dict[str, Any]) -> None:
    for unsupported in UNSUPPORTED:
        if operation not in unsupported.operations:
            continue
        for path in unsupported.asks(request):
            raise InvalidParameterValueException(f"{path} is set, but {NOT_CARRIED_OUT}")
