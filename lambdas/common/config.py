"""Configuration: validated once per cold start, immutable, the only reader of os.environ in lambdas/."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from lambdas.common import env_keys


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=1)
    event_bus_name: str = Field(min_length=1)
    default_key_arn: str = Field(min_length=1)
    region: str = Field(min_length=1)
    restore_state_machine_arn: str | None = None
    plan_schedule_group: str | None = None
    scheduler_role_arn: str | None = None
    start_backups_function_arn: str | None = None
    audit_evaluate_function_arn: str | None = None
    vault_bucket: str | None = None
    backup_batch_queue_url: str | None = None
    restore_testing_function_arn: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get(env_keys.ENV_TABLE_NAME, ""),
        event_bus_name=env.get(env_keys.ENV_EVENT_BUS_NAME, ""),
        default_key_arn=env.get(env_keys.ENV_DEFAULT_KEY_ARN, ""),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
        restore_state_machine_arn=env.get(env_keys.ENV_RESTORE_STATE_MACHINE_ARN),
        plan_schedule_group=env.get(env_keys.ENV_PLAN_SCHEDULE_GROUP),
        scheduler_role_arn=env.get(env_keys.ENV_SCHEDULER_ROLE_ARN),
        start_backups_function_arn=env.get(env_keys.ENV_START_BACKUPS_FUNCTION_ARN),
        audit_evaluate_function_arn=env.get(env_keys.ENV_AUDIT_EVALUATE_FUNCTION_ARN),
        vault_bucket=env.get(env_keys.ENV_VAULT_BUCKET),
        backup_batch_queue_url=env.get(env_keys.ENV_BACKUP_BATCH_QUEUE_URL),
        restore_testing_function_arn=env.get(env_keys.ENV_RESTORE_TESTING_FUNCTION_ARN),
    )


@lru_cache(maxsize=1)
def console_origin() -> str | None:
    """The one browser origin (the deployed console's) whose pages may read the API's answers; None: no CORS."""
    return os.environ.get(env_keys.ENV_CONSOLE_ORIGIN) or None
