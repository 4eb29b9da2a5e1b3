"""Creates on the emulator what the CDK stack creates in an account: the table, the default vault key, the
event bus and alert topic, one function per FunctionSpec with the same handler and environment keys, the
restore state machine from the same ASL file, the plan schedule group and the fixed schedules.
tests/infrastructure/test_local_matches_stack.py holds the two to the same declarations."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from infrastructure import constants as c

ALERT_TOPIC = "strongroom-alerts"
EVENT_BUS = "strongroom"
TABLE_NAME = c.CATALOG_TABLE_NAME
STATE_MACHINE = "strongroom-restore"


@dataclass(frozen=True)
class Deployment:
    region: str
    account: str
    table_name: str
    event_bus_name: str
    default_key_arn: str
    alert_topic_arn: str
    state_machine_arn: str
    scheduler_role_arn: str
    function_arns: dict[str, str]
    function_environments: dict[str, dict[str, str]] = field(default_factory=dict)

    def process_environment(self) -> dict[str, str]:
        """Every key any function reads, for code that calls services in-process (the demo's control plane)."""
        merged: dict[str, str] = {}
        for environment in self.function_environments.values():
            merged.update(environment)
        return merged


def table_definition(name: str) -> dict[str, Any]:
    attributes = {c.TABLE_PARTITION_KEY, c.TABLE_SORT_KEY}
    indexes = []
    for index_name, (pk, sk) in c.TABLE_INDEXES.items():
        attributes.update((pk, sk))
        indexes.append(
            {
                "IndexName": index_name,
                "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        )
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "KeySchema": [
            {"AttributeName": c.TABLE_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": c.TABLE_SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": indexes,
    }


def alerts_topic_policy(topic_arn: str, account: str, rule_arns: list[str]) -> dict[str, Any]:
    """The stack's alerts topic policy, as far as the local runtime has publishers: the failure rules may publish,
    for themselves only (aws:SourceArn) and from this account (aws:SourceAccount). moto evaluates no alarms, so the
    stack's CloudWatch statement has no local publisher to let in."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FailureRulesPublish",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnEquals": {"aws:SourceArn": rule_arns},
                },
            }
        ],
    }


def restore_definition(function_arns: dict[str, str]) -> str:
    definition = c.RESTORE_ASL_PATH.read_text()
    for placeholder, spec in c.ASL_SUBSTITUTIONS.items():
        definition = definition.replace("${" + placeholder + "}", function_arns[spec.key])
    return definition


def _role(iam: Any, name: str, service: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def batch_queue_arn(sqs: Any, queue_url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _placeholder_zip() -> bytes:
    # The code never runs from this zip: the in-process shim imports the handler from the working tree.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Strongroom runs this function's handler in process.")
    return buffer.getvalue()


def bootstrap(session: Any, region: str) -> Deployment:
    def client(service: str) -> Any:
        return session.client(service, region_name=region)

    account = client("sts").get_caller_identity()["Account"]
    key_arn = client("kms").create_key(Description="Strongroom default vault key")["KeyMetadata"]["Arn"]
    client("dynamodb").create_table(**table_definition(TABLE_NAME))
    client("events").create_event_bus(Name=EVENT_BUS)
    topic_arn = client("sns").create_topic(Name=ALERT_TOPIC)["TopicArn"]
    iam = client("iam")

    from lambdas.resources.vault_storage import default_vault_bucket

    vault_bucket = default_vault_bucket(account, region)
    s3 = client("s3")
    s3.create_bucket(
        Bucket=vault_bucket,
        ObjectLockEnabledForBucket=True,  # as the stack's: recovery points' objects take S3 Object Lock
        **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}),
    )
    s3.put_bucket_encryption(
        Bucket=vault_bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]
        },
    )
    sqs = client("sqs")
    queue = c.BACKUP_BATCH_QUEUE
    dead_letters = sqs.create_queue(QueueName=queue.dead_letter_name, Attributes={"SqsManagedSseEnabled": "true"})
    redrive = {
        "deadLetterTargetArn": batch_queue_arn(sqs, dead_letters["QueueUrl"]),
        "maxReceiveCount": queue.max_receive_count,
    }
    batch_queue_url = sqs.create_queue(
        QueueName=queue.name,
        Attributes={
            "SqsManagedSseEnabled": "true",
            "VisibilityTimeout": str(queue.visibility_timeout_seconds),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    values = {
        c.ENV_BACKUP_BATCH_QUEUE_URL: batch_queue_url,
        c.ENV_VAULT_BUCKET: vault_bucket,
        c.ENV_TABLE_NAME: TABLE_NAME,
        c.ENV_EVENT_BUS_NAME: EVENT_BUS,
        c.ENV_DEFAULT_KEY_ARN: key_arn,
        c.ENV_POWERTOOLS_SERVICE_NAME: c.SERVICE_NAME,
        c.ENV_POWERTOOLS_METRICS_NAMESPACE: c.METRICS_NAMESPACE,
    }
    function_arns: dict[str, str] = {}
    environments: dict[str, dict[str, str]] = {}
    code = _placeholder_zip()

    def create_function(spec: c.FunctionSpec) -> None:
        environment = {key: values[key] for key in spec.env_keys}
        role = _role(iam, f"strongroom-{spec.key}", "lambda.amazonaws.com")
        created = client("lambda").create_function(
            FunctionName=f"strongroom-{spec.key}",
            Runtime=c.LAMBDA_RUNTIME,
            Role=role,
            Handler=spec.handler,
            Code={"ZipFile": code},
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            Description=spec.description,
            Environment={"Variables": environment},
        )
        function_arns[spec.key] = created["FunctionArn"]
        environments[spec.key] = environment

    # Functions that are told where the state machine and the scheduler role are come after those.
    late = {
        c.ENV_RESTORE_STATE_MACHINE_ARN,
        c.ENV_SCHEDULER_ROLE_ARN,
        c.ENV_START_BACKUPS_FUNCTION_ARN,
        c.ENV_AUDIT_EVALUATE_FUNCTION_ARN,
        c.ENV_RESTORE_TESTING_FUNCTION_ARN,
    }
    for spec in c.FUNCTIONS:
        if not late & set(spec.env_keys):
            create_function(spec)

    sfn_role = _role(iam, "strongroom-restore-workflow", "states.amazonaws.com")
    state_machine_arn = client("stepfunctions").create_state_machine(
        name=STATE_MACHINE, definition=restore_definition(function_arns), roleArn=sfn_role, type="STANDARD"
    )["stateMachineArn"]
    scheduler_role = _role(iam, "strongroom-scheduler", "scheduler.amazonaws.com")
    values.update(
        {
            c.ENV_RESTORE_STATE_MACHINE_ARN: state_machine_arn,
            c.ENV_PLAN_SCHEDULE_GROUP: c.PLAN_SCHEDULE_GROUP,
            c.ENV_SCHEDULER_ROLE_ARN: scheduler_role,
            c.ENV_START_BACKUPS_FUNCTION_ARN: function_arns[c.START_BACKUPS.key],
            c.ENV_AUDIT_EVALUATE_FUNCTION_ARN: function_arns[c.AUDIT_EVALUATE.key],
        }
    )
    # The RestoreTesting function first: the Api is told its ARN (restore testing plans' schedules invoke it).
    for spec in sorted(
        (spec for spec in c.FUNCTIONS if late & set(spec.env_keys)),
        key=lambda spec: c.ENV_RESTORE_TESTING_FUNCTION_ARN in spec.env_keys,
    ):
        create_function(spec)
        if spec.key == c.RESTORE_TESTING.key:
            values[c.ENV_RESTORE_TESTING_FUNCTION_ARN] = function_arns[spec.key]

    # Disabled: moto would deliver each message inside SendMessage, one per invocation, and drop partial batch
    # failures; local.queue_poller delivers from this mapping the way Lambda's poller does.
    client("lambda").create_event_source_mapping(
        EventSourceArn=batch_queue_arn(sqs, batch_queue_url),
        FunctionName=function_arns[queue.consumer.key],
        BatchSize=queue.batch_size,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": queue.max_concurrency},
        Enabled=False,
    )
    scheduler = client("scheduler")
    scheduler.create_schedule_group(Name=c.PLAN_SCHEDULE_GROUP)
    for name, (spec, expression) in c.FIXED_SCHEDULES.items():
        scheduler.create_schedule(
            Name=name,
            ScheduleExpression=expression,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": function_arns[spec.key],
                "RoleArn": scheduler_role,
                "Input": json.dumps({"scheduled_time": c.SCHEDULED_TIME_PLACEHOLDER}),
            },
        )
    rule_arns = []
    for rule_name, pattern in c.FAILURE_EVENT_PATTERNS.items():
        rule = client("events").put_rule(Name=rule_name, EventBusName=EVENT_BUS, EventPattern=json.dumps(pattern))
        rule_arns.append(rule["RuleArn"])
        client("events").put_targets(
            Rule=rule_name, EventBusName=EVENT_BUS, Targets=[{"Id": "alerts", "Arn": topic_arn}]
        )
    # As the stack's: the rules may publish, each for itself (local/topic_policy.py holds deliveries to it).
    client("sns").set_topic_attributes(
        TopicArn=topic_arn,
        AttributeName="Policy",
        AttributeValue=json.dumps(alerts_topic_policy(topic_arn, account, rule_arns)),
    )
    return Deployment(
        region=region,
        account=account,
        table_name=TABLE_NAME,
        event_bus_name=EVENT_BUS,
        default_key_arn=key_arn,
        alert_topic_arn=topic_arn,
        state_machine_arn=state_machine_arn,
        scheduler_role_arn=scheduler_role,
        function_arns=function_arns,
        function_environments=environments,
    )
