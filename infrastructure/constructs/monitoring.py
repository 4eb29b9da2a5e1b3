"""Monitoring: the event bus of job state changes, the alerts topic, and alarms on failures.

Alerts reach a person through one encrypted topic. On AWS a service publishes to a topic only where the topic's
policy allows its principal, so the policy names exactly the stack's publishers: its failure rules
(events.amazonaws.com, by rule ARN) and its alarms (cloudwatch.amazonaws.com, by alarm ARN), each from this account
(aws:SourceAccount), which closes the confused-deputy door an unconditioned service grant leaves open. The key's
grants to the two services carry no such condition: EventBridge sends none of these keys on its KMS requests, and a
conditioned key grant would silently drop every delivery."""

from __future__ import annotations

import re
from collections.abc import Mapping

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from infrastructure import constants, names

ALARM_PERIOD = Duration.minutes(5)
EVENTS_PRINCIPAL = "events.amazonaws.com"
CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def alert_emails_from(context: object) -> list[str]:
    """`-c alert_email=ops@example.com` (several: comma-separated), or a JSON list in cdk.json."""
    if context is None or context == "":
        return []
    values = context if isinstance(context, list) else str(context).split(",")
    emails = [str(value).strip() for value in values if str(value).strip()]
    for email in emails:
        if not _EMAIL.match(email):
            raise ValueError(f"{names.ALERT_EMAIL_CONTEXT}: {email!r} is not an email address")
    return emails


@jsii.implements(events.IRuleTarget)
class _AlertsTopicTarget:
    """The alerts topic as a rule's target. CDK's SnsTopic target would also add an unconditioned grant
    (any rule of any account may publish) to the topic's policy; Monitoring grants each rule by its ARN instead."""

    def __init__(self, topic: sns.ITopic) -> None:
        self._topic = topic

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:  # jsii's parameter names
        return events.RuleTargetConfig(arn=self._topic.topic_arn)


class Monitoring(Construct):
    """Job state change events land on a custom bus; failures and errors alert one encrypted topic."""

    def __init__(self, scope: Construct, construct_id: str, alert_emails: list[str] | None = None) -> None:
        super().__init__(scope, construct_id)
        self._account = Stack.of(self).account

        self.event_bus = events.EventBus(self, "EventBus", event_bus_name=names.EVENT_BUS_NAME)

        # A key of its own, so the vault key's policy never has to trust EventBridge or CloudWatch.
        self.alerts_key = kms.Key(
            self,
            "AlertsKey",
            description="Strongroom alerts topic key",
            alias=names.ALERTS_KEY_ALIAS,
            enable_key_rotation=True,
        )
        for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com"):
            self.alerts_key.grant(iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*")

        self.alerts_topic = sns.Topic(
            self,
            "AlertsTopic",
            display_name="Strongroom alerts",
            master_key=self.alerts_key,
            enforce_ssl=True,
        )

        # One rule per job kind: the patterns are shared with the local runtime (constants.py).
        self.failed_jobs_rules = [
            events.Rule(
                self,
                "".join(part.title() for part in rule_name.split("-")),
                rule_name=None,
                description=f"{rule_name}: jobs that end FAILED, ABORTED or EXPIRED",
                event_bus=self.event_bus,
                event_pattern=events.EventPattern(
                    source=list(pattern["source"]),  # type: ignore[call-overload]
                    detail_type=list(pattern["detail-type"]),  # type: ignore[call-overload]
                    detail=dict(pattern["detail"]),  # type: ignore[call-overload]
                ),
                targets=[_AlertsTopicTarget(self.alerts_topic)],
            )
            for rule_name, pattern in constants.FAILURE_EVENT_PATTERNS.items()
        ]
        self.alerts_topic.add_to_resource_policy(
            self._publish_statement(
                "FailureRulesPublish", EVENTS_PRINCIPAL, [rule.rule_arn for rule in self.failed_jobs_rules]
            )
        )
        # The alarms' statement names each alarm as it is added (alarm_on_*), so it exists once there is one.
        self._alarm_arns: list[str] = []
        self._alarms_statement: iam.PolicyStatement | None = None

        for email in alert_emails or []:
            self.alerts_topic.add_subscription(subscriptions.EmailSubscription(email))

    def _publish_statement(self, sid: str, service: str, source_arns: list[str]) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(service)],
            actions=["sns:Publish"],
            resources=[self.alerts_topic.topic_arn],
            conditions={
                "StringEquals": {"aws:SourceAccount": self._account},
                "ArnEquals": {"aws:SourceArn": source_arns},
            },
        )

    def alarm_on_undelivered_notifications(self) -> None:
        """Events EventBridge refused (after retries) and vault notifications SNS refused are counted by the functions
        (Powertools metrics, dimension `service`): any of either in five minutes alerts the topic."""
        for metric_name, description in (
            (constants.EVENTS_NOT_DELIVERED_METRIC, "job state change events were not delivered to EventBridge"),
            (constants.VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC, "vault notifications were not published to SNS"),
        ):
            metric = cloudwatch.Metric(
                namespace=constants.METRICS_NAMESPACE,
                metric_name=metric_name,
                dimensions_map={"service": constants.SERVICE_NAME},
                period=ALARM_PERIOD,
                statistic="Sum",
            )
            self._alarm(metric_name, metric, f"Strongroom: {description}")

    def alarm_on_function_errors(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        """One alarm per function: any error in a five-minute window alerts the topic."""
        for key, function in functions.items():
            self._alarm(
                f"{key}Errors",
                function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                f"Strongroom {key} function failed",
            )

    def alarm_on_dead_letters(self, key: str, queue: sqs.IQueue) -> None:
        """A message in a dead-letter queue is work that failed every delivery: it alerts the topic."""
        self._alarm(
            f"{key}DeadLetters",
            queue.metric_approximate_number_of_messages_visible(period=ALARM_PERIOD, statistic="Maximum"),
            f"Strongroom {key}: messages failed every delivery and wait in {queue.queue_name}",
        )

    def alarm_on_failed_executions(self, key: str, state_machine: sfn.IStateMachine) -> None:
        """Any failed execution of the state machine alerts the topic."""
        self._alarm(
            f"{key}ExecutionsFailed",
            state_machine.metric_failed(period=ALARM_PERIOD, statistic="Sum"),
            f"Strongroom {key} state machine execution failed",
        )

    def alarm_on_metric(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        """One of Strongroom's own metrics at 1 or more alerts the topic (the locks' detective check)."""
        self._alarm(construct_id, metric, description)

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            alarm_description=description,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.alerts_topic))
        self._alarm_arns.append(alarm.alarm_arn)
        if self._alarms_statement is None:
            self._alarms_statement = self._publish_statement("AlarmsPublish", CLOUDWATCH_PRINCIPAL, self._alarm_arns)
            self.alerts_topic.add_to_resource_policy(self._alarms_statement)
        else:  # the same operator and key again: the whole list so far replaces the previous one
            self._alarms_statement.add_condition("ArnEquals", {"aws:SourceArn": list(self._alarm_arns)})
