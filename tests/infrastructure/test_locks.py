"""The stack's share of locks that hold outside the API (docs/locks.md): the deny policy the user attaches, in a
boundary and an SCP form, exempting only Strongroom's roles; the detective check's alarms; no Recycle Bin rule
unless asked for (a locked rule would hold `cdk destroy` up for a week)."""

from __future__ import annotations

import json
from typing import Any

from infrastructure import constants
from tests.infrastructure import reading


def _boundary(template: dict[str, Any]) -> dict[str, Any]:
    (policy,) = [
        p["Properties"]
        for p in reading.resources(template, "AWS::IAM::ManagedPolicy").values()
        if "permissions boundary" in p["Properties"].get("Description", "")
    ]
    return policy


def test_the_boundary_denies_deleting_strongroom_backups_to_everyone_but_strongroom(template: dict[str, Any]) -> None:
    statements = {s.get("Sid"): s for s in _boundary(template)["PolicyDocument"]["Statement"]}
    deletion = statements["StrongroomBackupsAreDeletedByStrongroomOnly"]
    # Then deleting an RDS, DynamoDB or FSx backup (and an EBS snapshot) that carries the job tag is denied...
    assert deletion["Effect"] == "Deny"
    for action in ("rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot", "dynamodb:DeleteBackup", "fsx:DeleteBackup"):
        assert action in deletion["Action"]
    assert deletion["Condition"]["Null"] == {"aws:ResourceTag/strongroom:backup-job-id": "false"}
    # ...to every principal but the Lifecycle and Api roles (which delete expired and deleted points)
    exempt = json.dumps(deletion["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
    for spec in (constants.LIFECYCLE, constants.API):
        assert reading.role_id(template, spec) in exempt
    # And lifting the locks is denied the same way
    assert "ec2:UnlockSnapshot" in statements["StrongroomLocksAreLiftedByStrongroomOnly"]["Action"]
    # While the boundary narrows nothing else
    assert statements["EverythingElse"] == {"Action": "*", "Effect": "Allow", "Resource": "*", "Sid": "EverythingElse"}


def test_the_scp_output_carries_the_same_denials(template: dict[str, Any]) -> None:
    (output,) = [o for key, o in template["Outputs"].items() if key.startswith("LocksSnapshotLockScp")]
    text = json.dumps(output["Value"])
    assert "StrongroomBackupsAreDeletedByStrongroomOnly" in text and "EverythingElse" not in text


def test_a_missing_native_backup_and_a_failed_lock_alarm_the_alerts_topic(template: dict[str, Any]) -> None:
    alarms = reading.resources(template, "AWS::CloudWatch::Alarm").values()
    by_metric = {a["Properties"].get("MetricName"): a["Properties"] for a in alarms}
    (topic_id,) = reading.resources(template, "AWS::SNS::Topic")
    for metric in ("NativeBackupsMissing", "NativeLockFailures"):
        alarm = by_metric[metric]
        assert alarm["Namespace"] == "Strongroom" and alarm["Threshold"] == 1
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_no_recycle_bin_rule_unless_asked_for(template: dict[str, Any]) -> None:
    assert reading.resources(template, "AWS::Rbin::Rule") == {}
