"""EC2 as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.ec2.adapter import Ec2Adapter

    return Ec2Adapter(ctx.client("ec2"), ctx.region, ctx.account, iam=ctx.client("iam"))


EC2 = TypeSpec(
    resource_type="EC2",
    arn_forms=(ArnForm("ec2", "instance"),),
    tagging_filter="ec2:instance",
    summary="EC2 instances: a recovery point is an AMI with its EBS snapshots; a restore launches an instance.",
    build=build,
    concurrent_copies=20,
    backup_options={"WindowsVSS": frozenset({"enabled", "disabled"})},
    imports_native_backups=True,
)
