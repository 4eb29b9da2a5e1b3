"""Restore testing's check of EBS volumes. Recorded when the backup completes: the volume's size, type and
encryption. Compared after the restore: the restored volume available (or in use) with each of those. EBS keeps
no block data in the emulator and Strongroom attaches nothing to read one: the check is the volume's shape, not
its bytes (docs/restore-testing.md). Deleted after the window: the volume, if it carries the restore's tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdas.domain.arns import parse_arn
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import settings_verdict, unavailable
from lambdas.resources.ebs.volumes_check import delete_restored_volume, find_volume, volume_settings


class EbsValidation:
    resource_type = "EBS"

    def __init__(self, ec2: Callable[[], Any]) -> None:
        self._ec2 = ec2

    def record(self, resource_arn: str) -> dict[str, str]:
        volume = find_volume(self._ec2, parse_arn(resource_arn).resource_id)
        return volume_settings(volume) if volume else {}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        return dict(metadata)  # a restore makes a new volume with its own id: nothing can collide

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        volume_id = parse_arn(restored_arn).resource_id
        volume = find_volume(self._ec2, volume_id)
        state = volume.get("State") if volume else None
        if volume is None or state not in ("available", "in-use"):
            return unavailable("EBS volume", volume_id, state)
        return settings_verdict(f"EBS volume {volume_id}", recorded, volume_settings(volume))

    def delete(self, restored_arn: str) -> bool:
        return delete_restored_volume(self._ec2, parse_arn(restored_arn).resource_id)


def build(client: Callable[[str], Callable[[], Any]]) -> EbsValidation:
    return EbsValidation(client("ec2"))
