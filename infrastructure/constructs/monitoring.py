"""Monitoring: the event bus of job state changes, the alerts topic, and alarms on failures."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure import constants, names

ALARM_PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    """Job state change events land on a custom bus; failures and errors alert one encrypted topic."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

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
                targets=[targets.SnsTopic(self.alerts_topic)],
            )
            for rule_name, pattern in constants.FAILURE_EVENT_PATTERNS.items()
        ]

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
