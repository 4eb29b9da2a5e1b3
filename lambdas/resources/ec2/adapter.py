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

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import ResourceNotFoundException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    JOB_TAG,
    SOURCE_TAG,
    NativeBackup,
    NativeLockState,
    OneTypeAdapter,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
    memo_in,
)
from lambdas.resources.ebs_snapshots import ebs_tags
from lambdas.resources.ec2 import images as amis
from lambdas.resources.ec2.copies import Ec2Copies, image_name
from lambdas.resources.ec2.restore import (
    GIB,
    LIVE_STATES,
    SEEN_IMAGES,
    Ec2Restores,
    _launch_settings,
)
from lambdas.resources.ec2.spec import EC2
from lambdas.resources.paging import filtered
from lambdas.resources.snapshot_engine import error_code, native_tags, tag_list, unless_gone
from lambdas.resources.snapshot_locks import earliest_lock, lock_snapshots, unlock_snapshots
from lambdas.resources.spec import AdapterContext

_MADE_FOR_IMAGE = re.compile(r" for (ami-[0-9a-f]+)")  # "Created by CreateImage(i-...) for ami-...[ from vol-...]"
_FILTER_VALUES = 200  # the most values one DescribeImages filter takes
_PAGE = 100  # instances per DescribeInstances when describing many: their volumes' filter takes twice as many ids


def _made_by_a_backup_service(tags: dict[str, str]) -> bool:
    """An AMI a Strongroom job (its job tag) or AWS Backup (aws:backup: tags) made."""
    return JOB_TAG in tags or any(key.startswith("aws:backup:") for key in tags)


class Ec2Adapter(Ec2Restores, Ec2Copies, OneTypeAdapter):
    def __init__(self, ec2: Callable[[], Any], region: str, account: str, iam: Callable[[], Any] | None = None) -> None:
        self._ec2 = ec2
        self._iam = iam  # reads instance profiles; without it no restore may name one
        super().__init__(EC2, region, account)

    def _instance_arn(self, instance_id: str) -> str:
        return self._arn_here("ec2", f"instance/{instance_id}")

    def _image_arn(self, image_id: str) -> str:
        return self._arn_here("ec2", f"image/{image_id}", account=False)

    # describe

    def _instance(self, instance_id: str) -> dict[str, Any] | None:
        reservations = unless_gone(
            lambda: self._ec2().describe_instances(InstanceIds=[instance_id])["Reservations"],
            ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"),
        )
        instances = [instance for reservation in reservations or [] for instance in reservation["Instances"]]
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
        tags = ebs_tags(instance.get("Tags"))
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

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
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
        images = unless_gone(
            lambda: self._ec2().describe_images(ImageIds=[image_id])["Images"],
            ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable"),
        )
        live = [image for image in images or [] if image.get("State") != "deregistered"]
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
                    if image["ImageId"] in seen or _made_by_a_backup_service(ebs_tags(image.get("Tags"))):
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

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
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
                TagSpecifications=[{"ResourceType": "image", "Tags": tag_list(image_tags)}],
            )["ImageId"]
        except ClientError as error:
            if error_code(error) in ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"):
                raise ResourceNotFoundException(f"EC2 instance {resource_arn} does not exist") from None
            if error_code(error) != "InvalidAMIName.Duplicate":
                raise
            # The name carries the job id: an earlier attempt made this AMI and crashed before recording it.
            images = self._ec2().describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])
            if not images["Images"]:
                raise
            image_id = images["Images"][0]["ImageId"]
        return self._backup(image_id)

    def backup_status(self, native_id: str) -> Progress:
        return self.backup_statuses([native_id])[native_id]

    def backup_statuses(self, native_ids: list[str], *, memo: RunMemo | None = None) -> dict[str, Progress]:
        """One DescribeImages and one DescribeSnapshots a page (filters on ids, not ImageIds and SnapshotIds: one
        id gone would fail the whole call); a completed AMI's snapshots that lack its tags get them. The AMIs are
        kept in `memo` for restore_metadata."""
        seen = memo_in(memo, self, SEEN_IMAGES)
        seen.forget()  # never an older batch's, if a call below fails
        images = self._images(native_ids)
        wanted = [
            i
            for image in images.values()
            if image.get("State") in ("pending", "available")
            for i in amis.snapshot_ids(image)
        ]
        snapshots = self._snapshots(wanted)
        seen.remember(lambda: images)
        return {native_id: self._progress(native_id, images.get(native_id), snapshots) for native_id in native_ids}

    def _progress(self, native_id: str, image: dict[str, Any] | None, snapshots: dict[str, dict[str, Any]]) -> Progress:
        if image is None:
            return Progress(Phase.FAILED, message=f"AMI {native_id} disappeared before it completed")
        state = image.get("State")
        if state == "available":
            untagged = amis.untagged(image, snapshots)
            if untagged:
                self._ec2().create_tags(Resources=untagged, Tags=tag_list(ebs_tags(image.get("Tags"))))
            return Progress(Phase.COMPLETED, "100.0", amis.image_size(image))
        if state == "pending":
            parts = [snapshots[i] for i in amis.snapshot_ids(image) if i in snapshots]
            return Progress(Phase.RUNNING, amis.percent(parts), amis.image_size(image) or None)
        reason = (image.get("StateReason") or {}).get("Message")
        return Progress(Phase.FAILED, message=reason or f"AMI {native_id} is {state}")

    def _images(self, image_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The registered AMIs of this account among those asked for, by id."""
        ids = sorted(set(image_ids))
        images = filtered(self._ec2(), "describe_images", "Images", "image-id", ids, _FILTER_VALUES, Owners=["self"])
        return {image["ImageId"]: image for image in images if image.get("State") != "deregistered"}

    def _snapshots(self, snapshot_ids: list[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(snapshot_ids))
        snapshots = filtered(
            self._ec2(), "describe_snapshots", "Snapshots", "snapshot-id", ids, _FILTER_VALUES, OwnerIds=["self"]
        )
        return {snapshot["SnapshotId"]: snapshot for snapshot in snapshots}

    def _snapshot_arn(self, snapshot_id: str) -> str:
        return self._arn_here("ec2", f"snapshot/{snapshot_id}", account=False)

    def _part_ids(self, native_id: str, image: dict[str, Any] | None) -> set[str]:
        """The AMI's snapshots: its block device mappings while it is registered, and those CreateImage or
        CopyImage made for it ("Created by CreateImage(i-...) for ami-...", "Copied for DestinationAmi ami-...
        from SourceAmi ..."), found even after an earlier attempt deregistered it."""
        snapshot_ids = set(amis.snapshot_ids(image)) if image else set()
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
                if error_code(error) not in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"):
                    raise
        for snapshot_id in sorted(snapshot_ids):
            if self._snapshot_arn(snapshot_id) in keep:
                continue
            try:
                ec2.delete_snapshot(SnapshotId=snapshot_id)
            except ClientError as error:
                if error_code(error) not in ("InvalidSnapshot.NotFound", "InvalidSnapshot.InUse"):
                    raise

    def move_to_cold(self, native_id: str) -> bool:
        """AMIs have no cold tier: the setting is ignored, as AWS Backup ignores it. (Archiving an AMI's
        snapshots would leave an AMI that launches nothing until they are restored.)"""
        return False


def build(ctx: AdapterContext) -> Ec2Adapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return Ec2Adapter(ctx.client("ec2"), ctx.region, ctx.account, iam=ctx.client("iam"))
