"""moto gaps met by EC2 at scale, patched in moto's EC2 backend (local runtime only): costs, never answers.

- Tags: every EC2 resource reads its own tags through DescribeTags with a resource-id filter, which scans every
  tag of every resource in the Region and matches each against a regular expression. That happens once per
  resource described (its TagSet) and once per resource per tag filter, so DescribeSnapshots with a tag
  filter over 1,400 snapshots made 1,400 scans of every tag in the Region: at 2,000 resources in the scale
  benchmark that was 32% of the whole run, and it grew with the square of the resources. A filter that is
  exactly one resource id without wildcards is now answered from that resource's own tags (the same list, in
  the same order), and so is a tag filter ("tag:Name") on a resource (the value of that key, or None).
- DescribeVolumes and DescribeSnapshots by ids compare every volume or snapshot of the Region with the list of
  ids: one id is now looked up directly, several through a set. Same order (the Region's), same filters, and
  the same errors (an unknown or repeated id goes the original way, which raises).
- DescribeImages by one AMI id copies and scans every AMI of the Region: the id is now looked up directly (the
  original way when it is unknown, malformed or deleted, which raises or answers as before).
- Filters (generic_filter): a string attribute is compared with each filter value through fnmatch, so the tag
  filter EBS's duplicate sweep asks with (a page of 100 job ids) cost 100 fnmatch calls per snapshot per call.
  Values without wildcards are now compared in a set; any value with `*`, `?` or `[` keeps fnmatch.

- CreateImage (an answer, not a cost): moto's AMI holds one made-up 15 GiB snapshot whatever the instance has, so
  an EC2 restore came back with a made-up root disk and without the data volume. As EC2 does, the image now
  snapshots each volume attached to the instance and maps it at its device, and RunInstances from such an image
  (without BlockDeviceMappings of its own) gets a volume from each of those snapshots.

With local/dynamodb_gaps.py, the scale benchmark (one rule over N resources, 2 cores) records every recovery
point of 1,000 resources in 19 s instead of 36 s, and of 10,000 in 196 s (it did not finish in 15 minutes).

PATCHES is applied with the local runtime's other sets (local/patch_sets.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet

WILDCARDS = frozenset("*?[")


def _literal(value: Any) -> bool:
    return isinstance(value, str) and not WILDCARDS.intersection(value)


def _describe_tags(original: Callable[..., list[dict[str, str]]]) -> Callable[..., list[dict[str, str]]]:
    def describe_tags(self: Any, filters: dict[str, list[str]] | None = None) -> list[dict[str, str]]:
        from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

        if filters is not None and len(filters) == 1:
            wanted = filters.get("resource-id")
            if isinstance(wanted, list) and len(wanted) == 1 and _literal(wanted[0]):
                resource_id = wanted[0]
                tags = self.tags.get(resource_id)  # .get: the tags are a defaultdict, a read must not add to it
                if not tags:
                    return []
                resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
                return [
                    {"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type}
                    for key, value in list(tags.items())
                ]
        return original(self, filters)

    return describe_tags


def _get_filter_value(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
        # A tag filter ("tag:Name") reads the resource's own tags: the value of that key, or None.
        resource_id = getattr(self, "id", None)
        if filter_name.startswith("tag:") and resource_id and _literal(resource_id):
            tags = self.ec2_backend.tags.get(resource_id)
            return tags.get(filter_name[4:]) if tags else None
        return original(self, filter_name, method_name)

    return get_filter_value


def _by_ids(store: dict[str, Any], ids: list[str]) -> list[Any] | None:
    """The objects of `store` whose id is in `ids`, in the store's order, or None when the original would raise
    (an id unknown or asked twice) or when the store is not keyed by id."""
    if len(ids) == 1:
        found = store.get(ids[0]) if isinstance(ids[0], str) else None
        return [found] if found is not None and found.id == ids[0] else None
    wanted = set(ids)
    matches = [each for each in list(store.values()) if each.id in wanted]
    return matches if len(matches) >= len(ids) else None


def _generic_filter(module: Any) -> Callable[[dict[str, Any], list[Any]], list[Any]]:
    """The module's generic_filter as it is now (patched by _filters, or moto's own)."""
    return module.generic_filter


def _describe_volumes(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    def describe_volumes(self: Any, volume_ids: list[str] | None = None, filters: Any = None) -> list[Any]:
        from moto.ec2.models import elastic_block_store

        matches = _by_ids(self.volumes, volume_ids) if volume_ids else None
        if matches is None:
            return original(self, volume_ids, filters)
        return _generic_filter(elastic_block_store)(filters, matches) if filters else matches

    return describe_volumes


def _describe_snapshots(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    def describe_snapshots(self: Any, snapshot_ids: list[str] | None = None, filters: Any = None) -> list[Any]:
        from moto.ec2.models import elastic_block_store

        matches = _by_ids(self.snapshots, snapshot_ids) if snapshot_ids else None
        if matches is None:
            return original(self, snapshot_ids, filters)
        return _generic_filter(elastic_block_store)(filters, matches) if filters else matches

    return describe_snapshots


def _describe_images(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    def describe_images(
        self: Any,
        ami_ids: list[str] | None = None,
        filters: dict[str, Any] | None = None,
        exec_users: list[str] | None = None,
        owners: list[str] | None = None,
    ) -> list[Any]:
        # With ids, moto answers the images of those ids and applies nothing else (owners, users, filters).
        if ami_ids and len(ami_ids) == 1 and isinstance(ami_ids[0], str) and ami_ids[0].startswith("ami-"):
            found = self.amis.get(ami_ids[0])
            if found is not None and found.id == ami_ids[0]:
                return [found]
        return original(self, ami_ids, filters, exec_users, owners)

    return describe_images


def _literal_filter(original: Callable[..., Any]) -> Callable[[dict[str, Any], list[Any]], list[Any]]:
    """moto's generic_filter, with each filter's literal values gathered once into a set; `original` is moto's
    is_filter_matching, which the rest is left to."""

    def generic_filter(filters: dict[str, Any], objects: list[Any]) -> list[Any]:
        if filters:
            for name, value in filters.items():
                literal = (
                    frozenset(value)
                    if isinstance(value, list) and value and all(_literal(each) for each in value)
                    else None
                )
                objects = [each for each in objects if _matches(each, name, value, literal)]
        return objects

    def _matches(obj: Any, name: str, value: Any, literal: frozenset[str] | None) -> bool:
        if literal is not None:
            found = obj.get_filter_value(name)
            if type(found) is str:  # a str subclass, or any other type, is left to moto's own rules
                return found in literal
            if found is None:
                return False  # moto: `None in values`, and the values are strings
        return bool(original(obj, name, value))

    return generic_filter


def _generic_filter_bindings() -> list[Patch]:
    """generic_filter is imported by name into each EC2 model module: every binding of it, patched alike."""
    import sys

    import moto.ec2.models  # noqa: F401 - every model module imports generic_filter before it is patched
    from moto.ec2 import utils

    moto_filter = utils.generic_filter
    literal_filter = _literal_filter(utils.is_filter_matching)
    bound = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("moto.ec2") and getattr(module, "generic_filter", None) is moto_filter
    ]
    return [Patch.replace(module, "generic_filter", literal_filter, why=_COST) for module in bound]


def _create_image(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_image(self: Any, instance_id: str, *args: Any, **kwargs: Any) -> Any:
        ami = original(self, instance_id, *args, **kwargs)
        instance = self.get_instance(instance_id)
        mappings = []
        for device_name, device in instance.get_block_device_mapping:
            volume = self.get_volume(device.volume_id)
            snapshot = self.create_snapshot(
                volume.id, f"Created by CreateImage({instance_id}) for {ami.id}", ami.owner_id, from_ami=ami.id
            )
            ebs = {
                "SnapshotId": snapshot.id,
                "VolumeSize": volume.size,
                "VolumeType": volume.volume_type,
                "DeleteOnTermination": bool(device.delete_on_termination),
                "Encrypted": bool(volume.encrypted),
            }
            mappings.append({"DeviceName": device_name, "Ebs": ebs})
        if mappings:
            setattr(ami, "captured_mappings", mappings)  # noqa: B010 - an attribute moto has not
            ami.root_device_name = instance.root_device_name
            ami.root_device_type = "ebs"
        return ami

    return create_image


def _block_device_mappings(original: property) -> property:
    moto_mappings = original.fget
    assert moto_mappings is not None, "moto's Ami.block_device_mappings is a property with a getter"

    def block_device_mappings(self: Any) -> list[dict[str, Any]]:
        captured = getattr(self, "captured_mappings", None)
        return [dict(m, Ebs=dict(m["Ebs"])) for m in captured] if captured else moto_mappings(self)

    return property(block_device_mappings)


def _run_instances(original: Callable[..., Any]) -> Callable[..., Any]:
    def run_instances(self: Any, image_id: str, *args: Any, **kwargs: Any) -> Any:
        ami = self.amis.get(image_id)
        captured = getattr(ami, "captured_mappings", None) if ami is not None else None
        if captured and "block_device_mappings" not in kwargs and not kwargs.get("launch_template"):
            kwargs["block_device_mappings"] = [dict(m, Ebs=dict(m["Ebs"])) for m in captured]
        return original(self, image_id, *args, **kwargs)

    return run_instances


_COST = (
    "a cost, not an answer: the same resources, tags and errors as without it (EC2 API Reference, Describe* filters)"
)
_EBS = "moto.ec2.models.elastic_block_store:EBSBackend"
_IMAGE = (
    "an AMI holds a snapshot of each volume attached to the instance, mapped at its device, and an instance run from "
    "it gets a volume from each (EC2 API Reference, CreateImage and RunInstances; Amazon EC2 User Guide, "
    "Block device mappings)"
)
PATCHES = PatchSet(
    "EC2 at scale, and images of every volume",
    [
        Patch.wrap("moto.ec2.models.tags:TagBackend", "describe_tags", _describe_tags, why=_COST),
        Patch.wrap("moto.ec2.models.core:TaggedEC2Resource", "get_filter_value", _get_filter_value, why=_COST),
        Patch.wrap(_EBS, "describe_volumes", _describe_volumes, why=_COST),
        Patch.wrap(_EBS, "describe_snapshots", _describe_snapshots, why=_COST),
        Patch.wrap("moto.ec2.models.amis:AmiBackend", "describe_images", _describe_images, why=_COST),
        _generic_filter_bindings,
        Patch.wrap("moto.ec2.models:EC2Backend", "create_image", _create_image, why=_IMAGE),
        Patch.wrap("moto.ec2.models:EC2Backend", "run_instances", _run_instances, why=_IMAGE),
        Patch.wrap("moto.ec2.models.amis:Ami", "block_device_mappings", _block_device_mappings, why=_IMAGE),
    ],
)
