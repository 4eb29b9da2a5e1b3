"""The local runtime lets a service publish to a topic only where the topic's policy would on AWS
(local/topic_policy.py): a rule or an alarm not named, another account, a default policy, a Deny: no delivery."""

from __future__ import annotations

from typing import Any

import pytest

from local.topic_policy import CLOUDWATCH, EVENTS, ServiceDelivery, service_may_publish

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:strongroom-alerts"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/strongroom/strongroom-backup-job-failures"
ALARM = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:Strongroom-ApiErrors-ABC"


def allow(service: str, conditions: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sns:Publish", "Resource": TOPIC}
    if conditions:
        statement["Condition"] = conditions
    return {**statement, **extra}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def for_rule(source_arn: str = RULE, account: str = ACCOUNT) -> ServiceDelivery:
    return ServiceDelivery(EVENTS, source_arn, account)


STACK_LIKE = policy(
    allow(EVENTS, {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnEquals": {"aws:SourceArn": [RULE]}}),
    allow(CLOUDWATCH, {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": ALARM[:-3] + "*"}}),
)


def test_given_the_stacks_policy_then_its_rule_and_its_alarms_may_publish() -> None:
    assert service_may_publish(STACK_LIKE, TOPIC, for_rule())
    assert service_may_publish(STACK_LIKE, TOPIC, ServiceDelivery(CLOUDWATCH, ALARM, ACCOUNT))


@pytest.mark.parametrize(
    "delivery",
    [
        for_rule(RULE.replace("backup-job-failures", "someone-elses-rule")),  # a rule the policy does not name
        for_rule(account="210987654321"),  # a rule of another account (confused deputy)
        ServiceDelivery("s3.amazonaws.com", f"arn:aws:s3:::{ACCOUNT}-bucket", ACCOUNT),  # another service
        ServiceDelivery(CLOUDWATCH, ALARM.replace("Strongroom-ApiErrors", "Other"), ACCOUNT),
    ],
)
def test_given_the_stacks_policy_then_no_other_publisher_gets_through(delivery: ServiceDelivery) -> None:
    assert not service_may_publish(STACK_LIKE, TOPIC, delivery)


def test_given_a_new_topics_default_policy_then_eventbridge_may_not_publish() -> None:
    # A topic's default policy lets its owner account's principals publish (AWS:SourceOwner), not services
    default = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:Publish"],
            "Resource": TOPIC,
            "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
        }
    )
    assert not service_may_publish(default, TOPIC, for_rule())
    assert not service_may_publish(None, TOPIC, for_rule())


def test_given_an_allow_and_a_matching_deny_then_the_deny_wins() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sns:*", "Resource": TOPIC}
    assert not service_may_publish(policy(allow(EVENTS), deny), TOPIC, for_rule())


def test_given_the_deny_of_insecure_transport_then_a_service_delivery_still_gets_through() -> None:
    # CDK's enforce_ssl adds this Deny; services deliver over TLS
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Publish",
        "Resource": TOPIC,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert service_may_publish(policy(allow(EVENTS), deny), TOPIC, for_rule())


def test_given_a_condition_operator_not_evaluated_then_the_allow_grants_nothing() -> None:
    unknown = allow(EVENTS, {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})
    assert not service_may_publish(policy(unknown), TOPIC, for_rule())
