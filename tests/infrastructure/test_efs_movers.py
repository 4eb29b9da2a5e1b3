"""EFS movers in the stack: one Lambda function per file system the `efs_file_systems` context lists, named as
the engine invokes it, with the file system mounted through its access point, in the listed subnets and security
groups, with a role of its own; none without the context; malformed entries stop the synth, saying why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infrastructure import constants, names
from infrastructure.constructs.efs_movers import EfsMoverContextError, EfsMoverTarget, file_systems_from
from infrastructure.synth import build_app, stack_template, synthesize
from lambdas.resources.efs.mover import MOUNT_PATH, mover_function_name
from tests.infrastructure import reading

HOME = {
    "fileSystemId": "fs-0123456789abcdef0",
    "accessPointArn": "arn:aws:elasticfilesystem:eu-west-1:111111111111:access-point/fsap-0123456789abcdef0",
    "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "securityGroupIds": ["sg-0123456789abcdef0"],
}
SHARED = {
    "fileSystemId": "fs-0fedcba9876543210",
    "accessPointArn": "arn:aws:elasticfilesystem:eu-west-1:111111111111:access-point/fsap-0fedcba9876543210",
    "subnetIds": ["subnet-0fedcba9876543210"],
    "securityGroupIds": ["sg-0fedcba9876543210", "sg-0aaaaaaaaaaaaaaaa"],
}
FILE_SYSTEMS = [HOME, SHARED]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    # `-c efs_file_systems='[...]'` arrives as a JSON string
    outdir = tmp_path_factory.mktemp("cdk.out.efs")
    assembly = synthesize({names.EFS_FILE_SYSTEMS_CONTEXT: json.dumps(FILE_SYSTEMS)}, outdir=str(outdir))
    report = json.loads((Path(outdir) / "validation-report.json").read_text())
    return stack_template(assembly), report


@pytest.fixture(scope="module")
def with_movers(synthesized: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    return synthesized[0]


def movers(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The mover functions by file system id (their names end with it)."""
    return {
        props["FunctionName"].removeprefix(names.EFS_MOVER_FUNCTION_PREFIX): props
        for props in (r["Properties"] for r in reading.resources(template, "AWS::Lambda::Function").values())
        if props.get("Handler") == constants.EFS_MOVER.handler
    }


def own_statements(template: dict[str, Any], mover: dict[str, Any]) -> list[dict[str, Any]]:
    """The mover role's statements less its log group's and X-Ray's."""
    log_group_id = mover["LoggingConfig"]["LogGroup"]["Ref"]
    return [
        s
        for s in reading.statements_of_role(template, mover["Role"]["Fn::GetAtt"][0])
        if not reading.mentions(s["Resource"], log_group_id)
        and not all(a.startswith("xray:") for a in reading.as_list(s["Action"]))
    ]


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def test_without_the_context_no_mover_is_built(template: dict[str, Any]) -> None:
    # Given the stack synthesized from cdk.json alone (no file system listed)
    # Then there is no mover and no function mounts a file system or sits in a VPC
    assert movers(template) == {}
    functions = reading.resources(template, "AWS::Lambda::Function").values()
    assert not [f for f in functions if "FileSystemConfigs" in f["Properties"] or "VpcConfig" in f["Properties"]]


def test_one_mover_per_listed_file_system_named_as_the_engine_invokes_it(with_movers: dict[str, Any]) -> None:
    found = movers(with_movers)
    assert set(found) == {HOME["fileSystemId"], SHARED["fileSystemId"]}
    for file_system_id, mover in found.items():
        assert mover["FunctionName"] == mover_function_name(file_system_id)
        assert mover["Handler"] == constants.EFS_MOVER.handler == "lambdas.handlers.efs_mover.handler"


@pytest.mark.parametrize("entry", FILE_SYSTEMS, ids=lambda entry: entry["fileSystemId"])
def test_each_mover_mounts_its_file_system_through_its_access_point_in_its_subnets(
    with_movers: dict[str, Any], entry: dict[str, Any]
) -> None:
    mover = movers(with_movers)[entry["fileSystemId"]]
    # Then the access point is mounted where lambdas.resources.efs reads the files
    assert mover["FileSystemConfigs"] == [{"Arn": entry["accessPointArn"], "LocalMountPath": MOUNT_PATH}]
    assert MOUNT_PATH == "/mnt/efs"
    # And the function runs in the listed subnets with the listed security groups
    assert mover["VpcConfig"] == {"SubnetIds": entry["subnetIds"], "SecurityGroupIds": entry["securityGroupIds"]}


def test_movers_run_the_engines_code_layer_and_runtime_for_lambdas_whole_time_limit(
    with_movers: dict[str, Any],
) -> None:
    _, engine_function = reading.function(with_movers, constants.TRACK_JOBS)
    for mover in movers(with_movers).values():
        assert mover["Code"] == engine_function["Code"]
        assert mover["Layers"] == engine_function["Layers"]
        assert (mover["Runtime"], mover["Architectures"]) == (constants.LAMBDA_RUNTIME, ["arm64"])
        # LambdaMover's lease (15 minutes and one) assumes a mover may run Lambda's full 15 minutes
        assert mover["Timeout"] == constants.EFS_MOVER.timeout_seconds == 900
        assert mover["TracingConfig"] == {"Mode": "Active"}
        assert set(mover["Environment"]["Variables"]) == set(constants.EFS_MOVER.env_keys)


def test_each_mover_has_its_own_role_trusting_lambda_only(with_movers: dict[str, Any]) -> None:
    roles = [mover["Role"]["Fn::GetAtt"][0] for mover in movers(with_movers).values()]
    assert len(set(roles)) == len(FILE_SYSTEMS)
    engine_roles = {reading.role_id(with_movers, spec) for spec in constants.FUNCTIONS}
    assert not set(roles) & engine_roles
    for role_id in roles:
        properties = reading.resources(with_movers, "AWS::IAM::Role")[role_id]["Properties"]
        assert [s["Principal"] for s in properties["AssumeRolePolicyDocument"]["Statement"]] == [
            {"Service": "lambda.amazonaws.com"}
        ]
        assert "ManagedPolicyArns" not in properties


@pytest.mark.parametrize("entry", FILE_SYSTEMS, ids=lambda entry: entry["fileSystemId"])
def test_a_movers_role_may_mount_only_its_file_system_and_reach_only_the_vault_prefixes(
    with_movers: dict[str, Any], entry: dict[str, Any]
) -> None:
    statements = own_statements(with_movers, movers(with_movers)[entry["fileSystemId"]])
    sids = by_sid(statements)
    # Its file system, through its access point only
    mount = sids["MountFileSystemThroughAccessPoint"]
    assert set(reading.as_list(mount["Action"])) == {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}
    assert json.dumps(mount["Resource"]).endswith(f':file-system/{entry["fileSystemId"]}"]]}}')
    assert mount["Condition"] == {"StringEquals": {"elasticfilesystem:AccessPointArn": entry["accessPointArn"]}}
    # The vault bucket's recovery-points/ and restores/ prefixes, the bucket listed, the default key through S3
    (bucket_id,) = reading.resources(with_movers, "AWS::S3::Bucket")
    data = sids["ReadWriteVaultStorage"]
    assert set(reading.as_list(data["Action"])) == {"s3:GetObject", "s3:PutObject"}
    resources = json.dumps(data["Resource"])
    assert bucket_id in resources and '"/recovery-points/*"' in resources and '"/restores/*"' in resources
    key = sids["UseVaultKeyForVaultStorage"]
    assert set(reading.as_list(key["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert "kms:ViaService" in key["Condition"]["StringEquals"]
    # Network interfaces in its own subnets and security groups
    created = json.dumps(sids["CreateNetworkInterfacesInSubnets"]["Resource"])
    for subnet in entry["subnetIds"]:
        assert f":subnet/{subnet}" in created
    for group in entry["securityGroupIds"]:
        assert f":security-group/{group}" in created
    # And nothing else: no table, no other function, no other file system, no deletion
    granted = reading.actions(statements)
    assert granted == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:AbortMultipartUpload",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "ec2:DescribeNetworkInterfaces",
    }
    for statement in statements:
        if "*" in reading.as_list(statement["Resource"]):
            assert reading.as_list(statement["Action"]) == ["ec2:DescribeNetworkInterfaces"]


def test_movers_change_no_security_group(with_movers: dict[str, Any]) -> None:
    for kind in ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        assert reading.resources(with_movers, kind) == {}


def test_mover_errors_alarm_like_the_engines(with_movers: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in reading.resources(with_movers, "AWS::CloudWatch::Alarm").values()]
    functions = reading.resources(with_movers, "AWS::Lambda::Function")
    for file_system_id in movers(with_movers):
        (function_id,) = [
            logical_id
            for logical_id, f in functions.items()
            if f["Properties"].get("FunctionName") == mover_function_name(file_system_id)
        ]
        assert [a for a in alarms if a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]], (
            file_system_id
        )


def test_cdk_nag_passes_with_movers_and_every_acknowledgment_says_why(
    synthesized: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, report = synthesized
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert plugin["violations"] == []
    assert plugin["conclusion"] == "success"
    movers_findings = [
        f
        for f in plugin["suppressedViolations"]
        if any("/EfsMovers/" in c["constructPath"] for c in f["violatingConstructs"])
    ]
    assert {f["ruleName"].split("[")[0] for f in movers_findings} == {"AwsSolutions-IAM5", "AwsSolutions-L1"}
    for finding in movers_findings:
        assert len(finding.get("reason", "").strip()) >= 20, finding["ruleName"]


def test_the_local_runtime_and_the_stack_still_agree_on_the_engine_functions(with_movers: dict[str, Any]) -> None:
    # The movers are not FunctionSpecs of the engine: the local runtime runs the mover in process instead
    handlers = {
        props["Handler"]
        for props in (r["Properties"] for r in reading.resources(with_movers, "AWS::Lambda::Function").values())
        if props.get("Handler", "").startswith("lambdas.")
    }
    assert handlers == {spec.handler for spec in constants.FUNCTIONS} | {constants.EFS_MOVER.handler}
    assert constants.EFS_MOVER not in constants.FUNCTIONS


# The context value


def test_a_list_in_cdk_json_and_a_json_string_on_the_command_line_read_the_same() -> None:
    expected = [
        EfsMoverTarget(
            file_system_id=HOME["fileSystemId"],
            access_point_arn=HOME["accessPointArn"],
            subnet_ids=tuple(HOME["subnetIds"]),
            security_group_ids=tuple(HOME["securityGroupIds"]),
        )
    ]
    assert file_systems_from([HOME]) == file_systems_from(json.dumps([HOME])) == expected
    assert expected[0].function_name == "strongroom-efs-mover-fs-0123456789abcdef0"


@pytest.mark.parametrize("nothing", [None, "", [], "[]"])
def test_no_value_means_no_file_system(nothing: object) -> None:
    assert file_systems_from(nothing) == []


@pytest.mark.parametrize(
    ("context", "complaint"),
    [
        ("fs-0123456789abcdef0", "not valid JSON"),
        (json.dumps(HOME), "must be a JSON list"),
        (["fs-0123456789abcdef0"], r"\[0\] must be an object"),
        ([{**HOME, "fileSystemId": "home"}], "fileSystemId 'home' is not fs-<hex>"),
        ([{k: v for k, v in HOME.items() if k != "accessPointArn"}], "missing accessPointArn"),
        ([{**HOME, "vpcId": "vpc-0123456789abcdef0"}], "unknown keys vpcId"),
        ([{**HOME, "accessPointArn": "fsap-0123456789abcdef0"}], "is not an EFS access point ARN"),
        ([{**HOME, "subnetIds": []}], "subnetIds must be a non-empty list"),
        ([{**HOME, "subnetIds": "subnet-0123456789abcdef0"}], "subnetIds must be a non-empty list"),
        ([{**HOME, "securityGroupIds": ["default"]}], r"securityGroupIds has malformed ids \['default'\]"),
        ([{**HOME, "securityGroupIds": [f"sg-0123456789abcdef{i}" for i in range(6)]}], "Lambda allows 5"),
        ([HOME, {**SHARED, "fileSystemId": HOME["fileSystemId"]}], "lists fs-0123456789abcdef0 twice"),
    ],
)
def test_a_malformed_entry_is_refused_naming_it(context: object, complaint: str) -> None:
    with pytest.raises(EfsMoverContextError, match=complaint):
        file_systems_from(context)


def test_a_malformed_context_stops_the_synth_with_the_message() -> None:
    bad = json.dumps([{**HOME, "subnetIds": ["not-a-subnet"]}])
    with pytest.raises(EfsMoverContextError, match=r"efs_file_systems\[0\] \(fs-0123456789abcdef0\): subnetIds"):
        build_app({names.EFS_FILE_SYSTEMS_CONTEXT: bad})
