"""Turns pydantic's validation errors into AWS Backup's: a missing field is MissingParameterValueException,
anything else InvalidParameterValueException, and the message names the field and what was wrong."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lambdas.domain.errors import InvalidParameterValueException, MissingParameterValueException

M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise to_backup_error(error) from None


def to_backup_error(error: ValidationError) -> InvalidParameterValueException | MissingParameterValueException:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or error.title
    if first["type"] == "missing":
        return MissingParameterValueException(f"Missing required parameter: {location}")
    message = str(first["msg"]).removeprefix("Value error, ")
    return InvalidParameterValueException(f"Invalid value for {location}: {message}")
