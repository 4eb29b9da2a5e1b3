"""moto gaps met by copies to other Regions and accounts, patched in moto's backends (local runtime and tests
only). Each looks where AWS would look, and only at what AWS would let the caller read; the rest is moto's.

- EBS: in AWS, account B copies a snapshot that account A shared with it (createVolumePermission) by naming
  A's snapshot id and Region. moto's copy_snapshot looks the source up in the caller's own account only, so
  the shared snapshot is "not found": this looks in the other accounts too, for a snapshot shared with the
  caller.
- RDS: CopyDBSnapshot and CopyDBClusterSnapshot name a source in another account by its ARN. moto looks an
  ARN up in the ARN's Region but in the caller's own account (it finds a cross-Region source, never a
  cross-account one, and may find a same-named snapshot of the caller instead): an ARN is looked up in the
  account it names, and another account's snapshot only if shared with the caller (its "restore" attribute
  lists the caller's account, or "all").
- AMIs: moto's CopyImage looks in the caller's account only, and drops Encrypted, KmsKeyId and
  TagSpecifications. An AMI of another account is found when it grants the caller a launch permission; the
  copy's snapshot is encrypted (Encrypted) with the given key (KmsKeyId), the tag
  specifications land on the AMI and on its snapshot, and that snapshot is described as EC2 describes the
  snapshots CopyImage makes ("Copied for DestinationAmi ami-... from SourceAmi ami-...").
  Not emulated: the copy's snapshot stays moto's 15 GiB placeholder (one per AMI, as for CreateImage).

Not emulated either: RDS refuses to encrypt an unencrypted cluster snapshot in a copy (KmsKeyId on such a
CopyDBClusterSnapshot is an error), where moto encrypts it; and no copy takes any time (all complete at once).
FSx's CopyBackup, which moto lacks entirely, is in local/fakes/fsx/ with the rest of FSx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet


def _shared_with(account: str, snapshot_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    for owner, regions in ec2_backends.items():
        if owner == account or region not in regions:
            continue
        found = regions[region].snapshots.get(snapshot_id)
        if found is not None and account in found.create_volume_permission_userids:
            return found
    return None


def _copy_snapshot(original: Callable[..., Any]) -> Callable[..., Any]:
    def copy_snapshot(
        self: Any, source_snapshot_id: str, source_region: str, description: str, kms_key_id: str | None
    ) -> Any:
        from moto.ec2.exceptions import InvalidSnapshotIdError
        from moto.ec2.models.elastic_block_store import Snapshot
        from moto.ec2.utils import random_snapshot_id

        try:
            return original(self, source_snapshot_id, source_region, description, kms_key_id)
        except InvalidSnapshotIdError:
            source = _shared_with(self.account_id, source_snapshot_id, source_region)
            if source is None:
                raise
        snapshot_id = random_snapshot_id()
        snapshot = Snapshot(
            self, snapshot_id, volume=source.volume, description=description, encrypted=True, kms_key_id=kms_key_id
        )
        self.snapshots[snapshot_id] = snapshot
        return snapshot

    return copy_snapshot


def _get_snapshot(original: Callable[..., Any]) -> Callable[..., Any]:
    """What copy_db_snapshot and copy_db_cluster_snapshot look their sources up with."""

    def get_snapshot(self: Any, identifier: str, resource_type: Any, not_found_exception: Any) -> Any:
        from moto.rds.models import rds_backends
        from moto.rds.utils import split_arn

        if identifier.startswith("arn:"):
            region, account, _, name = split_arn(identifier)
            if account != self.account_id:
                found = rds_backends[account][region].resource_map[resource_type].get(name)
                if found is None or not {self.account_id, "all"} & set(found.attributes["restore"]):
                    raise not_found_exception(identifier)
                return found
        return original(self, identifier, resource_type, not_found_exception)

    return get_snapshot


def _launchable_by(account: str, image_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    for owner, regions in ec2_backends.items():
        if owner == account or region not in regions:
            continue
        found = regions[region].amis.get(image_id)
        if found is not None and (found.is_public or {"UserId": account} in found.launch_permissions):
            return found
    return None


def _copy_image(original: Callable[..., Any]) -> Callable[..., Any]:
    def copy_image(
        self: Any, source_image_id: str, source_region: str, name: str | None = None, description: str | None = None
    ) -> Any:
        from moto.ec2.exceptions import InvalidAMIIdError
        from moto.ec2.models.amis import Ami
        from moto.ec2.utils import random_ami_id

        try:
            return original(self, source_image_id, source_region, name, description)
        except InvalidAMIIdError:
            source = _launchable_by(self.account_id, source_image_id, source_region)
            if source is None:
                raise
        image = Ami(self, random_ami_id(), instance=None, source_ami=source, name=name, description=description)
        self.amis[image.id] = image
        return image

    return copy_image


def copy_image_response(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidTaggableResourceType
    from moto.ec2.models import ec2_backends

    source_image_id = self._get_param("SourceImageId")
    source_region = self._get_param("SourceRegion")
    self.error_on_dryrun()
    image = self.ec2_backend.copy_image(
        source_image_id, source_region, self._get_param("Name"), self._get_param("Description")
    )
    snapshot = image.ebs_snapshot
    source_snapshot = next(
        (
            regions[source_region].amis[source_image_id].ebs_snapshot.id
            for regions in ec2_backends.values()
            if source_region in regions and source_image_id in regions[source_region].amis
        ),
        "",
    )
    snapshot.description = (
        f"Copied for DestinationAmi {image.id} from SourceAmi {source_image_id} for SourceSnapshot "
        f"{source_snapshot}. Task created on {image.creation_date:%Y-%m-%d}."
    )
    if str(self._get_param("Encrypted")).lower() == "true":
        snapshot.encrypted = True
        snapshot.kms_key_id = self._get_param("KmsKeyId") or snapshot.kms_key_id
    for specification in self._get_param("TagSpecifications", []):
        kind = specification.get("ResourceType")
        if kind not in ("image", "snapshot"):
            raise InvalidTaggableResourceType(kind)
        for tag in specification.get("Tags", []):
            (image if kind == "image" else snapshot).add_tag(tag["Key"], tag["Value"])
    return ActionResult({"ImageId": image.id})


PATCHES = PatchSet(
    "copies to other Regions and accounts",
    [
        Patch.wrap(
            "moto.ec2.models.elastic_block_store:EBSBackend",
            "copy_snapshot",
            _copy_snapshot,
            why="a snapshot shared through createVolumePermission is copied by the account it is shared with "
            "(Amazon EBS User Guide, Share an Amazon EBS snapshot; EC2 API Reference, CopySnapshot)",
        ),
        Patch.wrap(
            "moto.rds.models:RDSBackend",
            "get_snapshot",
            _get_snapshot,
            why="a source named by ARN is looked up in the account it names, if shared with the caller (Amazon RDS "
            "API Reference, CopyDBSnapshot and CopyDBClusterSnapshot; RDS User Guide, Sharing a DB snapshot)",
        ),
        Patch.wrap(
            "moto.ec2.models.amis:AmiBackend",
            "copy_image",
            _copy_image,
            why="an AMI that grants the caller a launch permission can be copied by it (EC2 API Reference, "
            "CopyImage; Amazon EC2 User Guide, Copy an AMI)",
        ),
        Patch.replace(
            "moto.ec2.responses.amis:AmisResponse",
            "copy_image",
            copy_image_response,
            why="CopyImage's Encrypted, KmsKeyId and TagSpecifications apply to the copy and its snapshot (EC2 API "
            "Reference, CopyImage)",
        ),
    ],
)
