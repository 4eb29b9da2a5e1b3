"""The IAM building blocks the types' grants share, as plain data (lambdas/resources/spec.py's Grant): ARN
templates, the Describe statement of a service, customer-managed keys used through one service, and the grants
of the native backups more than one type makes (EBS snapshots: EBS and Storage Gateway; objects in Strongroom's
vault bucket: S3 and EFS). Each type's own grants are in its package's iam.py, next to the calls they grant.

Rules: Describe/List calls are on "*" (IAM cannot scope most of them, and listing calls name no resource);
everything that creates, tags, deletes or restores is scoped to its resource type in this account and Region;
customer-managed keys are usable only through the service that needs them (kms:ViaService) and grants only for
AWS resources. Statements with the same Sid are merged by the stack, so two types may both ask for DescribeEc2:
a Sid must mean the same resources and conditions wherever it is used. Nothing here imports boto3."""

from __future__ import annotations

from lambdas.resources.spec import Grant

HERE = "{region}"
ANY_REGION = "*"  # a copy's destination Region is known only at run time (its copy action's vault ARN)
# The vault storage bucket of any Region of this account: lambdas.resources.vault_storage.default_vault_bucket.
VAULT_BUCKETS = "arn:{partition}:s3:::strongroom-vault-{account}-*"


def arn(service: str, resource: str, *, region: str = HERE, account: str = "{account}") -> str:
    """An ARN template in the stack's partition, and by default its Region and account."""
    return f"arn:{{partition}}:{service}:{region}:{account}:{resource}"


def describe(label: str, service: str, *actions: str) -> Grant:
    """Describe/List calls of one service, on "*" (IAM cannot scope them); one Sid per service."""
    return Grant(f"Describe{label}", tuple(f"{service}:{action}" for action in actions))


def _via(service: str, region: str = HERE) -> tuple[str, str]:
    return ("kms:ViaService", f"{service}.{region}.amazonaws.com")


def use_keys(label: str, service: str, *actions: str) -> Grant:
    """KMS actions on any key (a volume's, a table's: known only at run time), only in requests `service` makes
    on the function's behalf."""
    return Grant(
        f"UseKeysVia{label}", tuple(f"kms:{a}" for a in actions), conditions=(("StringEquals", (_via(service),)),)
    )


def key_grants(label: str, service: str) -> tuple[Grant, ...]:
    """DescribeKey and CreateGrant on any key, only in requests `service` makes on the function's behalf and
    only grants for AWS resources: the service encrypts the resource a restore creates with the backup's key."""
    via = (("StringEquals", (_via(service),)),)
    return (
        use_keys(label, service, "DescribeKey"),
        Grant(
            f"GrantKeysTo{label}",
            ("kms:CreateGrant",),
            conditions=(*via, ("Bool", (("kms:GrantIsForAWSResource", "true"),))),
        ),
    )


def keys_for_copies(label: str, service: str) -> tuple[Grant, ...]:
    """A copy is re-encrypted with the destination vault's key, through the service, in whatever Region the
    destination is: keys usable only through `service` in any Region, grants only for AWS resources."""
    in_any_region = ("StringLike", (_via(service, ANY_REGION),))
    return (
        Grant(
            f"UseKeysForCopiesVia{label}",
            tuple(f"kms:{a}" for a in ("Decrypt", "Encrypt", "ReEncrypt*", "GenerateDataKey*", "DescribeKey")),
            conditions=(in_any_region,),
        ),
        Grant(
            f"GrantKeysForCopiesTo{label}",
            ("kms:CreateGrant",),
            conditions=(in_any_region, ("Bool", (("kms:GrantIsForAWSResource", "true"),))),
        ),
    )


# EBS snapshots: the recovery points of EBS and Storage Gateway volumes, and an EC2 AMI's parts.

EBS_VOLUMES = arn("ec2", "volume/*")
EBS_SNAPSHOTS = arn("ec2", "snapshot/*", account="")  # snapshot and image ARNs carry no account id
# Why those wildcards cannot be narrower (the wildcard_reasons of every type granting them).
EBS_REASONS: dict[tuple[str, str], str] = {
    ("ec2", "snapshot"): "EBS snapshots (the recovery points of EBS, EC2 and Storage Gateway) get ids from EC2 at "
    "backup time; copies land in whatever Region a copy action names.",
    ("ec2", "volume"): "The volumes plans select, and those restores create, are the user's and chosen at run time.",
}


def copy_snapshots() -> tuple[Grant, ...]:
    """Share an EBS snapshot with another account, copy one into a Region (lambdas/resources/ebs_snapshots.py)."""
    return (
        describe("Ec2", "ec2", "DescribeSnapshots"),
        Grant("ShareEbsSnapshots", ("ec2:ModifySnapshotAttribute",), (EBS_SNAPSHOTS,)),
        Grant(
            "CopyEbsSnapshots",
            ("ec2:CopySnapshot", "ec2:CreateTags"),
            (arn("ec2", "snapshot/*", region=ANY_REGION, account=""),),
        ),
        *keys_for_copies("Ec2", "ec2"),
    )


def archive_snapshots() -> tuple[Grant, ...]:
    """Cold storage for EBS snapshots: the snapshot archive tier (ebs_snapshots.archive_snapshot)."""
    return (
        describe("Ec2", "ec2", "DescribeSnapshots"),
        Grant("ArchiveEbsSnapshots", ("ec2:ModifySnapshotTier",), (EBS_SNAPSHOTS,)),
    )


def restore_archived_snapshots() -> tuple[Grant, ...]:
    """A snapshot in the archive tier is restored from it (temporarily) before a volume is made of it
    (ebs_snapshots.thaw_snapshot)."""
    return (
        describe("Ec2", "ec2", "DescribeSnapshotTierStatus"),
        Grant("RestoreArchivedEbsSnapshots", ("ec2:RestoreSnapshotTier",), (EBS_SNAPSHOTS,)),
    )


def create_volumes() -> tuple[Grant, ...]:
    """A new EBS volume from a snapshot, tagged with its restore job (an EBS restore, a Storage Gateway one)."""
    return (
        Grant("CreateVolumesFromSnapshots", ("ec2:CreateVolume",), (EBS_VOLUMES, EBS_SNAPSHOTS)),
        Grant("TagRestoredVolumes", ("ec2:CreateTags",), (EBS_VOLUMES,)),
    )


def copy_vault_storage() -> tuple[Grant, ...]:
    """S3 and EFS points are objects in Strongroom's vault bucket: a copy is a server-side copy of them into
    the vault bucket of the destination Region, encrypted with the destination vault's key (vault_copy/)."""
    return (
        Grant(
            "CopyVaultStorage",
            ("s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"),
            (f"{VAULT_BUCKETS}/recovery-points/*",),
        ),
        Grant("FindVaultStorageToCopy", ("s3:ListBucket",), (VAULT_BUCKETS,)),
        *keys_for_copies("S3", "s3"),
    )


# Restore testing (lambdas/resources/<type>/validation.py) deletes only what a restore made: resources named with
# the "-rt-" mark restore tests give them (lambdas/domain/restore_testing/picking.py), or carrying the restore job's
# tag (lambdas.resources.base.RESTORE_TAG) where the service's IAM can condition on tags.
RESTORED_MARK = "*-rt-*"
# lambdas.resources.base.RESTORE_TAG, spelled here: base imports the domain, which imports the type specs (a cycle)
RESTORE_TAG_KEY = "strongroom:restore-job-id"


def restored_only() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The condition: the resource carries the restore job's tag."""
    return (("StringLike", ((f"aws:ResourceTag/{RESTORE_TAG_KEY}", "*"),)),)


def delete_restored_volumes() -> Grant:
    """An EBS volume a restore made (EBS, a Storage Gateway restore to EBS, an EC2 instance's volumes)."""
    return Grant("DeleteRestoredVolumes", ("ec2:DeleteVolume",), (EBS_VOLUMES,), conditions=restored_only())
