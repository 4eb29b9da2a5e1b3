"""ARNs: parse them, build Strongroom's own, and tell which AWS Backup resource type an ARN names."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.spec import ArnForm
from lambdas.resources.types import TYPES

# AWS Backup's ResourceType values, keyed by (service, resource kind) of the ARN: the registry's ARN forms (the
# specs are plain data, importing no adapter).
ARN_FORMS: dict[tuple[str, str], tuple[str, ArnForm]] = {
    (form.service, form.kind): (spec.resource_type, form) for spec in TYPES for form in spec.arn_forms
}


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def _split(self) -> tuple[str, str] | None:
        """(kind, id) at the first separator, "/" or ":" (redshift:...:snapshot:<cluster>/<name> is a snapshot)."""
        found = [i for i in (self.resource.find("/"), self.resource.find(":")) if i >= 0]
        if not found:
            return None
        at = min(found)
        return self.resource[:at], self.resource[at + 1 :]

    @property
    def resource_kind(self) -> str:
        split = self._split()
        if split is not None:
            return split[0]
        return "" if self.service == "s3" else self.resource

    @property
    def resource_id(self) -> str:
        split = self._split()
        return split[1] if split is not None else self.resource

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(value: str) -> Arn:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        raise InvalidParameterValueException(
            f"Invalid ARN: {value!r} is not of the form arn:partition:service:region:account:resource"
        )
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def resource_type_of(resource_arn: str) -> str:
    """The AWS Backup ResourceType of an ARN; InvalidParameterValueException for one it cannot protect."""
    arn = parse_arn(resource_arn)
    found = ARN_FORMS.get((arn.service, arn.resource_kind))
    if found is None:
        raise InvalidParameterValueException(
            f"Invalid resource ARN {resource_arn}: resource type {arn.service}:{arn.resource_kind} is not supported"
        )
    resource_type, form = found
    if form.must_contain and form.must_contain not in arn.resource:
        raise InvalidParameterValueException(f"Invalid resource ARN {resource_arn}: {form.refusal}")
    return resource_type


def vault_arn(region: str, account: str, vault_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{vault_name}"


def plan_arn(region: str, account: str, plan_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:backup:{region}:{account}:backup-plan:{plan_id}"
