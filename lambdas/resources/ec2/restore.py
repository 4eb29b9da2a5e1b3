"""EC2 restores: an instance launched from the AMI with the settings the restore metadata records (AWS Backup's
keys), checked before any job exists; Ec2Adapter (adapter.py) takes these methods from Ec2Restores."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.base import RESTORE_TAG, NativeRestore, Phase, Progress, ResourceInfo, RunMemo, memo_in
from lambdas.resources.ec2.iam import RESTORE_ROLE_PATH
from lambdas.resources.restore_metadata import flag, json_list, json_value, metadata_value
from lambdas.resources.snapshot_engine import error_code, tag_list

GIB = 1024**3
SEEN_IMAGES = "images"  # backup_statuses' AMIs by id, in the run's memo, for restore_metadata
LIVE_STATES = ("pending", "running", "stopping", "stopped")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
_BOOLEAN_KEYS = ("EbsOptimized", "RequireIMDSv2", "DisableApiTermination")
_PLACEMENT_KEYS = frozenset({"AvailabilityZone", "Tenancy", "GroupName"})
# AWS Backup's default for EC2: the instance keeps running while its AMI is made (no reboot, so no
# file-system freeze); Windows VSS is off unless the plan's AdvancedBackupSettings turn it on.
WINDOWS_VSS = "disabled"


def _placement(metadata: dict[str, str]) -> dict[str, str] | None:
    value: dict[str, str] | None = json_value(
        metadata,
        "Placement",
        lambda value: (
            isinstance(value, dict)
            and set(value) <= _PLACEMENT_KEYS
            and all(isinstance(item, str) for item in value.values())
        ),
        f"a JSON object of {', '.join(sorted(_PLACEMENT_KEYS))}",
    )
    return None if value is None else {key: item for key, item in value.items() if item}


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


class Ec2Restores:
    """The restore half of the EC2 adapter."""

    # Provided by Ec2Adapter, which takes these methods (declared here for the type checker).
    _ec2: Callable[[], Any]
    _iam: Callable[[], Any] | None

    def _image(self, image_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _instance(self, instance_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _instance_arn(self, instance_id: str) -> str:
        raise NotImplementedError

    def _volumes(self, instance_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        raise NotImplementedError

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        """The source instance's launch settings, read when the backup completes (AWS Backup's keys): those its
        description just read (`source.details`), else the instance's, described now (its AMI as the run's status
        call saw it, in `memo`)."""
        metadata = {"WindowsVSS": WINDOWS_VSS}
        if source is not None and source.details.get("InstanceType"):
            return {**metadata, **source.details}
        if source is not None:
            instance_id: str | None = parse_arn(source.arn).resource_id
        else:
            image = memo_in(memo, self, SEEN_IMAGES).take(native_id) or self._image(native_id)
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
            if error_code(error) == "NoSuchEntity":
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
            if error_code(error) in ("InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed"):
                raise InvalidParameterValueException(f"Restore metadata SubnetId {subnet_id} does not exist") from None
            raise
        return str(subnets[0]["VpcId"])

    def _check_groups(self, group_ids: list[str], subnet_vpc: str | None) -> None:
        try:
            groups = self._ec2().describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
        except ClientError as error:
            if error_code(error) in ("InvalidGroup.NotFound", "InvalidGroupId.Malformed", "InvalidGroupId.NotFound"):
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
            "TagSpecifications": [{"ResourceType": "instance", "Tags": tag_list({RESTORE_TAG: restore_job_id})}],
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
