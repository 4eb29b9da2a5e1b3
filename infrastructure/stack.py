"""The Strongroom stack: it only composes the capability constructs."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.api import BackupApi
from infrastructure.constructs.console_site import ConsoleSite
from infrastructure.constructs.copy_destination import CopyDestination, source_accounts_from
from infrastructure.constructs.dashboard import Dashboard
from infrastructure.constructs.efs_movers import EfsMovers, file_systems_from
from infrastructure.constructs.engine import Engine
from infrastructure.constructs.fan_out import FanOut
from infrastructure.constructs.locks import Locks
from infrastructure.constructs.monitoring import Monitoring, alert_emails_from
from infrastructure.constructs.restore_workflow import RestoreWorkflow
from infrastructure.constructs.scheduling import Scheduling
from infrastructure.constructs.storage import Storage, adoption_from
from lambdas.common.env_keys import ENV_CONSOLE_ORIGIN


class StrongroomStack(Stack):
    """Storage, monitoring, the engine's functions, their schedules, the restore workflow and the Backup API."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)

        layer_arn = self.node.try_get_context(names.POWERTOOLS_LAYER_ARN_CONTEXT)

        # Onto a catalog a destroyed stack retained, or a new one (docs/deploying.md).
        adopt = adoption_from(
            {
                key: self.node.try_get_context(key)
                for key in (names.ADOPT_CATALOG_CONTEXT, names.ADOPT_CATALOG_KEY_ARN_CONTEXT)
            }
        )
        self.storage = Storage(self, "Storage", adopt=adopt)
        self.monitoring = Monitoring(
            self, "Monitoring", alert_emails=alert_emails_from(self.node.try_get_context(names.ALERT_EMAIL_CONTEXT))
        )
        CfnOutput(
            self,
            names.ALERTS_TOPIC_OUTPUT,
            value=self.monitoring.alerts_topic.topic_arn,
            description="Failed jobs and Strongroom's alarms: subscribe to it (docs/alerting.md)",
        )
        self.engine = Engine(
            self,
            "Engine",
            table=self.storage.table,
            event_bus=self.monitoring.event_bus,
            default_key=self.storage.default_key,
            vault_bucket=self.storage.vault_bucket,
            layer_arn=str(layer_arn) if layer_arn else None,
        )
        # A rule's firing queues its resources a page at a time; StartBackups is built once it knows the queue.
        self.fan_out = FanOut(self, "BackupBatches", spec=constants.BACKUP_BATCH_QUEUE)
        self.engine.provide_environment({constants.ENV_BACKUP_BATCH_QUEUE_URL: self.fan_out.queue.queue_url})
        self.fan_out.connect(
            self.engine.roles[constants.START_BACKUPS.key], self.engine.functions[constants.START_BACKUP_BATCH.key]
        )
        # Functions that manage plan schedules (ReconcileSchedules, the Api) are told the group and the role.
        self.scheduling = Scheduling(self, "Scheduling")
        self.engine.provide_environment(
            {
                constants.ENV_PLAN_SCHEDULE_GROUP: self.scheduling.plan_group.ref,
                constants.ENV_SCHEDULER_ROLE_ARN: self.scheduling.role.role_arn,
            }
        )
        self.restore_workflow = RestoreWorkflow(self, "RestoreWorkflow", functions=self.engine.functions)
        # The Api function is built once it can be told where the workflow is.
        self.engine.provide_environment(
            {constants.ENV_RESTORE_STATE_MACHINE_ARN: self.restore_workflow.state_machine.state_machine_arn}
        )
        self.scheduling.schedule(self.engine.functions)
        self.api = BackupApi(self, "Api", function=self.engine.functions[constants.API.key])
        # The web console with Cognito sign-in, only when asked: it opens the API to one browser origin.
        self.console = (
            ConsoleSite(self, "Console", api=self.api)
            if _flag(self.node.try_get_context(names.CONSOLE_CONTEXT))
            else None
        )
        if self.console is not None:
            self.engine.functions[constants.API.key].add_environment(ENV_CONSOLE_ORIGIN, self.console.url)

        # Other accounts' deployments that may copy into this one's vaults (none: no role, no door).
        sources = source_accounts_from(self.node.try_get_context(names.COPY_SOURCE_ACCOUNTS_CONTEXT))
        self.copy_destination = (
            CopyDestination(
                self,
                "CopyDestination",
                table=self.storage.table,
                default_key=self.storage.default_key,
                vault_bucket=self.storage.vault_bucket,
                source_accounts=sources,
            )
            if sources
            else None
        )

        # One EFS mover function per file system the context lists (none: EFS backups are refused, saying why).
        file_systems = file_systems_from(self.node.try_get_context(names.EFS_FILE_SYSTEMS_CONTEXT))
        self.efs_movers = (
            EfsMovers(
                self,
                "EfsMovers",
                file_systems=file_systems,
                vault_bucket=self.storage.vault_bucket,
                default_key=self.storage.default_key,
                code=self.engine.code,
                layer=self.engine.powertools_layer,
                runtime=self.engine.runtime,
            )
            if file_systems
            else None
        )

        # AWS Backup's API has no operation for it: the import is invoked on demand (see the README).
        CfnOutput(
            self,
            names.IMPORT_FUNCTION_OUTPUT,
            value=self.engine.functions[constants.IMPORT_NATIVE_BACKUPS.key].function_name,
            description='Catalogs backups services made themselves: invoke it with {"BackupVaultName": "NAME"}',
        )

        self.monitoring.alarm_on_function_errors(self.engine.functions)
        if self.efs_movers is not None:
            self.monitoring.alarm_on_function_errors(
                {f"EfsMover-{fs_id}": function for fs_id, function in self.efs_movers.functions.items()}
            )
        self.monitoring.alarm_on_failed_executions("Restore", self.restore_workflow.state_machine)
        self.monitoring.alarm_on_dead_letters("BackupBatches", self.fan_out.dead_letters)
        self.monitoring.alarm_on_undelivered_notifications()
        self.dashboard = Dashboard(
            self,
            "Dashboard",
            functions=self.engine.functions,
            restore_workflow=self.restore_workflow.state_machine,
            batch_queue=self.fan_out.queue,
            vault_bucket=self.storage.vault_bucket,
            alarm=self.monitoring.alarm_on_metric,
        )
        # Vault locks and legal holds outside the API: lock permissions, the deny policy, the detective alarms.
        self.locks = Locks(
            self,
            "Locks",
            roles=self.engine.roles,
            vault_bucket=self.storage.vault_bucket,
            alarm=self.monitoring.alarm_on_metric,
        )


def _flag(value: Any) -> bool:
    """A context flag: `-c console=true` arrives as the string "true", cdk.json may hold a boolean."""
    return value is True or str(value).lower() == "true"
