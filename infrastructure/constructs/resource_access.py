"""What each resource adapter (lambdas/resources/) needs from IAM, one job at a time.

A resource type answers seven questions, one per adapter job, each with the calls that job makes:

    start_backup   describe, list_resources, find_backup, start_backup (StartBackups, TrackJobs' retries, the Api)
    track_backup   backup_status, and restore_metadata once the backup completes (TrackJobs)
    delete_backup  delete_backup (Lifecycle's expiry, the Api's DeleteRecoveryPoint and StopBackupJob)
    move_to_cold   move_to_cold (Lifecycle's moves to cold storage)
    check_restore  check_restore (the Api's StartRestoreJob, before any job is written)
    start_restore  check_restore, find_restore, start_restore (the restore workflow's start task)
    poll_restore   restore_status (the restore workflow's poll task)
    catalog        describe, list_resources, and for the types whose backups can be listed list_native_backups,
                   backup_status, restore_metadata: read-only (ImportNativeBackups, services/native_backup_import)

Rules: Describe/List calls are on "*" (IAM cannot scope most of them, and listing calls name no resource);
everything that creates, tags, deletes or restores is scoped to its resource type in this account and
region; customer-managed keys are usable only through the service that needs them (kms:ViaService) and
grants only for AWS resources. Statements with the same Sid are merged by `permissions.compose`, so two
types may both ask for, say, `DescribeEc2`.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws
from aws_cdk import aws_iam as iam

from infrastructure.constructs.arns import Arns
from lambdas.resources.spec import Grant, TypeSpec
from lambdas.resources.types import TYPES

Statements = list[iam.PolicyStatement]


def allow(sid: str, actions: list[str], resources: list[str], **conditions: object) -> iam.PolicyStatement:
    """One Allow statement; `conditions` as IAM spells them: StringEquals={...}, Bool={...}."""
    return iam.PolicyStatement(
        sid=sid,
        actions=actions,
        resources=resources,
        conditions=dict(conditions) if conditions else None,
    )


# How a service's name reads in a Sid.
_LABELS = {
    "ec2": "Ec2",
    "dynamodb": "DynamoDb",
    "rds": "Rds",
    "s3": "S3",
    "elasticfilesystem": "Efs",
    "fsx": "Fsx",
    "storagegateway": "StorageGateway",
}


def describe(service: str, *actions: str) -> iam.PolicyStatement:
    """Describe/List calls of one service, on "*": one statement per service, whatever the types asking."""
    return allow(f"Describe{_LABELS[service]}", [f"{service}:{action}" for action in actions], ["*"])


def via(service: str) -> dict[str, object]:
    """Customer-managed keys (a vault's, a volume's, a database's, a file system's) are known only at run
    time: they are usable on "*", but only in requests one AWS service makes on the function's behalf."""
    return {"kms:ViaService": f"{service}.{Aws.REGION}.amazonaws.com"}


# A vault's own key (CreateBackupVault's EncryptionKeyArn) is the user's, unknown at deploy time: Strongroom's roles
# may use it only when the key carries this tag with the value "true" (aws:ResourceTag), and only through the
# service that stores the data. The default vault key is named by its ARN.
VAULT_KEY_TAG = "strongroom:vault-key"


def vault_keys(sid: str, service: str, *actions: str) -> iam.PolicyStatement:
    """KMS actions on the keys of this account and Region tagged as vault keys, only through `service`."""
    return allow(
        sid,
        [f"kms:{a}" for a in actions],
        [f"arn:{Aws.PARTITION}:kms:{Aws.REGION}:{Aws.ACCOUNT_ID}:key/*"],
        StringEquals={**via(service), f"aws:ResourceTag/{VAULT_KEY_TAG}": "true"},
    )


def use_keys(service: str, *actions: str) -> iam.PolicyStatement:
    """KMS actions on any key, only in requests `service` makes on the function's behalf."""
    return allow(f"UseKeysVia{_LABELS[service]}", [f"kms:{a}" for a in actions], ["*"], StringEquals=via(service))


def grant_keys(service: str) -> Statements:
    """CreateGrant and DescribeKey, so `service` may use a key for the resource it creates (a volume, a
    database, a file system): only through that service, and only grants for AWS resources."""
    return [
        use_keys(service, "DescribeKey"),
        allow(
            f"GrantKeysTo{_LABELS[service]}",
            ["kms:CreateGrant"],
            ["*"],
            StringEquals=via(service),
            Bool={"kms:GrantIsForAWSResource": "true"},
        ),
    ]


class ResourceTypeAccess:
    """A resource type that needs nothing for a job returns no statements."""

    def start_backup(self, arns: Arns) -> Statements:
        return []

    def track_backup(self, arns: Arns) -> Statements:
        return []

    def delete_backup(self, arns: Arns) -> Statements:
        return []

    def move_to_cold(self, arns: Arns) -> Statements:
        return []

    def copy_backup(self, arns: Arns) -> Statements:
        """Share a backup with another account, and copy one in (to any Region: the copy action decides)."""
        return []

    def check_restore(self, arns: Arns) -> Statements:
        return []

    def start_restore(self, arns: Arns) -> Statements:
        return []

    def poll_restore(self, arns: Arns) -> Statements:
        return []

    def catalog(self, arns: Arns) -> Statements:
        """Read-only: find and describe the resources, and read the native backups services made themselves."""
        return []


def keys_for_copies(service: str) -> Statements:
    """A copy is re-encrypted with the destination vault's key, through the service, in whatever Region the
    destination is: keys usable only through `service` in any Region, grants only for AWS resources."""
    in_any_region = {"kms:ViaService": f"{service}.*.amazonaws.com"}
    return [
        allow(
            f"UseKeysForCopiesVia{_LABELS[service]}",
            [f"kms:{a}" for a in ("Decrypt", "Encrypt", "ReEncrypt*", "GenerateDataKey*", "DescribeKey")],
            ["*"],
            StringLike=in_any_region,
        ),
        allow(
            f"GrantKeysForCopiesTo{_LABELS[service]}",
            ["kms:CreateGrant"],
            ["*"],
            StringLike=in_any_region,
            Bool={"kms:GrantIsForAWSResource": "true"},
        ),
    ]


def copy_snapshots(arns: Arns) -> Statements:
    """EBS snapshot copies (EBS and Storage Gateway points): share with another account, copy into a Region."""
    return [
        describe("ec2", "DescribeSnapshots"),
        allow("ShareEbsSnapshots", ["ec2:ModifySnapshotAttribute"], [arns.ebs_snapshots]),
        allow(
            "CopyEbsSnapshots",
            ["ec2:CopySnapshot", "ec2:CreateTags"],
            [arns.in_any_region("ec2", "snapshot", "*", with_account=False)],
        ),
        *keys_for_copies("ec2"),
    ]


def copy_vault_storage(arns: Arns) -> Statements:
    """S3 and EFS points are objects in Strongroom's vault bucket: a copy is a server-side copy of them into
    the vault bucket of the destination Region, encrypted with the destination vault's key."""
    return [
        allow(
            "CopyVaultStorage",
            ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"],
            [arns.vault_buckets_objects],
        ),
        allow("FindVaultStorageToCopy", ["s3:ListBucket"], [arns.vault_buckets]),
        *keys_for_copies("s3"),
    ]


def archive_snapshots(arns: Arns) -> Statements:
    """Cold storage for EBS snapshots (EBS and Storage Gateway points): the snapshot archive tier."""
    return [
        describe("ec2", "DescribeSnapshots"),
        allow("ArchiveEbsSnapshots", ["ec2:ModifySnapshotTier"], [arns.ebs_snapshots]),
    ]


def restore_archived_snapshots(arns: Arns) -> Statements:
    """A snapshot in the archive tier is restored from it (temporarily) before a volume is made of it."""
    return [
        describe("ec2", "DescribeSnapshotTierStatus"),
        allow("RestoreArchivedEbsSnapshots", ["ec2:RestoreSnapshotTier"], [arns.ebs_snapshots]),
    ]


class Ebs(ResourceTypeAccess):
    """EBS volumes: a recovery point is a snapshot; a restore is a new volume."""

    def start_backup(self, arns: Arns) -> Statements:
        return [
            describe("ec2", "DescribeSnapshots", "DescribeVolumes"),
            allow("CreateEbsSnapshots", ["ec2:CreateSnapshot"], [arns.ebs_volumes, arns.ebs_snapshots]),
            allow("TagEbsSnapshots", ["ec2:CreateTags"], [arns.ebs_snapshots]),
            use_keys("ec2", "Decrypt", "GenerateDataKey*", "DescribeKey"),
            *grant_keys("ec2"),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        return [describe("ec2", "DescribeSnapshots", "DescribeVolumes")]

    def delete_backup(self, arns: Arns) -> Statements:
        return [
            describe("ec2", "DescribeSnapshots"),
            allow("DeleteEbsSnapshots", ["ec2:DeleteSnapshot"], [arns.ebs_snapshots]),
        ]

    def move_to_cold(self, arns: Arns) -> Statements:
        return archive_snapshots(arns)

    def copy_backup(self, arns: Arns) -> Statements:
        return copy_snapshots(arns)

    def start_restore(self, arns: Arns) -> Statements:
        return [
            describe("ec2", "DescribeSnapshots", "DescribeVolumes"),
            *restore_archived_snapshots(arns),
            allow("CreateVolumesFromSnapshots", ["ec2:CreateVolume"], [arns.ebs_volumes, arns.ebs_snapshots]),
            allow("TagRestoredVolumes", ["ec2:CreateTags"], [arns.ebs_volumes]),
            use_keys("ec2", "Decrypt", "GenerateDataKey*", "DescribeKey"),
            *grant_keys("ec2"),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [describe("ec2", "DescribeVolumes")]

    def catalog(self, arns: Arns) -> Statements:
        return [describe("ec2", "DescribeVolumes", "DescribeSnapshots")]


# RestoreTableFromBackup also needs the item-level actions on the table it creates.
_RESTORE_TABLE_ITEM_ACTIONS = [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
]


class DynamoDb(ResourceTypeAccess):
    """DynamoDB tables: a recovery point is an on-demand backup; a restore is a new table."""

    def start_backup(self, arns: Arns) -> Statements:
        return [
            describe("dynamodb", "ListTables", "ListBackups"),
            allow(
                "BackUpTables",
                ["dynamodb:CreateBackup", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"],
                [arns.tables],
            ),
            allow("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
            use_keys("dynamodb", "Decrypt", "GenerateDataKey*", "DescribeKey"),
            *grant_keys("dynamodb"),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        return [
            allow("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
            # A completed backup's table, when its backup did not describe it (describe_many).
            allow("DescribeBackedUpTables", ["dynamodb:DescribeTable"], [arns.tables]),
        ]

    def delete_backup(self, arns: Arns) -> Statements:
        return [
            allow("DeleteTableBackups", ["dynamodb:DeleteBackup", "dynamodb:DescribeBackup"], [arns.table_backups]),
        ]

    def check_restore(self, arns: Arns) -> Statements:
        return [allow("DescribeTargetTables", ["dynamodb:DescribeTable"], [arns.tables])]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            allow(
                "RestoreTablesFromBackups",
                ["dynamodb:RestoreTableFromBackup"],
                [arns.tables, arns.table_backups],
            ),
            allow("WriteRestoredTables", _RESTORE_TABLE_ITEM_ACTIONS, [arns.tables]),
            allow("DescribeTargetTables", ["dynamodb:DescribeTable"], [arns.tables]),
            allow("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
            use_keys("dynamodb", "Decrypt", "GenerateDataKey*", "DescribeKey"),
            *grant_keys("dynamodb"),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [allow("DescribeTargetTables", ["dynamodb:DescribeTable"], [arns.tables])]

    def catalog(self, arns: Arns) -> Statements:
        return [
            describe("dynamodb", "ListTables", "ListBackups"),
            allow("ReadTables", ["dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"], [arns.tables]),
            allow("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
        ]


class Ec2Instances(ResourceTypeAccess):
    """EC2 instances: a recovery point is an AMI (NoReboot) and its snapshots; a restore launches an instance."""

    _DESCRIBE_BACKUPS = ("DescribeInstances", "DescribeVolumes", "DescribeImages", "DescribeSnapshots")

    def start_backup(self, arns: Arns) -> Statements:
        return [
            describe("ec2", *self._DESCRIBE_BACKUPS),
            allow("CreateImages", ["ec2:CreateImage"], [arns.ec2_instances, arns.ec2_images, arns.ebs_snapshots]),
            # The AMI is tagged as it is made; its snapshots right after (and again once it is available).
            allow("TagImagesAndSnapshots", ["ec2:CreateTags"], [arns.ec2_images, arns.ebs_snapshots]),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        # backup_status re-tags the AMI's snapshots; restore_metadata reads the source's launch settings.
        return self.start_backup(arns)

    def delete_backup(self, arns: Arns) -> Statements:
        return [
            describe("ec2", "DescribeImages", "DescribeSnapshots"),
            allow("DeregisterImages", ["ec2:DeregisterImage"], [arns.ec2_images]),
            allow("DeleteEbsSnapshots", ["ec2:DeleteSnapshot"], [arns.ebs_snapshots]),
        ]

    def check_restore(self, arns: Arns) -> Statements:
        return [
            describe("ec2", "DescribeSubnets", "DescribeSecurityGroups"),
            # An instance profile in the restore metadata is read to check its role is marked for restores.
            allow("ReadInstanceProfiles", ["iam:GetInstanceProfile"], [arns.instance_profiles]),
        ]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            describe("ec2", "DescribeInstances", "DescribeSubnets", "DescribeSecurityGroups"),
            allow("ReadInstanceProfiles", ["iam:GetInstanceProfile"], [arns.instance_profiles]),
            allow(
                "LaunchInstancesFromImages",
                ["ec2:RunInstances"],
                [
                    arns.ec2_images,
                    arns.ebs_snapshots,
                    arns.ec2_instances,
                    arns.ebs_volumes,
                    arns.ec2("subnet"),
                    arns.ec2("network-interface"),
                    arns.ec2("security-group"),
                    # Restore metadata may name a key pair and a placement group (Placement.GroupName).
                    arns.ec2("key-pair"),
                    arns.ec2("placement-group"),
                ],
            ),
            allow(
                "TagLaunchedInstances",
                ["ec2:CreateTags"],
                [arns.ec2_instances],
                StringEquals={"ec2:CreateAction": "RunInstances"},
            ),
            # The instance profile recorded with the backup (IamInstanceProfileName): only a role the user marked
            # for restores (under /strongroom-restore/), and only to EC2.
            allow(
                "PassInstanceProfileRolesToEc2",
                ["iam:PassRole"],
                [arns.restore_roles],
                StringEquals={"iam:PassedToService": "ec2.amazonaws.com"},
            ),
            # Volumes of an encrypted AMI are re-encrypted for the new instance.
            use_keys("ec2", "Decrypt", "DescribeKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt*"),
            *grant_keys("ec2"),
        ]

    def copy_backup(self, arns: Arns) -> Statements:
        images_anywhere = arns.in_any_region("ec2", "image", "*", with_account=False)
        return [
            describe("ec2", "DescribeImages", "DescribeSnapshots"),
            allow("ShareAmis", ["ec2:ModifyImageAttribute"], [arns.ec2_images]),
            allow("ShareEbsSnapshots", ["ec2:ModifySnapshotAttribute"], [arns.ebs_snapshots]),
            allow(
                "CopyAmis",
                ["ec2:CopyImage", "ec2:CreateTags"],
                [images_anywhere, arns.in_any_region("ec2", "snapshot", "*", with_account=False)],
            ),
            *keys_for_copies("ec2"),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [describe("ec2", "DescribeInstances", "DescribeVolumes")]

    def catalog(self, arns: Arns) -> Statements:
        # The instance's AMIs, and the snapshots whose descriptions say CreateImage made them from it.
        return [describe("ec2", *self._DESCRIBE_BACKUPS)]


class RdsDatabases(ResourceTypeAccess):
    """RDS DB instances and Aurora, DocumentDB and Neptune clusters (one rds: API): DB and cluster snapshots."""

    def start_backup(self, arns: Arns) -> Statements:
        return [
            describe(
                "rds",
                "DescribeDBInstances",
                "DescribeDBSnapshots",
                "DescribeDBClusters",
                "DescribeDBClusterSnapshots",
                "DescribeAccountAttributes",  # the manual snapshot quotas, asked once per batch (start_capacity)
            ),
            allow(
                "CreateDbSnapshots",
                ["rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"],
                [arns.rds("db"), arns.rds("snapshot"), arns.rds("cluster"), arns.rds("cluster-snapshot")],
            ),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        return [
            describe(
                "rds", "DescribeDBInstances", "DescribeDBSnapshots", "DescribeDBClusters", "DescribeDBClusterSnapshots"
            )
        ]

    def delete_backup(self, arns: Arns) -> Statements:
        return [
            describe("rds", "DescribeDBSnapshots", "DescribeDBClusterSnapshots"),
            allow(
                "DeleteDbSnapshots",
                ["rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"],
                [arns.rds("snapshot"), arns.rds("cluster-snapshot")],
            ),
        ]

    def check_restore(self, arns: Arns) -> Statements:
        return [describe("rds", "DescribeDBInstances", "DescribeDBClusters", "DescribeDBClusterSnapshots")]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            describe("rds", "DescribeDBInstances", "DescribeDBClusters", "DescribeDBClusterSnapshots"),
            allow(
                "RestoreDatabasesFromSnapshots",
                ["rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBClusterFromSnapshot"],
                # The new instance or cluster, the snapshot, and the groups the restore metadata names.
                [
                    arns.rds("db"),
                    arns.rds("cluster"),
                    arns.rds("snapshot"),
                    arns.rds("cluster-snapshot"),
                    arns.rds("subgrp"),
                    arns.rds("og"),
                    arns.rds("pg"),
                    arns.rds("cluster-pg"),
                ],
            ),
            allow("TagRestoredDatabases", ["rds:AddTagsToResource"], [arns.rds("db"), arns.rds("cluster")]),
            *grant_keys("rds"),
        ]

    def copy_backup(self, arns: Arns) -> Statements:
        colon = ArnFormat.COLON_RESOURCE_NAME
        return [
            describe("rds", "DescribeDBSnapshots", "DescribeDBClusterSnapshots"),
            allow(
                "ShareRdsSnapshots",
                ["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"],
                [arns.rds("snapshot"), arns.rds("cluster-snapshot")],
            ),
            allow(
                "CopyRdsSnapshots",
                ["rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot", "rds:AddTagsToResource"],
                [
                    arns.in_any_region("rds", "snapshot", "*", separator=colon),
                    arns.in_any_region("rds", "cluster-snapshot", "*", separator=colon),
                ],
            ),
            *keys_for_copies("rds"),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [describe("rds", "DescribeDBInstances", "DescribeDBClusters")]

    def catalog(self, arns: Arns) -> Statements:
        # A cluster's type (Aurora, DocumentDB, Neptune) is read from the cluster itself; the snapshots come with
        # their tags (TagList), which tell those a job made.
        return [
            describe(
                "rds", "DescribeDBInstances", "DescribeDBSnapshots", "DescribeDBClusters", "DescribeDBClusterSnapshots"
            )
        ]


class S3Buckets(ResourceTypeAccess):
    """S3 buckets: a recovery point is a manifest of object versions, kept in the vault bucket (see
    permissions.vault_storage); a restore copies those versions into a destination bucket.

    The customer's buckets are whatever the plans select and restores name: any bucket (arn:...:s3:::*)."""

    _DESCRIBE_BUCKETS = [
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
    ]

    def start_backup(self, arns: Arns) -> Statements:
        return [
            allow("ListBuckets", ["s3:ListAllMyBuckets"], ["*"]),
            allow("DescribeBuckets", self._DESCRIBE_BUCKETS, [arns.buckets]),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        # The backup lists the bucket's versions, in slices, from backup_status.
        return [allow("ListBucketVersions", ["s3:ListBucketVersions"], [arns.buckets])]

    def check_restore(self, arns: Arns) -> Statements:
        # HeadBucket on the destination.
        return [allow("FindDestinationBuckets", ["s3:ListBucket"], [arns.buckets])]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            allow(
                "PrepareDestinationBuckets",
                ["s3:CreateBucket", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:GetBucketTagging"],
                [arns.buckets],
            ),
            allow("FindDestinationBuckets", ["s3:ListBucket"], [arns.buckets]),
        ]

    def copy_backup(self, arns: Arns) -> Statements:
        # An S3 copy holds the data: every version its manifest records is read from the customer's bucket.
        return [
            *copy_vault_storage(arns),
            allow("ReadBucketVersionsToCopy", ["s3:GetObjectVersion", "s3:GetObjectVersionTagging"], [arns.objects]),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [
            # HeadObject on the destination answers 404, not 403, for a missing key only with ListBucket.
            allow("FindDestinationBuckets", ["s3:ListBucket"], [arns.buckets]),
            # CopyObject of the recorded version, with its tags; multipart above 5 GB.
            allow(
                "CopyRecordedVersions",
                [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                ],
                [arns.objects],
            ),
            use_keys("s3", "Decrypt", "GenerateDataKey"),
        ]

    def catalog(self, arns: Arns) -> Statements:
        return [
            allow("ListBuckets", ["s3:ListAllMyBuckets"], ["*"]),
            allow("DescribeBuckets", self._DESCRIBE_BUCKETS, [arns.buckets]),
        ]


class EfsFileSystems(ResourceTypeAccess):
    """EFS file systems: the data goes to the vault bucket through a mover Lambda function attached to the
    file system, `strongroom-efs-mover-<file system id>`, which the engine looks up and invokes.

    The stack creates one mover per file system its `efs_file_systems` context lists (constructs/efs_movers.py);
    a file system without one is refused with a clear error. The grants below name the movers by prefix only."""

    def _movers(self, arns: Arns) -> iam.PolicyStatement:
        return allow("RunEfsMovers", ["lambda:GetFunction", "lambda:InvokeFunction"], [arns.efs_movers])

    def start_backup(self, arns: Arns) -> Statements:
        return [describe("elasticfilesystem", "DescribeFileSystems"), self._movers(arns)]

    def track_backup(self, arns: Arns) -> Statements:
        # A mover that stopped at its time budget is started again from backup_status.
        return [describe("elasticfilesystem", "DescribeFileSystems"), self._movers(arns)]

    def check_restore(self, arns: Arns) -> Statements:
        return [describe("elasticfilesystem", "DescribeFileSystems"), self._movers(arns)]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            describe("elasticfilesystem", "DescribeFileSystems"),
            allow(
                "CreateFileSystems",
                ["elasticfilesystem:CreateFileSystem", "elasticfilesystem:TagResource"],
                [arns.file_systems],
            ),
            self._movers(arns),
            *grant_keys("elasticfilesystem"),
        ]

    def copy_backup(self, arns: Arns) -> Statements:
        return copy_vault_storage(arns)

    def poll_restore(self, arns: Arns) -> Statements:
        # restore_status waits for a new file system to be available before it starts the mover.
        return [describe("elasticfilesystem", "DescribeFileSystems"), self._movers(arns)]

    def catalog(self, arns: Arns) -> Statements:
        return [describe("elasticfilesystem", "DescribeFileSystems")]


class FsxFileSystems(ResourceTypeAccess):
    """FSx for Windows File Server, Lustre and OpenZFS: a recovery point is a user-initiated FSx backup; a
    restore is CreateFileSystemFromBackup."""

    def start_backup(self, arns: Arns) -> Statements:
        return [
            describe("fsx", "DescribeFileSystems", "DescribeBackups"),
            allow(
                "CreateFsxBackups",
                ["fsx:CreateBackup", "fsx:TagResource"],
                [arns.fsx("file-system"), arns.fsx("backup")],
            ),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        return [describe("fsx", "DescribeFileSystems", "DescribeBackups")]

    def delete_backup(self, arns: Arns) -> Statements:
        return [allow("DeleteFsxBackups", ["fsx:DeleteBackup"], [arns.fsx("backup")])]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            describe("fsx", "DescribeFileSystems"),
            allow(
                "CreateFileSystemsFromFsxBackups",
                ["fsx:CreateFileSystemFromBackup", "fsx:TagResource"],
                [arns.fsx("file-system"), arns.fsx("backup")],
            ),
            *grant_keys("fsx"),
        ]

    def copy_backup(self, arns: Arns) -> Statements:
        return [
            describe("fsx", "DescribeBackups"),
            allow(
                "CopyFsxBackups",
                ["fsx:CopyBackup", "fsx:TagResource"],
                [arns.fsx("backup"), arns.in_any_region("fsx", "backup", "*")],
            ),
            *keys_for_copies("fsx"),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [describe("fsx", "DescribeFileSystems")]

    def catalog(self, arns: Arns) -> Statements:
        # FsxAdapter.list_native_backups reads the file system's backups.
        return [describe("fsx", "DescribeFileSystems", "DescribeBackups")]


class StorageGatewayVolumes(ResourceTypeAccess):
    """Storage Gateway cached and stored volumes: a recovery point is the EBS snapshot the gateway makes; a
    restore is a new gateway volume from it, or a plain EBS volume."""

    _READ_VOLUMES = ("ListVolumes", "DescribeCachediSCSIVolumes", "DescribeStorediSCSIVolumes", "ListTagsForResource")

    def start_backup(self, arns: Arns) -> Statements:
        return [
            describe("storagegateway", "ListGateways", *self._READ_VOLUMES),
            describe("ec2", "DescribeSnapshots"),
            allow("SnapshotGatewayVolumes", ["storagegateway:CreateSnapshot"], [arns.gateway_volumes]),
        ]

    def track_backup(self, arns: Arns) -> Statements:
        # restore_metadata records the gateway and volume the snapshot came from.
        return [
            describe("storagegateway", "DescribeGatewayInformation", *self._READ_VOLUMES),
            describe("ec2", "DescribeSnapshots"),
        ]

    def delete_backup(self, arns: Arns) -> Statements:
        return [allow("DeleteEbsSnapshots", ["ec2:DeleteSnapshot"], [arns.ebs_snapshots])]

    def move_to_cold(self, arns: Arns) -> Statements:
        return archive_snapshots(arns)

    def copy_backup(self, arns: Arns) -> Statements:
        return copy_snapshots(arns)

    def check_restore(self, arns: Arns) -> Statements:
        return [describe("storagegateway", "DescribeGatewayInformation")]

    def start_restore(self, arns: Arns) -> Statements:
        return [
            describe("storagegateway", "DescribeGatewayInformation", *self._READ_VOLUMES),
            describe("ec2", "DescribeVolumes"),
            *restore_archived_snapshots(arns),
            allow(
                "CreateGatewayVolumesFromSnapshots",
                [
                    "storagegateway:CreateCachediSCSIVolume",
                    "storagegateway:CreateStorediSCSIVolume",
                    "storagegateway:AddTagsToResource",
                ],
                [arns.gateways, arns.gateway_volumes],
            ),
            # The other restore target, a plain EBS volume, is Ebs.start_restore's.
            allow("CreateVolumesFromSnapshots", ["ec2:CreateVolume"], [arns.ebs_volumes, arns.ebs_snapshots]),
            allow("TagRestoredVolumes", ["ec2:CreateTags"], [arns.ebs_volumes]),
            *grant_keys("storagegateway"),
        ]

    def poll_restore(self, arns: Arns) -> Statements:
        return [describe("storagegateway", *self._READ_VOLUMES), describe("ec2", "DescribeVolumes")]

    def catalog(self, arns: Arns) -> Statements:
        return [describe("storagegateway", "ListGateways", *self._READ_VOLUMES)]


def _filled(template: str) -> str:
    """A spec's ARN or condition template in the stack's partition, Region and account."""
    return template.format(partition=Aws.PARTITION, region=Aws.REGION, account=Aws.ACCOUNT_ID)


def statement_of(grant: Grant) -> iam.PolicyStatement:
    """One Grant of a type's spec (lambdas/resources/spec.py) as the IAM statement it describes."""
    conditions = {operator: {key: _filled(value) for key, value in pairs} for operator, pairs in grant.conditions}
    return allow(grant.sid, list(grant.actions), [_filled(r) for r in grant.resources], **conditions)


class FromSpec(ResourceTypeAccess):
    """A type whose IAM is data in its spec: each job's grants, as statements."""

    def __init__(self, spec: TypeSpec) -> None:
        self._iam = spec.iam or {}

    def _job(self, job: str) -> Statements:
        return [statement_of(grant) for grant in self._iam.get(job, ())]

    def start_backup(self, arns: Arns) -> Statements:
        return self._job("start_backup")

    def track_backup(self, arns: Arns) -> Statements:
        return self._job("track_backup")

    def delete_backup(self, arns: Arns) -> Statements:
        return self._job("delete_backup")

    def move_to_cold(self, arns: Arns) -> Statements:
        return self._job("move_to_cold")

    def copy_backup(self, arns: Arns) -> Statements:
        return self._job("copy_backup")

    def check_restore(self, arns: Arns) -> Statements:
        return self._job("check_restore")

    def start_restore(self, arns: Arns) -> Statements:
        return self._job("start_restore")

    def poll_restore(self, arns: Arns) -> Statements:
        return self._job("poll_restore")

    def catalog(self, arns: Arns) -> Statements:
        return self._job("catalog")


# The types whose grants are still written out above, one class per adapter family; every type whose spec carries
# its IAM (lambdas/resources/types.py) is added from the registry.
RESOURCE_TYPES: tuple[ResourceTypeAccess, ...] = (
    Ebs(),
    DynamoDb(),
    Ec2Instances(),
    RdsDatabases(),
    S3Buckets(),
    EfsFileSystems(),
    FsxFileSystems(),
    StorageGatewayVolumes(),
    *(FromSpec(spec) for spec in TYPES if spec.iam is not None),
)
