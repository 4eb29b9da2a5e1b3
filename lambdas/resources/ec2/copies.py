"""EC2 copies: an AMI shared with another account (launch permission, and its snapshots' volume permission) and
copied into a Region by CopyImage; Ec2Adapter (adapter.py) takes these methods from Ec2Copies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.errors import InvalidRequestException
from lambdas.resources.base import JOB_TAG, CopySource, NativeBackup
from lambdas.resources.ebs_snapshots import share_snapshot
from lambdas.resources.snapshot_engine import error_code, native_tags, tag_list

_AMI_NAME_CHARS = re.compile(r"[^A-Za-z0-9()\[\] ./\-'@_]")


def image_name(job_id: str) -> str:
    """The AMI's name carries the job id: a retried start finds the AMI it already made (names are unique)."""
    return f"strongroom-{_AMI_NAME_CHARS.sub('-', job_id)}"[:128]


class Ec2Copies:
    """The copy half of the EC2 adapter."""

    # Provided by Ec2Adapter, which takes these methods (declared here for the type checker).
    _ec2: Callable[[], Any]
    _account: str

    def _image(self, image_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _backup(self, image_id: str) -> NativeBackup:
        raise NotImplementedError

    def _part_ids(self, native_id: str, image: dict[str, Any] | None) -> set[str]:
        raise NotImplementedError

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
        copy_tags = tag_list({**native_tags(tags), JOB_TAG: copy_job_id})
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
            if error_code(error) in ("InvalidAMIID.NotFound", "InvalidAMIID.Unavailable", "InvalidAMIID.Malformed"):
                raise InvalidRequestException(
                    f"AMI {source.native_id} in {source.region} cannot be read from account {self._account}: it is "
                    "gone, or it is not shared with this account"
                ) from None
            if error_code(error) != "InvalidAMIName.Duplicate":
                raise
            images = self._ec2().describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])
            if not images["Images"]:
                raise
            image_id = images["Images"][0]["ImageId"]  # made by an earlier attempt of this copy job
        return self._backup(image_id)
