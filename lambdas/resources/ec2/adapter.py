"""EC2 instances: a recovery point is an AMI made with NoReboot, whose EBS snapshots all carry the job id;
a restore launches a new instance from the AMI with the recorded launch settings, each one overridable.

CreateImage tags the AMI (its TagSpecifications) and nothing else is called to start a backup: the AMI's name
and job tag are what find_backup and a retried start find it by. Its EBS snapshots are tagged once the AMI is
available, by the status call that sees it so, and only those that lack the tags: CreateImage's "snapshot"
TagSpecification would do it at once on AWS, but the emulator (moto) raises NotImplementedError for it, and a
snapshot of an AMI that is still pending may not be listed yet on AWS anyway.

Tracking asks for a page of AMIs at once (backup_statuses: one DescribeImages, one DescribeSnapshots) and a
completed page's instances at once (describe_many: one DescribeInstances, one DescribeVolumes); the instance's
launch settings ride along in ResourceInfo.details, so restore_metadata calls nothing.

A copy is CopyImage in the destination Region and account, re-encrypted with the destination vault's key;
across accounts the AMI is shared first (launch permission, and createVolumePermission on its snapshots), and
its snapshots' KMS key must let the destination account use it.

The import of existing backups (lambdas.services.native_backup_import) lists an instance's AMIs made elsewhere
with list_native_backups, whose docstring says which AMIs count as the instance's."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    JOB_TAG,
    RESTORE_TAG,
    SOURCE_TAG,
    CopySource,
    NativeBackup,
    NativeLockState,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
)
from lambdas.resources.ebs.adapter import share_snapshot
from lambdas.resources.restore_metadata import flag, json_list, metadata_value
from lambdas.resources.snapshot_engine import native_tags
from lambdas.resources.snapshot_locks import earliest_lock, lock_snapshots, unlock_snapshots

GIB = 1024**3
LIVE_STATES = ("pending", "running", "stopping", "stopped")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
_AMI_NAME_CHARS = re.compile(r"[^A-Za-z0-9()\[\] ./\-'@_]")
_MADE_FOR_IMAGE = re.compile(r" for (ami-[0-9a-f]+)")  # "Created by CreateImage(i-...) for ami-...[ from vol-...]"
_FILTER_VALUES = 200  # the most values one DescribeImages filter takes
_PAGE = 100  # instances per DescribeInstances when describing many: their volumes' filter takes twice as many ids
_BOOLEAN_KEYS = ("EbsOptimized", "RequireIMDSv2", "DisableApiTermination")
_PLACEMENT_KEYS = frozenset({"AvailabilityZone", "Tenancy", "GroupName"})
# AWS Backup's default for EC2: the instance keeps running while its AMI is made (no reboot, so no
# file-system freeze); Windows VSS is off unless the plan's AdvancedBackupSettings turn it on.
WINDOWS_VSS = "disabled"


def image_name(job_id: str) -> str:
    """The AMI's name carries the job id: a retried start finds the AMI it already made (names are unique)."""
    return f"strongroom-{_AMI_NAME_CHARS.sub('-', job_id)}"[:128]


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in raw or []}


def _made_by_a_backup_service(tags: dict[str, str]) -> bool:
    """An AMI a Strongroom job (its job tag) or AWS Backup (aws:backup: tags) made."""
    return JOB_TAG in tags or any(key.startswith("aws:backup:") for key in tags)


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def _snapshot_ids(image: dict[str, Any]) -> list[str]:
    return [
        mapping["Ebs"]["SnapshotId"]
        for mapping in image.get("BlockDeviceMappings", [])
        if mapping.get("Ebs", {}).get("SnapshotId")
    ]


def _image_size(image: dict[str, Any]) -> int:
    return (
        sum(
            int(mapping["Ebs"].get("VolumeSize", 0))
            for mapping in image.get("BlockDeviceMappings", [])
            if "Ebs" in mapping
        )
        * GIB
    )


def _placement(metadata: dict[str, str]) -> dict[str, str] | None:
    raw = metadata_value(metadata, "Placement")
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if (
        not isinstance(value, dict)
        or not set(value) <= _PLACEMENT_KEYS
        or not all(isinstance(item, str) for item in value.values())
    ):
        raise InvalidParameterValueException(
            f"Restore metadata Placement must be a JSON object of {', '.join(sorted(_PLACEMENT_KEYS))}, got {raw!r}"
        )
    return {key: item for key, item in value.items() if item}


def _launch_settings(instance: dict[str, Any]) -> dict[str, str]:
    """The instance's launch settings, as restore metadata records them (AWS Backup's keys)."""
    settings = {"InstanceType": str(instance["InstanceType"])}
    for key in ("SubnetId", "VpcId", "KeyName"):
        if instance.get(key):
            settings[key] = str(instance[key])
    settings["SecurityGroupIds"] = json.dumps([group["GroupId"] for group in instance.get("SecurityGroups", [])])
    placement = {
        key: value for key, value in (instance.get("Placement") or {}).items() if key in _PLACEMENT_KEYS and value
    }
    if placement:
        settings["Placement"] = json.dumps(placement, sort_keys=True)
    profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
    if profile:
        settings["IamInstanceProfileName"] = profile.rsplit("/", 1)[-1]
    settings["EbsOptimized"] = str(bool(instance.get("EbsOptimized"))).lower()
    settings["Monitoring"] = (instance.get("Monitoring") or {}).get("State", "disabled")
    tokens = (instance.get("MetadataOptions") or {}).get("HttpTokens")
    if tokens:
        settings["RequireIMDSv2"] = str(tokens == "required").lower()
    return settings


def _percent(snapshots: list[dict[str, Any]]) -> str:
    done = [float((snapshot.get("Progress") or "0%").rstrip("%")) for snapshot in snapshots]
    return f"{sum(done) / len(done):.1f}" if done else "0.0"


def _untagged(image: dict[str, Any], snapshots: dict[str, dict[str, Any]]) -> list[str]:
    """The AMI's snapshots that lack one of its tags: the job's AMI only (an AMI the import catalogs is left as
    it is), and a snapshot not listed is tagged too (CreateTags is idempotent)."""
    tags = _tags(image.get("Tags"))
    if JOB_TAG not in tags:
        return []
    return [
        snapshot_id
        for snapshot_id in _snapshot_ids(image)
        if not tags.items() <= _tags(snapshots.get(snapshot_id, {}).get("Tags")).items()
    ]


# Roles a restore may hand to a new instance: the user marks them by creating them under this IAM path
# (aws iam create-role --path /strongroom-restore/ ...). RestoreStart may pass only these, and only to EC2.
RESTORE_ROLE_PATH = "/strongroom-restore/"


class Ec2Adapter:
    resource_type = "EC2"
    tagging_filter = "ec2:instance"
    supports_cold_storage = False

    def __init__(self, ec2: Callable[[], Any], region: str, account: str, iam: Callable[[], Any] | None = None) -> None:
        self._ec2 = ec2
        self._iam = iam  # reads instance profiles; without it no restore may name one
        self._region = region
        self._account = account
        # The AMIs the last status call described, kept for the restore metadata that follows it.
        self._seen_images: dict[str, dict[str, Any]] = {}

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def _instance_arn(self, instance_id: str) -> str:
        return f"arn:aws:ec2:{self._region}:{self._account}:instance/{instance_id}"

    def _image_arn(self, image_id: str) -> str:
        return f"arn:aws:ec2:{self._region}::image/{image_id}"

    # describe

    def _instance(self, instance_id: str) -> dict[str, Any] | None:
        try:
            reservations = self._ec2().describe_instances(InstanceIds=[instance_id])["Reservations"]
        except ClientError as error:
            if _code(error) in ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"):
                return None
            raise
        instances = [instance for reservation in reservations for instance in reservation["Instances"]]
        return instances[0] if instances else None

    def _volumes(self, instance_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        by_instance: dict[str, list[dict[str, Any]]] = {instance_id: [] for instance_id in instance_ids}
        if not instance_ids:
            return by_instance
        paginator = self._ec2().get_paginator("describe_volumes")
        filters = [{"Name": "attachment.instance-id", "Values": instance_ids}]
        for page in paginator.paginate(Filters=filters):
            for volume in page["Volumes"]:
                for attachment in volume.get("Attachments", []):
                    if attachment.get("InstanceId") in by_instance:
                        by_instance[attachment["InstanceId"]].append({**volume, "Device": attachment.get("Device")})
        return by_instance

    def _info(self, instance: dict[str, Any], volumes: list[dict[str, Any]]) -> ResourceInfo:
        """`details` are the instance's launch settings, the restore metadata of a backup of it."""
        tags = _tags(instance.get("Tags"))
        root = next((v for v in volumes if v.get("Device") == instance.get("RootDeviceName")), None)
        encrypted = bool(volumes) and all(v.get("Encrypted") for v in volumes)
        return ResourceInfo(
            arn=self._instance_arn(instance["InstanceId"]),
            resource_type=self.resource_type,
            name=tags.get("Name", instance["InstanceId"]),
            size_bytes=sum(int(v.get("Size", 0)) for v in volumes) * GIB,
            tags=tags,
            encryption_key_arn=(root or (volumes[0] if volumes else {})).get("KmsKeyId") if encrypted else None,
            is_encrypted=encrypted,
            details=_launch_settings(instance),
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        instance_id = parse_arn(resource_arn).resource_id
        instance = self._instance(instance_id)
        if instance is None or instance["State"]["Name"] not in LIVE_STATES:
            raise ResourceNotFoundException(f"EC2 instance {resource_arn} does not exist or is terminated")
        return self._info(instance, self._volumes([instance_id])[instance_id])

    def describe_many(self, resource_arns: list[str]) -> dict[str, ResourceInfo]:
        """A filter on instance ids, not InstanceIds: one id gone would fail the whole call. 100 ids a call, as
        the volume lookup that follows filters on them (a filter takes at most 200 values)."""
        by_id = {parse_arn(arn).resource_id: arn for arn in resource_arns}
        ids = sorted(by_id)
        found: dict[str, ResourceInfo] = {}
        for start in range(0, len(ids), _PAGE):
            for info in self._live_instances(ids[start : start + _PAGE]):
                found[by_id[parse_arn(info.arn).resource_id]] = info
        return found

    def _live_instances(self, instance_ids: list[str]) -> Iterator[ResourceInfo]:
        filters = [
            {"Name": "instance-id", "Values": instance_ids},
            {"Name": "instance-state-name", "Values": list(LIVE_STATES)},
        ]
        pages = self._ec2().get_paginator("describe_instances").paginate(Filters=filters)
        instances = [i for page in pages for reservation in page["Reservations"] for i in reservation["Instances"]]
        volumes = self._volumes([instance["InstanceId"] for instance in instances])
        for instance in instances:
            yield self._info(instance, volumes[instance["InstanceId"]])

    def list_resources(self) -> Iterator[ResourceInfo]:
        paginator = self._ec2().get_paginator("describe_instances")
        filters = [{"Name": "instance-state-name", "Values": list(LIVE_STATES)}]
        # 100 a page: the volume lookup filters on the page's instance ids, and a filter takes at most 200 values.
        for page in paginator.paginate(Filters=filters, PaginationConfig={"PageSize": 100}):
            instances = [instance for reservation in page["Reservations"] for instance in reservation["Instances"]]
            volumes = self._volumes([instance["InstanceId"] for instance in instances])
            for instance in instances:
                yield self._info(instance, volumes[instance["InstanceId"]])

    # backup

    def _image(self, image_id: str) -> dict[str, Any] | None:
        try:
            images = self._ec2().describe_images(ImageIds=[image_id])["Images"]
        except ClientError as error:
            if _code(error) in ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable"):
                return None
            raise
        live = [image for image in images if image.get("State") != "deregistered"]
        return live[0] if live else None

    def _backup(self, image_id: str) -> NativeBackup:
        return NativeBackup(image_id, self._image_arn(image_id))

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        images = self._ec2().describe_images(Owners=["self"], Filters=[{"Name": f"tag:{JOB_TAG}", "Values": [job_id]}])[
            "Images"
        ]
        live = [image for image in images if image.get("State") != "deregistered"]
        return self._backup(live[0]["ImageId"]) if live else None

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """The instance's AMIs made by anyone but Strongroom (its job tag) and AWS Backup (aws:backup: tags), for
        the import of existing backups, with their creation times: the NativeBackup start_backup gives, the AMI's
        id and arn:aws:ec2:<region>::image/<id>. An AMI of this account, available, is the instance's when
          - EC2 recorded the instance as its source (SourceInstanceId: CreateImage records it);
          - its EBS snapshots say CreateImage made them from the instance ("Created by CreateImage(i-...) for
            ami-..."), which also finds the AMIs made before EC2 recorded SourceInstanceId; or
          - it is tagged strongroom:source-resource with the instance's ARN (or id): the way to claim an AMI that
            EC2 does not tie to the instance, one registered from snapshots of its volumes or copied in.
        An AMI registered from snapshots (RegisterImage) and not tagged so is not listed: nothing EC2 keeps says
        which instance it is of."""
        instance_id = parse_arn(resource_arn).resource_id
        made_for = sorted(self._images_made_from(instance_id))
        claimed_by = sorted({resource_arn, self._instance_arn(instance_id), instance_id})
        queries = [
            [{"Name": "source-instance-id", "Values": [instance_id]}],
            [{"Name": f"tag:{SOURCE_TAG}", "Values": claimed_by}],
            *(
                [{"Name": "image-id", "Values": made_for[start : start + _FILTER_VALUES]}]
                for start in range(0, len(made_for), _FILTER_VALUES)
            ),
        ]
        seen: set[str] = set()
        paginator = self._ec2().get_paginator("describe_images")
        for filters in queries:
            available = [*filters, {"Name": "state", "Values": ["available"]}]
            for page in paginator.paginate(Owners=["self"], Filters=available):
                for image in page["Images"]:
                    if image["ImageId"] in seen or _made_by_a_backup_service(_tags(image.get("Tags"))):
                        continue
                    seen.add(image["ImageId"])
                    created = datetime.fromisoformat(str(image["CreationDate"]).replace("Z", "+00:00"))
                    yield self._backup(image["ImageId"]), created

    def _images_made_from(self, instance_id: str) -> set[str]:
        """The AMIs CreateImage made from the instance, as their EBS snapshots' descriptions name them."""
        made_by = f"Created by CreateImage({instance_id}) for ami-*"
        paginator = self._ec2().get_paginator("describe_snapshots")
        image_ids: set[str] = set()
        for page in paginator.paginate(OwnerIds=["self"], Filters=[{"Name": "description", "Values": [made_by]}]):
            for snapshot in page["Snapshots"]:
                found = _MADE_FOR_IMAGE.search(snapshot.get("Description") or "")
                if found:
                    image_ids.add(found.group(1))
        return image_ids

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        """CreateImage alone: the AMI's snapshots are tagged once it is available (module docstring)."""
        instance_id = parse_arn(resource_arn).resource_id
        name = image_name(job_id)
        image_tags = {**native_tags(tags), JOB_TAG: job_id}
        try:
            image_id = self._ec2().create_image(
                InstanceId=instance_id,
                Name=name,
                Description=f"Strongroom backup job {job_id} of {instance_id}",
                NoReboot=True,
                TagSpecifications=[{"ResourceType": "image", "Tags": _tag_list(image_tags)}],
            )["ImageId"]
        except ClientError as error:
            if _code(error) in ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"):
                raise ResourceNotFoundException(f"EC2 instance {resource_arn} does not exist") from None
            if _code(error) != "InvalidAMIName.Duplicate":
                raise
            # The name carries the job id: an earlier attempt made this AMI and crashed before recording it.
            images = self._ec2().describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])
            if not images["Images"]:
                raise
            image_id = images["Images"][0]["ImageId"]
        return self._backup(image_id)

    def backup_status(self, native_id: str) -> Progress:
        return self.backup_statuses([native_id])[native_id]

    def backup_statuses(self, native_ids: list[str]) -> dict[str, Progress]:
        """One DescribeImages and one DescribeSnapshots a page (filters on ids, not ImageIds and SnapshotIds: one
        id gone would fail the whole call); a completed AMI's snapshots that lack its tags get them."""
        self._seen_images = {}  # never an older batch's, if a call below fails
        images = self._images(native_ids)
        wanted = [
            i
            for image in images.values()
            if image.get("State") in ("pending", "available")
            for i in _snapshot_ids(image)
        ]
        snapshots = self._snapshots(wanted)
        self._seen_images = images
        return {native_id: self._progress(native_id, images.get(native_id), snapshots) for native_id in native_ids}

    def _progress(self, native_id: str, image: dict[str, Any] | None, snapshots: dict[str, dict[str, Any]]) -> Progress:
        if image is None:
            return Progress(Phase.FAILED, message=f"AMI {native_id} disappeared before it completed")
        state = image.get("State")
        if state == "available":
            untagged = _untagged(image, snapshots)
            if untagged:
                self._ec2().create_tags(Resources=untagged, Tags=_tag_list(_tags(image.get("Tags"))))
            return Progress(Phase.COMPLETED, "100.0", _image_size(image))
        if state == "pending":
            parts = [snapshots[i] for i in _snapshot_ids(image) if i in snapshots]
            return Progress(Phase.RUNNING, _percent(parts), _image_size(image) or None)
        reason = (image.get("StateReason") or {}).get("Message")
        return Progress(Phase.FAILED, message=reason or f"AMI {native_id} is {state}")

    def _images(self, image_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The registered AMIs of this account among those asked for, by id."""
        found: dict[str, dict[str, Any]] = {}
        ids = sorted(set(image_ids))
        paginator = self._ec2().get_paginator("describe_images")
        for start in range(0, len(ids), _FILTER_VALUES):
            chunk = [{"Name": "image-id", "Values": ids[start : start + _FILTER_VALUES]}]
            for page in paginator.paginate(Owners=["self"], Filters=chunk):
                found.update((i["ImageId"], i) for i in page["Images"] if i.get("State") != "deregistered")
        return found

    def _snapshots(self, snapshot_ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ids = sorted(set(snapshot_ids))
        paginator = self._ec2().get_paginator("describe_snapshots")
        for start in range(0, len(ids), _FILTER_VALUES):
            chunk = [{"Name": "snapshot-id", "Values": ids[start : start + _FILTER_VALUES]}]
            for page in paginator.paginate(OwnerIds=["self"], Filters=chunk):
                found.update((snapshot["SnapshotId"], snapshot) for snapshot in page["Snapshots"])
        return found

    def _snapshot_arn(self, snapshot_id: str) -> str:
        return f"arn:aws:ec2:{self._region}::snapshot/{snapshot_id}"

    def _part_ids(self, native_id: str, image: dict[str, Any] | None) -> set[str]:
        """The AMI's snapshots: its block device mappings while it is registered, and those CreateImage or
        CopyImage made for it ("Created by CreateImage(i-...) for ami-...", "Copied for DestinationAmi ami-...
        from SourceAmi ..."), found even after an earlier attempt deregistered it."""
        snapshot_ids = set(_snapshot_ids(image)) if image else set()
        made_for_image = self._ec2().describe_snapshots(
            OwnerIds=["self"],
            Filters=[
                {
                    "Name": "description",
                    "Values": [
                        f"Created by CreateImage(*) for {native_id}",
                        f"Copied for DestinationAmi {native_id} *",  # the snapshots CopyImage made for a copy
                    ],
                }
            ],
        )["Snapshots"]
        snapshot_ids.update(snapshot["SnapshotId"] for snapshot in made_for_image)
        return snapshot_ids

    def part_arns(self, native_id: str) -> list[str]:
        return [self._snapshot_arn(i) for i in sorted(self._part_ids(native_id, self._image(native_id)))]

    def delete_backup(self, native_id: str) -> None:
        self.delete_backup_keeping(native_id, frozenset())

    # locks: the AMI's snapshots are locked (EC2 has no lock on an AMI itself); the AMI is tagged for Recycle Bin

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        snapshot_ids = sorted(self._part_ids(native_id, self._image(native_id)))
        lock_snapshots(self._ec2(), snapshot_ids, lock, also_tag=(native_id,))

    def unlock_backup(self, native_id: str) -> None:
        snapshot_ids = sorted(self._part_ids(native_id, self._image(native_id)))
        unlock_snapshots(self._ec2(), snapshot_ids, also_untag=(native_id,))

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return earliest_lock(self._ec2(), sorted(self._part_ids(native_id, self._image(native_id))))

    def delete_backup_keeping(self, native_id: str, keep: frozenset[str]) -> None:
        """Deregisters the AMI, then deletes its snapshots (AWS refuses to delete a snapshot a registered AMI
        uses). Two kinds of snapshot are released instead, left where they are: those `keep` names (another live
        recovery point refers to them) and those another registered AMI uses (InvalidSnapshot.InUse). The
        recovery point is gone with its AMI either way."""
        ec2 = self._ec2()
        image = self._image(native_id)
        snapshot_ids = self._part_ids(native_id, image)
        if image is not None:
            try:
                ec2.deregister_image(ImageId=native_id)
            except ClientError as error:
                if _code(error) not in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"):
                    raise
        for snapshot_id in sorted(snapshot_ids):
            if self._snapshot_arn(snapshot_id) in keep:
                continue
            try:
                ec2.delete_snapshot(SnapshotId=snapshot_id)
            except ClientError as error:
                if _code(error) not in ("InvalidSnapshot.NotFound", "InvalidSnapshot.InUse"):
                    raise

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Lets `account` copy the AMI: a launch permission on the AMI, and createVolumePermission on each of its
        EBS snapshots (CopyImage of a shared AMI reads them). Adding an account twice changes nothing."""
        ec2 = self._ec2()
        ec2.modify_image_attribute(ImageId=native_id, LaunchPermission={"Add": [{"UserId": account}]})
        for snapshot_id in sorted(self._part_ids(native_id, self._image(native_id))):
            share_snapshot(ec2, snapshot_id, account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """CopyImage into this Region and account: a new AMI whose snapshots are encrypted with `kms_key_arn`, named
        after the copy job (AMI names are unique, so a retried copy finds the AMI it made) and tagged with its id,
        the AMI and its snapshots alike, by the call itself. EC2 copies across Regions, and copies an AMI another
        account shared (launch permission and snapshot permissions), in one call."""
        name = image_name(copy_job_id)
        copy_tags = _tag_list({**native_tags(tags), JOB_TAG: copy_job_id})
        try:
            image_id = self._ec2().copy_image(
                SourceImageId=source.native_id,
                SourceRegion=source.region,
                Name=name,
                Description=f"Strongroom copy job {copy_job_id} of {source.native_id}"[:255],
                Encrypted=True,
                KmsKeyId=kms_key_arn,
                CopyImageTags=False,
                ClientToken=copy_job_id[:64],
                TagSpecifications=[
                    {"ResourceType": "image", "Tags": copy_tags},
                    {"ResourceType": "snapshot", "Tags": copy_tags},
                ],
            )["ImageId"]
        except ClientError as error:
            if _code(error) in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable", "InvalidAMIID.Malformed"):
                raise InvalidRequestException(
                    f"AMI {source.native_id} in {source.region} cannot be read from account {self._account}: it is "
                    "gone, or it is not shared with this account"
                ) from None
            if _code(error) != "InvalidAMIName.Duplicate":
                raise
            images = self._ec2().describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])
            if not images["Images"]:
                raise
            image_id = images["Images"][0]["ImageId"]  # made by an earlier attempt of this copy job
        return self._backup(image_id)

    def move_to_cold(self, native_id: str) -> bool:
        """AMIs have no cold tier: the setting is ignored, as AWS Backup ignores it. (Archiving an AMI's
        snapshots would leave an AMI that launches nothing until they are restored.)"""
        return False

    # restore

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        """The source instance's launch settings, read when the backup completes (AWS Backup's keys): those its
        description just read (`source.details`), else the instance's, described now."""
        metadata = {"WindowsVSS": WINDOWS_VSS}
        if source is not None and source.details.get("InstanceType"):
            return {**metadata, **source.details}
        if source is not None:
            instance_id: str | None = parse_arn(source.arn).resource_id
        else:
            image = self._seen_images.get(native_id) or self._image(native_id)
            instance_id = (image or {}).get("SourceInstanceId")
        instance = self._instance(instance_id) if instance_id else None
        if instance is None:
            return metadata  # the instance is gone: InstanceType and the network must come with the restore
        return {**metadata, **_launch_settings(instance)}

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        instance_type = metadata_value(metadata, "InstanceType")
        if not instance_type:
            raise InvalidParameterValueException("Restore metadata for EC2 is missing: InstanceType")
        if not _INSTANCE_TYPE.match(instance_type):
            raise InvalidParameterValueException(
                f"Restore metadata InstanceType must be an instance type such as t3.micro, got {instance_type!r}"
            )
        for key in _BOOLEAN_KEYS:
            flag(metadata, key)
        monitoring = metadata_value(metadata, "Monitoring")
        if monitoring and monitoring.lower() not in ("enabled", "disabled"):
            raise InvalidParameterValueException(
                f"Restore metadata Monitoring must be enabled or disabled, got {monitoring!r}"
            )
        shutdown = metadata_value(metadata, "InstanceInitiatedShutdownBehavior")
        if shutdown and shutdown not in ("stop", "terminate"):
            raise InvalidParameterValueException(
                f"Restore metadata InstanceInitiatedShutdownBehavior must be stop or terminate, got {shutdown!r}"
            )
        _placement(metadata)
        subnet_vpc = self._subnet_vpc(metadata_value(metadata, "SubnetId"))
        groups = json_list(metadata, "SecurityGroupIds") or []
        if groups:
            self._check_groups(groups, subnet_vpc)
        profile = metadata_value(metadata, "IamInstanceProfileName")
        if profile:
            self._check_instance_profile(profile)

    def _check_instance_profile(self, name: str) -> None:
        """An instance profile gives the new instance its role's permissions: only a role the user marked for
        restores (created under RESTORE_ROLE_PATH) may be given, or any caller of StartRestoreJob could launch an
        instance with any role of the account."""
        how = (
            f"create the role under the path {RESTORE_ROLE_PATH} (aws iam create-role --path {RESTORE_ROLE_PATH} "
            '...), or restore without it (Metadata IamInstanceProfileName="")'
        )
        if self._iam is None:
            raise InvalidParameterValueException(
                f"Restore metadata IamInstanceProfileName {name}: instance profiles cannot be checked here; {how}"
            )
        try:
            roles = self._iam().get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
        except ClientError as error:
            if _code(error) == "NoSuchEntity":
                raise InvalidParameterValueException(
                    f"Restore metadata IamInstanceProfileName {name} does not exist"
                ) from None
            raise
        unmarked = sorted(
            str(role["Arn"]) for role in roles if not str(role.get("Path", "/")).startswith(RESTORE_ROLE_PATH)
        )
        if unmarked:
            raise InvalidParameterValueException(
                f"Restore metadata IamInstanceProfileName {name} carries roles not marked for restores "
                f"({', '.join(unmarked)}): {how}"
            )

    def _subnet_vpc(self, subnet_id: str | None) -> str | None:
        if not subnet_id:
            return None
        try:
            subnets = self._ec2().describe_subnets(SubnetIds=[subnet_id])["Subnets"]
        except ClientError as error:
            if _code(error) in ("InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed"):
                raise InvalidParameterValueException(f"Restore metadata SubnetId {subnet_id} does not exist") from None
            raise
        return str(subnets[0]["VpcId"])

    def _check_groups(self, group_ids: list[str], subnet_vpc: str | None) -> None:
        try:
            groups = self._ec2().describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
        except ClientError as error:
            if _code(error) in ("InvalidGroup.NotFound", "InvalidGroupId.Malformed", "InvalidGroupId.NotFound"):
                raise InvalidParameterValueException(
                    f"Restore metadata SecurityGroupIds names a security group that does not exist: {group_ids}"
                ) from None
            raise
        if subnet_vpc is not None:
            foreign = sorted(group["GroupId"] for group in groups if group.get("VpcId") != subnet_vpc)
            if foreign:
                raise InvalidParameterValueException(
                    f"Security groups {foreign} are not in the VPC {subnet_vpc} of the restore's SubnetId: "
                    "override SecurityGroupIds along with SubnetId"
                )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        reservations = self._ec2().describe_instances(
            Filters=[
                {"Name": f"tag:{RESTORE_TAG}", "Values": [restore_job_id]},
                {"Name": "instance-state-name", "Values": list(LIVE_STATES)},
            ]
        )["Reservations"]
        instances = [instance for reservation in reservations for instance in reservation["Instances"]]
        if not instances:
            return None
        instance_id = instances[0]["InstanceId"]
        return NativeRestore(instance_id, self._instance_arn(instance_id))

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        self.check_restore(native_id, metadata)
        request: dict[str, Any] = {
            "ImageId": native_id,
            "MinCount": 1,
            "MaxCount": 1,
            "InstanceType": metadata_value(metadata, "InstanceType"),
            "ClientToken": restore_job_id[:64],  # EC2's own idempotency, should the start be retried
            "TagSpecifications": [{"ResourceType": "instance", "Tags": _tag_list({RESTORE_TAG: restore_job_id})}],
        }
        subnet_id = metadata_value(metadata, "SubnetId")
        if subnet_id:
            request["SubnetId"] = subnet_id
        groups = json_list(metadata, "SecurityGroupIds")
        if groups:
            request["SecurityGroupIds"] = groups
        placement = _placement(metadata) or {}
        if subnet_id:
            placement.pop("AvailabilityZone", None)  # the subnet decides the zone; both may disagree after an override
        if placement:
            request["Placement"] = placement
        for key in ("KeyName", "InstanceInitiatedShutdownBehavior"):
            value = metadata_value(metadata, key)
            if value:
                request[key] = value
        profile = metadata_value(metadata, "IamInstanceProfileName")
        if profile:
            request["IamInstanceProfile"] = {"Name": profile}
        for key in ("EbsOptimized", "DisableApiTermination"):
            value_flag = flag(metadata, key)
            if value_flag is not None:
                request[key] = value_flag
        monitoring = metadata_value(metadata, "Monitoring")
        if monitoring:
            request["Monitoring"] = {"Enabled": monitoring.lower() == "enabled"}
        if flag(metadata, "RequireIMDSv2"):
            request["MetadataOptions"] = {"HttpTokens": "required", "HttpEndpoint": "enabled"}
        instance = self._ec2().run_instances(**request)["Instances"][0]
        return NativeRestore(instance["InstanceId"], self._instance_arn(instance["InstanceId"]))

    def restore_status(self, restore: NativeRestore) -> Progress:
        instance = self._instance(restore.native_id)
        if instance is None:
            return Progress(Phase.FAILED, message=f"Instance {restore.native_id} disappeared during the restore")
        state = instance["State"]["Name"]
        if state == "running":
            volumes = self._volumes([restore.native_id])[restore.native_id]
            return Progress(Phase.COMPLETED, "100.0", sum(int(v.get("Size", 0)) for v in volumes) * GIB)
        if state == "pending":
            return Progress(Phase.RUNNING, "50.0")
        reason = (instance.get("StateReason") or {}).get("Message")
        return Progress(
            Phase.FAILED, message=f"Instance {restore.native_id} is {state}" + (f": {reason}" if reason else "")
        )
