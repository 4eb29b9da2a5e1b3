"""Scheduling: the role EventBridge Scheduler assumes, the plan schedule group, the fixed schedules, and the
deploy-time reconcile of plan rule schedules with the catalog."""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_cdk import Aws, CustomResource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infrastructure import constants

# The only functions a schedule may invoke: plan rules start backups, the fixed schedules track, expire and
# reconcile the plan schedules, and Audit Manager evaluates compliance and writes its daily reports.
SCHEDULED_FUNCTIONS = (
    constants.START_BACKUPS,
    constants.TRACK_JOBS,
    constants.LIFECYCLE,
    constants.RECONCILE_SCHEDULES,
    constants.AUDIT_EVALUATE,
    constants.AUDIT_REPORTS,
    constants.RESTORE_TESTING,
)
RECONCILE_ON_DEPLOY_TYPE = "Custom::PlanSchedulesReconcile"

SCHEDULED_INPUT = json.dumps({"scheduled_time": constants.SCHEDULED_TIME_PLACEHOLDER})


class Scheduling(Construct):
    """Plan rules get schedules in the plan group at run time; tracking, lifecycle and the reconcile of plan
    schedules run on fixed ones.

    Two steps, because the functions that manage plan schedules are told the group and the role: the
    construct makes those first, and `schedule(functions)` adds what invokes the functions once they exist.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        self.role = iam.Role(
            self,
            "SchedulerRole",
            description="Assumed by EventBridge Scheduler to invoke Strongroom's scheduled functions",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ),
        )
        self.plan_group = scheduler.CfnScheduleGroup(self, "PlanScheduleGroup", name=constants.PLAN_SCHEDULE_GROUP)
        self.fixed_schedules: dict[str, scheduler.CfnSchedule] = {}
        self.reconcile_on_deploy: CustomResource | None = None

    def schedule(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        """The role may invoke the scheduled functions; the fixed schedules; the reconcile on every new stack."""
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="InvokeScheduledFunctions",
                actions=["lambda:InvokeFunction"],
                resources=[functions[spec.key].function_arn for spec in SCHEDULED_FUNCTIONS],
            )
        )
        for name, (spec, expression) in constants.FIXED_SCHEDULES.items():
            schedule = scheduler.CfnSchedule(
                self,
                f"{spec.key}Schedule",
                name=name,
                description=spec.description,
                schedule_expression=expression,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=functions[spec.key].function_arn,
                    role_arn=self.role.role_arn,
                    input=SCHEDULED_INPUT,
                    # The next firing comes soon: retry briefly instead of for a day.
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_event_age_in_seconds=900, maximum_retry_attempts=3
                    ),
                ),
            )
            # Created only once the role may invoke the target, so the first firing cannot fail on IAM.
            schedule.node.add_dependency(self.role)
            self.fixed_schedules[name] = schedule

        # A stack created onto a retained catalog (deploy after `cdk destroy`) starts with an empty plan group:
        # CloudFormation invokes the reconcile as it creates this resource, so every plan fires again at once
        # instead of at the first hourly run. Updates of the stack leave it to the hourly run.
        self.reconcile_on_deploy = CustomResource(
            self,
            "ReconcilePlanSchedulesOnDeploy",
            service_token=functions[constants.RECONCILE_SCHEDULES.key].function_arn,
            resource_type=RECONCILE_ON_DEPLOY_TYPE,
            properties={"PlanScheduleGroup": self.plan_group.ref},
        )
