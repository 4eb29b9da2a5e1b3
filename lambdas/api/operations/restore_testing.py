"""Restore testing: CreateRestoreTestingPlan, GetRestoreTestingPlan, UpdateRestoreTestingPlan,
DeleteRestoreTestingPlan, ListRestoreTestingPlans; CreateRestoreTestingSelection, GetRestoreTestingSelection,
UpdateRestoreTestingSelection, DeleteRestoreTestingSelection, ListRestoreTestingSelections;
GetRestoreTestingInferredMetadata; PutRestoreValidationResult."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.domain.restore_testing.plans import RestoreTestingPlan, RestoreTestingSelection
from lambdas.services import restore_testing_plans as plans
from lambdas.services import restore_testing_validation
from lambdas.services.context import ServiceContext
from lambdas.services.restore_testing_runs import inferred_metadata


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _plan_for_list(plan: RestoreTestingPlan) -> dict[str, Any]:
    return _present(
        {
            "CreationTime": plan.CreationTime,
            "LastExecutionTime": plan.LastExecutionTime,
            "LastUpdateTime": plan.LastUpdateTime,
            "RestoreTestingPlanArn": plan.RestoreTestingPlanArn,
            "RestoreTestingPlanName": plan.RestoreTestingPlanName,
            "ScheduleExpression": plan.ScheduleExpression,
            "ScheduleExpressionTimezone": plan.ScheduleExpressionTimezone,
            "StartWindowHours": plan.StartWindowHours,
        }
    )


def _selection_for_list(selection: RestoreTestingSelection) -> dict[str, Any]:
    return _present(
        {
            "CreationTime": selection.CreationTime,
            "IamRoleArn": selection.IamRoleArn,
            "ProtectedResourceType": selection.ProtectedResourceType,
            "RestoreTestingPlanName": selection.RestoreTestingPlanName,
            "RestoreTestingSelectionName": selection.RestoreTestingSelectionName,
            "ValidationWindowHours": selection.ValidationWindowHours,
        }
    )


@operation("CreateRestoreTestingPlan")
def create_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plans.create_plan(ctx, request, now)
    return {
        "CreationTime": plan.CreationTime,
        "RestoreTestingPlanArn": plan.RestoreTestingPlanArn,
        "RestoreTestingPlanName": plan.RestoreTestingPlanName,
    }


@operation("GetRestoreTestingPlan")
def get_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plans.get_plan(ctx, request["RestoreTestingPlanName"])
    return {
        "RestoreTestingPlan": {
            **_plan_for_list(plan),
            **_present({"CreatorRequestId": plan.CreatorRequestId}),
            "RecoveryPointSelection": plan.RecoveryPointSelection.model_dump(mode="json"),
        }
    }


@operation("UpdateRestoreTestingPlan")
def update_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plans.update_plan(ctx, request, now)
    return {
        "CreationTime": plan.CreationTime,
        "RestoreTestingPlanArn": plan.RestoreTestingPlanArn,
        "RestoreTestingPlanName": plan.RestoreTestingPlanName,
        "UpdateTime": plan.LastUpdateTime,
    }


@operation("DeleteRestoreTestingPlan")
def delete_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plans.delete_plan(ctx, request["RestoreTestingPlanName"])
    return {}


@operation("ListRestoreTestingPlans")
def list_plans(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    found, token = ctx.stores.restore_testing.plan_page(page_size(request), request.get("NextToken"))
    return {"RestoreTestingPlans": [_plan_for_list(plan) for plan in found], "NextToken": token}


@operation("CreateRestoreTestingSelection")
def create_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    selection = plans.create_selection(ctx, request, now)
    plan = plans.get_plan(ctx, selection.RestoreTestingPlanName)
    return {
        "CreationTime": selection.CreationTime,
        "RestoreTestingPlanArn": plan.RestoreTestingPlanArn,
        "RestoreTestingPlanName": plan.RestoreTestingPlanName,
        "RestoreTestingSelectionName": selection.RestoreTestingSelectionName,
    }


@operation("GetRestoreTestingSelection")
def get_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    selection = plans.get_selection(ctx, request["RestoreTestingPlanName"], request["RestoreTestingSelectionName"])
    conditions = selection.ProtectedResourceConditions
    return {
        "RestoreTestingSelection": {
            **_selection_for_list(selection),
            **_present(
                {
                    "CreatorRequestId": selection.CreatorRequestId,
                    "ProtectedResourceArns": selection.ProtectedResourceArns,
                    "ProtectedResourceConditions": conditions.model_dump() if conditions else None,
                    "RestoreMetadataOverrides": selection.RestoreMetadataOverrides or None,
                }
            ),
        }
    }


@operation("UpdateRestoreTestingSelection")
def update_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    selection = plans.update_selection(ctx, request, now)
    plan = plans.get_plan(ctx, selection.RestoreTestingPlanName)
    return {
        "CreationTime": selection.CreationTime,
        "RestoreTestingPlanArn": plan.RestoreTestingPlanArn,
        "RestoreTestingPlanName": plan.RestoreTestingPlanName,
        "RestoreTestingSelectionName": selection.RestoreTestingSelectionName,
        "UpdateTime": selection.LastUpdateTime,
    }


@operation("DeleteRestoreTestingSelection")
def delete_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plans.delete_selection(ctx, request["RestoreTestingPlanName"], request["RestoreTestingSelectionName"])
    return {}


@operation("ListRestoreTestingSelections")
def list_selections(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plans.get_plan(ctx, request["RestoreTestingPlanName"])
    found, token = ctx.stores.restore_testing.selection_page(
        plan.RestoreTestingPlanName, page_size(request), request.get("NextToken")
    )
    return {"RestoreTestingSelections": [_selection_for_list(s) for s in found], "NextToken": token}


@operation("GetRestoreTestingInferredMetadata")
def get_inferred_metadata(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    account = request.get("BackupVaultAccountId")
    if account is not None and account != ctx.account:
        raise InvalidParameterValueException(
            f"BackupVaultAccountId {account} is not this account ({ctx.account}): Strongroom reads its own vaults"
        )
    point = ctx.stores.recovery_points.find(request["RecoveryPointArn"])
    if point is None or point.BackupVaultName != request["BackupVaultName"]:
        raise ResourceNotFoundException(
            f"Recovery point {request['RecoveryPointArn']} is not in vault {request['BackupVaultName']}"
        )
    # A run names the restored resource after its own id; the preview shows the form with this request's time.
    return {"InferredMetadata": inferred_metadata(ctx, point, now.strftime("%Y%m%d%H%M"))}


@operation("PutRestoreValidationResult")
def put_validation_result(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    restore_testing_validation.put_validation_result(ctx, request, now)
    return {}
