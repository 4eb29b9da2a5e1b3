"""EC2 as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.spec import ArnForm, TypeSpec, adapter_in

EC2 = TypeSpec(
    resource_type="EC2",
    arn_forms=(ArnForm("ec2", "instance"),),
    tagging_filter="ec2:instance",
    summary="EC2 instances: a recovery point is an AMI with its EBS snapshots; a restore launches an instance.",
    build=adapter_in("lambdas.resources.ec2.adapter"),
    concurrent_copies=20,
    backup_options={"WindowsVSS": frozenset({"enabled", "disabled"})},
    imports_native_backups=True,
)
