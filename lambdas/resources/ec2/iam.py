"""The IAM the EC2 adapter's calls need, job by job: a recovery point is an AMI (CreateImage, NoReboot) and its
EBS snapshots; a restore launches an instance from it (RunInstances)."""

from __future__ import annotations

from lambdas.resources.grants import (
    ANY_REGION,
    EBS_SNAPSHOTS,
    EBS_VOLUMES,
    arn,
    delete_restored_volumes,
    describe,
    key_grants,
    keys_for_copies,
    restored_only,
    use_keys,
)
from lambdas.resources.spec import Grant

# Roles a restore may hand to a new instance: the user marks them by creating them under this IAM path
# (aws iam create-role --path /strongroom-restore/ ...). RestoreStart may pass only these, and only to EC2.
RESTORE_ROLE_PATH = "/strongroom-restore/"

INSTANCES = arn("ec2", "instance/*")
IMAGES = arn("ec2", "image/*", account="")  # image ARNs carry no account id
INSTANCE_PROFILES = arn("iam", "instance-profile/*", region="")
RESTORE_ROLES = arn("iam", f"role{RESTORE_ROLE_PATH}*", region="")

READ_BACKUPS = describe("Ec2", "ec2", "DescribeInstances", "DescribeVolumes", "DescribeImages", "DescribeSnapshots")
# An instance profile in the restore metadata is read to check its role is marked for restores.
READ_PROFILES = Grant("ReadInstanceProfiles", ("iam:GetInstanceProfile",), (INSTANCE_PROFILES,))
MAKE_IMAGES = (
    READ_BACKUPS,
    Grant("CreateImages", ("ec2:CreateImage",), (INSTANCES, IMAGES, EBS_SNAPSHOTS)),
    # The AMI is tagged as it is made; its snapshots right after (and again once it is available).
    Grant("TagImagesAndSnapshots", ("ec2:CreateTags",), (IMAGES, EBS_SNAPSHOTS)),
)

# Restore testing (validation.py): a restored instance's volumes are tagged as the restore's before it is
# terminated (only with that tag: ec2/validation.RESTORED_WITH_TAG), so those left after it are found and deleted.
MARK_RESTORED_VOLUMES = Grant(
    "MarkRestoredInstancesVolumes",
    ("ec2:CreateTags",),
    (EBS_VOLUMES,),
    conditions=(("StringLike", (("aws:RequestTag/strongroom:restored-with-instance", "i-*"),)),),
)

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": MAKE_IMAGES,
    # backup_status re-tags the AMI's snapshots; restore_metadata reads the source's launch settings.
    "track_backup": MAKE_IMAGES,
    "delete_backup": (
        describe("Ec2", "ec2", "DescribeImages", "DescribeSnapshots"),
        Grant("DeregisterImages", ("ec2:DeregisterImage",), (IMAGES,)),
        Grant("DeleteEbsSnapshots", ("ec2:DeleteSnapshot",), (EBS_SNAPSHOTS,)),
    ),
    "check_restore": (describe("Ec2", "ec2", "DescribeSubnets", "DescribeSecurityGroups"), READ_PROFILES),
    "start_restore": (
        describe("Ec2", "ec2", "DescribeInstances", "DescribeSubnets", "DescribeSecurityGroups"),
        READ_PROFILES,
        Grant(
            "LaunchInstancesFromImages",
            ("ec2:RunInstances",),
            (
                IMAGES,
                EBS_SNAPSHOTS,
                INSTANCES,
                EBS_VOLUMES,
                arn("ec2", "subnet/*"),
                arn("ec2", "network-interface/*"),
                arn("ec2", "security-group/*"),
                # Restore metadata may name a key pair and a placement group (Placement.GroupName).
                arn("ec2", "key-pair/*"),
                arn("ec2", "placement-group/*"),
            ),
        ),
        Grant(
            "TagLaunchedInstances",
            ("ec2:CreateTags",),
            (INSTANCES,),
            (("StringEquals", (("ec2:CreateAction", "RunInstances"),)),),
        ),
        # The instance profile recorded with the backup (IamInstanceProfileName): only a role the user marked
        # for restores (under RESTORE_ROLE_PATH), and only to EC2.
        Grant(
            "PassInstanceProfileRolesToEc2",
            ("iam:PassRole",),
            (RESTORE_ROLES,),
            (("StringEquals", (("iam:PassedToService", "ec2.amazonaws.com"),)),),
        ),
        # Volumes of an encrypted AMI are re-encrypted for the new instance.
        use_keys("Ec2", "ec2", "Decrypt", "DescribeKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt*"),
        *key_grants("Ec2", "ec2"),
    ),
    "copy_backup": (
        describe("Ec2", "ec2", "DescribeImages", "DescribeSnapshots"),
        Grant("ShareAmis", ("ec2:ModifyImageAttribute",), (IMAGES,)),
        Grant("ShareEbsSnapshots", ("ec2:ModifySnapshotAttribute",), (EBS_SNAPSHOTS,)),
        Grant(
            "CopyAmis",
            ("ec2:CopyImage", "ec2:CreateTags"),
            (
                arn("ec2", "image/*", region=ANY_REGION, account=""),
                arn("ec2", "snapshot/*", region=ANY_REGION, account=""),
            ),
        ),
        *keys_for_copies("Ec2", "ec2"),
    ),
    "poll_restore": (describe("Ec2", "ec2", "DescribeInstances", "DescribeVolumes"),),
    # The instance's AMIs, and the snapshots whose descriptions say CreateImage made them from it.
    "catalog": (READ_BACKUPS,),
    "record_restore_test": (describe("Ec2", "ec2", "DescribeInstances", "DescribeVolumes"),),
    "test_restore": (
        describe("Ec2", "ec2", "DescribeInstances", "DescribeVolumes"),
        Grant("TerminateRestoredInstances", ("ec2:TerminateInstances",), (INSTANCES,), conditions=restored_only()),
        MARK_RESTORED_VOLUMES,
        delete_restored_volumes(),
    ),
}
