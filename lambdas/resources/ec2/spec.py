"""EC2 as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.ec2.iam import IAM
from lambdas.resources.spec import native_type

EC2 = native_type(
    "EC2",
    "ec2:instance",
    "EC2 instances: a recovery point is an AMI with its EBS snapshots; a restore launches an instance.",
    package="lambdas.resources.ec2",
    concurrent_copies=20,
    backup_options={"WindowsVSS": frozenset({"enabled", "disabled"})},
    imports_native_backups=True,
    iam=IAM,
)
