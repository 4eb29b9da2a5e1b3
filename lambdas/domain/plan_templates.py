"""The backup plan templates AWS Backup ships (ListBackupPlanTemplates, GetBackupPlanFromTemplate).

Daily backups at 05:00 UTC in a 480-minute start window, the way AWS's templates schedule them, into the
vault named Default. The id of Daily-35day-Retention is the one AWS's own CLI documentation shows; AWS
publishes no ids for the others, so theirs are fixed here once and never change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.domain.plans import BackupPlanInput

TEMPLATE_VAULT = "Default"

_DAILY = "cron(0 5 ? * * *)"
_WEEKLY = "cron(0 5 ? * SAT *)"
_MONTHLY = "cron(0 5 1 * ? *)"


def _rule(name: str, schedule: str, **lifecycle: int) -> dict[str, Any]:
    return {
        "RuleName": name,
        "TargetBackupVaultName": TEMPLATE_VAULT,
        "ScheduleExpression": schedule,
        "StartWindowMinutes": 480,
        "CompletionWindowMinutes": 10080,
        "Lifecycle": lifecycle,
    }


@dataclass(frozen=True)
class PlanTemplate:
    template_id: str
    name: str
    plan: BackupPlanInput

    def listed(self) -> dict[str, str]:
        return {"BackupPlanTemplateId": self.template_id, "BackupPlanTemplateName": self.name}


def _template(template_id: str, name: str, *rules: dict[str, Any]) -> PlanTemplate:
    return PlanTemplate(template_id, name, BackupPlanInput.model_validate({"BackupPlanName": name, "Rules": rules}))


TEMPLATES: tuple[PlanTemplate, ...] = (
    _template(
        "87c0c1ef-254d-4180-8fef-2e76a2c38aaa",
        "Daily-35day-Retention",
        _rule("DailyBackups", _DAILY, DeleteAfterDays=35),
    ),
    _template(
        "06423219-152f-522b-90b5-f49ad0055885",
        "Daily-Monthly-1yr-Retention",
        _rule("DailyBackups", _DAILY, DeleteAfterDays=35),
        _rule("MonthlyBackups", _MONTHLY, MoveToColdStorageAfterDays=30, DeleteAfterDays=365),
    ),
    _template(
        "5c43e156-c2d2-5a47-8767-1fed5818018d",
        "Daily-Weekly-Monthly-5YR-Retention",
        _rule("DailyBackups", _DAILY, DeleteAfterDays=35),
        _rule("WeeklyBackups", _WEEKLY, DeleteAfterDays=90),
        _rule("MonthlyBackups", _MONTHLY, MoveToColdStorageAfterDays=90, DeleteAfterDays=5 * 365),
    ),
    _template(
        "f73afccb-e5cc-5625-a8b9-851fa254acdf",
        "Daily-Weekly-Monthly-7YR-Retention",
        _rule("DailyBackups", _DAILY, DeleteAfterDays=35),
        _rule("WeeklyBackups", _WEEKLY, DeleteAfterDays=90),
        _rule("MonthlyBackups", _MONTHLY, MoveToColdStorageAfterDays=90, DeleteAfterDays=7 * 365),
    ),
)


def find_template(template_id: str) -> PlanTemplate | None:
    return next((template for template in TEMPLATES if template.template_id == template_id), None)
