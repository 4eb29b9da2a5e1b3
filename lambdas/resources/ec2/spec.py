"""EC2 as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.ec2.iam import IAM
from lambdas.resources.grants import EBS_REASONS
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
    wildcard_reasons={
        **EBS_REASONS,
        ("ec2", "image"): "AMIs (EC2 recovery points) get ids from EC2 at backup time; copies land in whatever Region "
        "a copy action names.",
        ("ec2", "instance"): "The instances plans select, and those restores launch, are chosen at run time.",
        ("ec2", "subnet"): "A restored instance goes into the subnet its restore metadata names.",
        ("ec2", "network-interface"): "RunInstances creates the restored instance's network interface.",
        ("ec2", "security-group"): "A restored instance gets the security groups its restore metadata names.",
        ("ec2", "key-pair"): "A restored instance may get the key pair its restore metadata names.",
        ("ec2", "placement-group"): "A restored instance may go into the placement group its restore metadata names.",
        ("iam", "instance-profile"): "A restore's metadata may name any instance profile: it is read "
        "(GetInstanceProfile) to check that its role is marked for restores (path /strongroom-restore/).",
    },
    # AMIs of every volume, copies of shared AMIs, snapshot locks of their snapshots (each module says why).
    local_emulation=("local.ec2_gaps", "local.copy_gaps", "local.snapshot_locks"),
)
