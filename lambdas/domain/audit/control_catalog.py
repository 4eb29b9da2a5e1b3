"""The built-in controls AWS Backup Audit Manager documents, with their input parameters as AWS names them,
their defaults and their bounds (AWS Backup developer guide: "Controls and remediation", "Creating frameworks
using the AWS Backup API"; the AWS Config managed rules each control deploys for the parameter defaults).

A control's parameters are validated here, once, when a framework is created or updated: an unknown control,
an unknown parameter name or a value out of bounds is the caller's InvalidParameterValueException, nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lambdas.domain.errors import InvalidParameterValueException

PROTECTED_BY_BACKUP_PLAN = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
PLAN_MIN_FREQUENCY_AND_RETENTION = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
RECOVERY_POINT_MIN_RETENTION = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
RECOVERY_POINT_ENCRYPTED = "BACKUP_RECOVERY_POINT_ENCRYPTED"
MANUAL_DELETION_DISABLED = "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
CROSS_REGION = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION"
CROSS_ACCOUNT = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT"
VAULT_LOCK = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"
LAST_RECOVERY_POINT_CREATED = "BACKUP_LAST_RECOVERY_POINT_CREATED"
RESTORE_TIME = "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"
# Documented by AWS, refused by Strongroom: it has no logically air-gapped vaults to copy into.
AIR_GAPPED_VAULT = "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT"

MAX_LISTED = 5  # principalArnList and crossAccountList: "up to 5" (AWS's control descriptions)


def _int_between(low: int, high: int) -> Callable[[str], object]:
    def parse(value: str) -> object:
        try:
            number = int(value.strip())
        except ValueError:
            raise ValueError(f"must be a whole number from {low} to {high}, got {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be from {low} to {high}, got {number}")
        return number

    return parse


def _one_of(*choices: str) -> Callable[[str], object]:
    def parse(value: str) -> object:
        if value.strip() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return value.strip()

    return parse


def _comma_list(check: Callable[[str], bool], what: str, at_most: int | None = None) -> Callable[[str], object]:
    def parse(value: str) -> object:
        items = tuple(item.strip() for item in value.split(",") if item.strip())
        if not items:
            raise ValueError(f"must list at least one {what}")
        if at_most is not None and len(items) > at_most:
            raise ValueError(f"lists at most {at_most} {what}s, got {len(items)}")
        bad = [item for item in items if not check(item)]
        if bad:
            raise ValueError(f"{', '.join(bad)} is not a valid {what}")
        return items

    return parse


def _is_account(text: str) -> bool:
    return len(text) == 12 and text.isdigit()


def _is_region(text: str) -> bool:
    parts = text.split("-")
    return len(parts) >= 3 and parts[-1].isdigit() and all(part.isalnum() and part.islower() for part in parts[:-1])


def _is_principal(text: str) -> bool:
    return text.startswith("arn:") and ":iam::" in text


@dataclass(frozen=True)
class Parameter:
    parse: Callable[[str], object]
    default: str | None = None  # None: the control works without it


@dataclass(frozen=True)
class ControlSpec:
    name: str
    evaluates: str  # what one result is about: a protected resource, a backup plan, a vault or a recovery point
    parameters: dict[str, Parameter] = field(default_factory=dict)

    def resolve(self, given: dict[str, str]) -> dict[str, object]:
        """The control's parameters, parsed, with AWS's defaults for those not given."""
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            known = ", ".join(self.parameters) or "none"
            raise InvalidParameterValueException(
                f"Control {self.name} has no input parameter {', '.join(unknown)} (its parameters: {known})"
            )
        values: dict[str, object] = {}
        for name, parameter in self.parameters.items():
            raw = given.get(name, parameter.default)
            if raw is None:
                continue
            try:
                values[name] = parameter.parse(raw)
            except ValueError as problem:
                raise InvalidParameterValueException(f"Control {self.name}: {name} {problem}") from None
        return values


RESOURCE, PLAN, VAULT, RECOVERY_POINT = "resource", "backup plan", "backup vault", "recovery point"

CONTROLS: dict[str, ControlSpec] = {
    spec.name: spec
    for spec in (
        ControlSpec(PROTECTED_BY_BACKUP_PLAN, RESOURCE),
        ControlSpec(
            PLAN_MIN_FREQUENCY_AND_RETENTION,
            PLAN,
            {
                "requiredFrequencyUnit": Parameter(_one_of("hours", "days"), "days"),
                # "Maximum of 24 for hours, 31 for days": checked against the unit in validate_parameters.
                "requiredFrequencyValue": Parameter(_int_between(1, 31 * 24), "1"),
                "requiredRetentionDays": Parameter(_int_between(1, 36500), "35"),
            },
        ),
        ControlSpec(
            RECOVERY_POINT_MIN_RETENTION,
            RECOVERY_POINT,
            {"requiredRetentionDays": Parameter(_int_between(1, 36500), "35")},
        ),
        ControlSpec(RECOVERY_POINT_ENCRYPTED, RECOVERY_POINT),
        ControlSpec(
            MANUAL_DELETION_DISABLED,
            VAULT,
            {"principalArnList": Parameter(_comma_list(_is_principal, "IAM principal ARN", MAX_LISTED))},
        ),
        ControlSpec(CROSS_REGION, RESOURCE, {"crossRegionList": Parameter(_comma_list(_is_region, "Region"))}),
        ControlSpec(
            CROSS_ACCOUNT, RESOURCE, {"crossAccountList": Parameter(_comma_list(_is_account, "account ID", MAX_LISTED))}
        ),
        ControlSpec(
            VAULT_LOCK,
            RESOURCE,
            {
                "minRetentionDays": Parameter(_int_between(1, 36500)),
                "maxRetentionDays": Parameter(_int_between(1, 36500)),
            },
        ),
        ControlSpec(
            LAST_RECOVERY_POINT_CREATED,
            RESOURCE,
            {
                "recoveryPointAgeUnit": Parameter(_one_of("hours", "days"), "days"),
                "recoveryPointAgeValue": Parameter(_int_between(1, 744), "1"),
            },
        ),
        # maxRestoreTime is in minutes; 720 (12 hours) is the value AWS's own examples deploy.
        ControlSpec(RESTORE_TIME, RESOURCE, {"maxRestoreTime": Parameter(_int_between(1, 525600), "720")}),
    )
}

_UNIT_LIMITS = {"hours": 24, "days": 31}  # requiredFrequencyValue
_AGE_LIMITS = {"hours": 744, "days": 31}  # recoveryPointAgeValue


def control_spec(name: str) -> ControlSpec:
    if name == AIR_GAPPED_VAULT:
        raise InvalidParameterValueException(
            f"Strongroom does not carry out the control {name}: it has no logically air-gapped vaults yet, so no "
            "resource could ever comply. Leave the control out of the framework."
        )
    spec = CONTROLS.get(name)
    if spec is None:
        raise InvalidParameterValueException(
            f"Unknown control {name!r}; the controls are {', '.join(sorted(CONTROLS))}"
        )
    return spec


def validate_parameters(name: str, given: dict[str, str]) -> dict[str, object]:
    """The control's parameters resolved with defaults, or InvalidParameterValueException saying what is wrong."""
    spec = control_spec(name)
    values = spec.resolve(given)
    for unit_name, value_name, limits in (
        ("requiredFrequencyUnit", "requiredFrequencyValue", _UNIT_LIMITS),
        ("recoveryPointAgeUnit", "recoveryPointAgeValue", _AGE_LIMITS),
    ):
        if unit_name in values and value_name in values:
            unit, value = str(values[unit_name]), int(str(values[value_name]))
            if value > limits[unit]:
                raise InvalidParameterValueException(
                    f"Control {name}: {value_name} is at most {limits[unit]} when {unit_name} is {unit}, got {value}"
                )
    low, high = values.get("minRetentionDays"), values.get("maxRetentionDays")
    if low is not None and high is not None and int(str(low)) > int(str(high)):
        raise InvalidParameterValueException(f"Control {name}: minRetentionDays {low} exceeds maxRetentionDays {high}")
    return values
