"""What each AWS Backup operation asks of the caller's identity policy: the IAM action and the resource ARN,
as the Service Authorization Reference lists them for AWS Backup ("Actions, resources, and condition keys for
AWS Backup"). An action whose row names no resource type is authorized on "*".

Resource types (the reference's ARN formats):
  backupVault    arn:${Partition}:backup:${Region}:${Account}:backup-vault:${BackupVaultName}
  backupPlan     arn:${Partition}:backup:${Region}:${Account}:backup-plan:${BackupPlanId}
  recoveryPoint  the recovery point's ARN (arn:...:backup:...:recovery-point:ID, or the native backup's ARN)
  legalHold      arn:${Partition}:backup:${Region}:${Account}:legal-hold:${LegalHoldId}
  framework      arn:${Partition}:backup:${Region}:${Account}:framework:${FrameworkName}-${FrameworkId}
  reportPlan     arn:${Partition}:backup:${Region}:${Account}:report-plan:${ReportPlanName}-${ReportPlanId}
A framework or report plan is named in the request, not its id: its ARN ends in "Name-*".

Operations that hand AWS Backup a role (StartBackupJob, StartCopyJob, StartRestoreJob, CreateBackupSelection)
also need `iam:PassRole` on that role, passed to backup.amazonaws.com, as AWS Backup requires."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

PASSED_TO_SERVICE = "backup.amazonaws.com"  # what a caller passes a role to, in AWS Backup's terms


class Scope(Enum):
    ANY = "*"
    VAULT = "backupVault"
    PLAN = "backupPlan"
    RECOVERY_POINT = "recoveryPoint"
    LEGAL_HOLD = "legalHold"
    FRAMEWORK = "framework"
    REPORT_PLAN = "reportPlan"
    TAGGED_RESOURCE = "tagged"  # ListTags/TagResource/UntagResource: the ARN the request names


# Every implemented operation's resource type. The IAM action is the operation's own name, except where noted.
SCOPES: dict[str, Scope] = {
    "CancelLegalHold": Scope.LEGAL_HOLD,
    "CreateBackupPlan": Scope.PLAN,
    "CreateBackupSelection": Scope.PLAN,
    "CreateBackupVault": Scope.VAULT,
    "CreateLegalHold": Scope.LEGAL_HOLD,
    "DeleteBackupPlan": Scope.PLAN,
    "DeleteBackupSelection": Scope.PLAN,
    "DeleteBackupVault": Scope.VAULT,
    "DeleteBackupVaultAccessPolicy": Scope.VAULT,
    "DeleteBackupVaultLockConfiguration": Scope.VAULT,
    "DeleteBackupVaultNotifications": Scope.VAULT,
    "DeleteRecoveryPoint": Scope.RECOVERY_POINT,
    "DescribeBackupJob": Scope.ANY,
    "DescribeBackupVault": Scope.VAULT,
    "DescribeCopyJob": Scope.ANY,
    "DescribeGlobalSettings": Scope.ANY,
    "DescribeProtectedResource": Scope.ANY,
    "DescribeRecoveryPoint": Scope.RECOVERY_POINT,
    "DescribeRegionSettings": Scope.ANY,
    "DescribeRestoreJob": Scope.ANY,
    "DisassociateRecoveryPoint": Scope.VAULT,
    "ExportBackupPlanTemplate": Scope.PLAN,
    "GetBackupPlan": Scope.PLAN,
    "GetBackupPlanFromJSON": Scope.ANY,
    "GetBackupPlanFromTemplate": Scope.ANY,
    "GetBackupSelection": Scope.PLAN,
    "GetBackupVaultAccessPolicy": Scope.VAULT,
    "GetBackupVaultNotifications": Scope.VAULT,
    "GetLegalHold": Scope.LEGAL_HOLD,
    "GetRecoveryPointRestoreMetadata": Scope.VAULT,
    "GetRestoreJobMetadata": Scope.ANY,
    "GetSupportedResourceTypes": Scope.ANY,
    "ListBackupJobSummaries": Scope.ANY,
    "ListBackupJobs": Scope.ANY,
    "ListBackupPlanTemplates": Scope.ANY,
    "ListBackupPlanVersions": Scope.PLAN,
    "ListBackupPlans": Scope.ANY,
    "ListBackupSelections": Scope.PLAN,
    "ListBackupVaults": Scope.ANY,
    "ListCopyJobSummaries": Scope.ANY,
    "ListCopyJobs": Scope.ANY,
    "ListLegalHolds": Scope.ANY,
    "ListProtectedResources": Scope.ANY,
    "ListProtectedResourcesByBackupVault": Scope.VAULT,
    "ListRecoveryPointsByBackupVault": Scope.VAULT,
    "ListRecoveryPointsByLegalHold": Scope.LEGAL_HOLD,
    "ListRecoveryPointsByResource": Scope.ANY,
    "ListRestoreJobSummaries": Scope.ANY,
    "ListRestoreJobs": Scope.ANY,
    "ListRestoreJobsByProtectedResource": Scope.ANY,
    "ListTags": Scope.TAGGED_RESOURCE,
    "PutBackupVaultAccessPolicy": Scope.VAULT,
    "PutBackupVaultLockConfiguration": Scope.VAULT,
    "PutBackupVaultNotifications": Scope.VAULT,
    "StartBackupJob": Scope.VAULT,
    "StartCopyJob": Scope.RECOVERY_POINT,
    "StartRestoreJob": Scope.RECOVERY_POINT,
    "StopBackupJob": Scope.ANY,
    "TagResource": Scope.TAGGED_RESOURCE,
    "UntagResource": Scope.TAGGED_RESOURCE,
    "UpdateBackupPlan": Scope.PLAN,
    "UpdateGlobalSettings": Scope.ANY,
    "UpdateRecoveryPointLifecycle": Scope.RECOVERY_POINT,
    "UpdateRegionSettings": Scope.ANY,
    # Audit Manager
    "CreateFramework": Scope.FRAMEWORK,
    "DescribeFramework": Scope.FRAMEWORK,
    "UpdateFramework": Scope.FRAMEWORK,
    "DeleteFramework": Scope.FRAMEWORK,
    "ListFrameworks": Scope.ANY,
    "CreateReportPlan": Scope.REPORT_PLAN,
    "DescribeReportPlan": Scope.REPORT_PLAN,
    "UpdateReportPlan": Scope.REPORT_PLAN,
    "DeleteReportPlan": Scope.REPORT_PLAN,
    "ListReportPlans": Scope.ANY,
    "StartReportJob": Scope.REPORT_PLAN,
    "DescribeReportJob": Scope.ANY,
    "ListReportJobs": Scope.ANY,
    # Restore testing: the reference's restoreTestingPlan resource type is not modelled yet, so these are asked
    # of the caller's policy on "*" (a policy scoped to one restore testing plan's ARN does not match them).
    **dict.fromkeys(
        (
            "CreateRestoreTestingPlan",
            "GetRestoreTestingPlan",
            "UpdateRestoreTestingPlan",
            "DeleteRestoreTestingPlan",
            "ListRestoreTestingPlans",
            "CreateRestoreTestingSelection",
            "GetRestoreTestingSelection",
            "UpdateRestoreTestingSelection",
            "DeleteRestoreTestingSelection",
            "ListRestoreTestingSelections",
            "GetRestoreTestingInferredMetadata",
            "PutRestoreValidationResult",
        ),
        Scope.ANY,
    ),
}

# Operations that pass the request's IamRoleArn to AWS Backup.
PASSES_ROLE = frozenset({"StartBackupJob", "StartCopyJob", "StartRestoreJob", "CreateBackupSelection"})


@dataclass(frozen=True)
class Requirement:
    """The caller must be allowed `action` on `resource`, with these extra request context keys."""

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Place:
    """Where this deployment's AWS Backup resources live, to build their ARNs."""

    partition: str
    region: str
    account: str

    def arn(self, kind: str, name: str) -> str:
        return f"arn:{self.partition}:backup:{self.region}:{self.account}:{kind}:{name}"


def _role_of(request: Mapping[str, Any]) -> str | None:
    role = request.get("IamRoleArn")
    if role is None and isinstance(request.get("BackupSelection"), Mapping):
        role = request["BackupSelection"].get("IamRoleArn")
    return role if isinstance(role, str) and role else None


def requirements(operation: str, request: Mapping[str, Any], place: Place) -> list[Requirement]:
    """What the caller's identity policy must allow for this call. A plan or legal hold about to be created has
    no id yet: its ARN ends in "*"."""
    scope = SCOPES.get(operation, Scope.ANY)
    resource = "*"
    if scope == Scope.VAULT and request.get("BackupVaultName"):
        resource = place.arn("backup-vault", str(request["BackupVaultName"]))
    elif scope == Scope.PLAN:
        identifier = request.get("BackupPlanId")
        resource = place.arn("backup-plan", str(identifier)) if identifier else place.arn("backup-plan", "*")
    elif scope == Scope.RECOVERY_POINT and request.get("RecoveryPointArn"):
        resource = str(request["RecoveryPointArn"])
    elif scope == Scope.LEGAL_HOLD:
        identifier = request.get("LegalHoldId")
        resource = place.arn("legal-hold", str(identifier)) if identifier else place.arn("legal-hold", "*")
    elif scope == Scope.FRAMEWORK and request.get("FrameworkName"):
        resource = place.arn("framework", f"{request['FrameworkName']}-*")
    elif scope == Scope.REPORT_PLAN and request.get("ReportPlanName"):
        resource = place.arn("report-plan", f"{request['ReportPlanName']}-*")
    elif scope == Scope.TAGGED_RESOURCE and request.get("ResourceArn"):
        resource = str(request["ResourceArn"])
    needed = [Requirement(f"backup:{operation}", resource, _request_keys(operation, request))]
    role = _role_of(request) if operation in PASSES_ROLE else None
    if role:
        needed.append(Requirement("iam:PassRole", role, {"iam:passedtoservice": (PASSED_TO_SERVICE,)}))
    return needed


def _request_keys(operation: str, request: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The service-specific and tag condition keys the reference lists for the operation."""
    keys: dict[str, tuple[str, ...]] = {}
    tags = (
        request.get("BackupVaultTags")
        or request.get("BackupPlanTags")
        or request.get("FrameworkTags")
        or request.get("ReportPlanTags")
        or request.get("Tags")
    )
    tagging = (
        "CreateBackupVault",
        "CreateBackupPlan",
        "CreateLegalHold",
        "TagResource",
        "StartBackupJob",
        "CreateFramework",
        "CreateReportPlan",
    )
    if operation in tagging and isinstance(tags, Mapping) and tags:
        keys["aws:tagkeys"] = tuple(str(k) for k in tags)
        for key, value in tags.items():
            keys[f"aws:requesttag/{str(key).lower()}"] = (str(value),)
    if operation == "UntagResource" and isinstance(request.get("TagKeyList"), list):
        keys["aws:tagkeys"] = tuple(str(k) for k in request["TagKeyList"])
    if operation == "StartCopyJob" and request.get("DestinationBackupVaultArn"):
        keys["backup:copytargets"] = (str(request["DestinationBackupVaultArn"]),)
    if operation in ("CreateBackupPlan", "UpdateBackupPlan") and isinstance(request.get("BackupPlan"), Mapping):
        targets = [
            str(action.get("DestinationBackupVaultArn"))
            for rule in request["BackupPlan"].get("Rules") or []
            if isinstance(rule, Mapping)
            for action in rule.get("CopyActions") or []
            if isinstance(action, Mapping) and action.get("DestinationBackupVaultArn")
        ]
        if targets:
            keys["backup:copytargets"] = tuple(targets)
    lock = {"ChangeableForDays": "backup:changeablefordays", "MinRetentionDays": "backup:minretentiondays"}
    lock["MaxRetentionDays"] = "backup:maxretentiondays"
    if operation == "PutBackupVaultLockConfiguration":
        for member, key in lock.items():
            if request.get(member) is not None:
                keys[key] = (str(request[member]),)
    return keys
