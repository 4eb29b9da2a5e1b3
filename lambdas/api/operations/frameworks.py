"""Audit Manager frameworks: CreateFramework, DescribeFramework, UpdateFramework, DeleteFramework,
ListFrameworks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.audit.frameworks import Framework
from lambdas.services import audit_frameworks
from lambdas.services.context import ServiceContext


def _controls(framework: Framework) -> list[dict[str, Any]]:
    return [control.model_dump(exclude_none=True) for control in framework.FrameworkControls]


@operation("CreateFramework")
def create_framework(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    framework = audit_frameworks.create(ctx, request, now)
    return {"FrameworkName": framework.FrameworkName, "FrameworkArn": framework.FrameworkArn}


@operation("DescribeFramework")
def describe_framework(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    framework = audit_frameworks.get(ctx, request["FrameworkName"])
    described = {
        "FrameworkName": framework.FrameworkName,
        "FrameworkArn": framework.FrameworkArn,
        "FrameworkDescription": framework.FrameworkDescription,
        "FrameworkControls": _controls(framework),
        "CreationTime": framework.CreationTime,
        "DeploymentStatus": framework.DeploymentStatus.value,
        "FrameworkStatus": framework.FrameworkStatus.value,
        "IdempotencyToken": framework.IdempotencyToken,
    }
    return {name: value for name, value in described.items() if value is not None}


@operation("UpdateFramework")
def update_framework(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    framework = audit_frameworks.update(ctx, request, now)
    return {
        "FrameworkName": framework.FrameworkName,
        "FrameworkArn": framework.FrameworkArn,
        "CreationTime": framework.CreationTime,
    }


@operation("DeleteFramework")
def delete_framework(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    audit_frameworks.delete(ctx, request["FrameworkName"])
    return {}


@operation("ListFrameworks")
def list_frameworks(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    frameworks, token = ctx.stores.audit.framework_page(page_size(request), request.get("NextToken"))
    summaries = [
        {
            name: value
            for name, value in {
                "FrameworkName": f.FrameworkName,
                "FrameworkArn": f.FrameworkArn,
                "FrameworkDescription": f.FrameworkDescription,
                "NumberOfControls": len(f.FrameworkControls),
                "CreationTime": f.CreationTime,
                "DeploymentStatus": f.DeploymentStatus.value,
            }.items()
            if value is not None
        }
        for f in frameworks
    ]
    return {"Frameworks": summaries, "NextToken": token}
