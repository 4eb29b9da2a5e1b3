"""The deploy-time hook answers CloudFormation on every path: an unanswered custom resource request hangs the
deploy for an hour, so a failure is reported (FAILED with the reason), never only logged."""

from __future__ import annotations

import json
from typing import Any

from lambdas.handlers.custom_resource import CustomResourceRequest, answer, is_custom_resource_request


def request(kind: str, physical_id: str | None = None) -> CustomResourceRequest:
    return CustomResourceRequest(
        RequestType=kind,  # type: ignore[arg-type]
        ResponseURL="https://answers.example/presigned",
        StackId="arn:aws:cloudformation:eu-west-1:111111111111:stack/Strongroom/1",
        RequestId="r-1",
        LogicalResourceId="Hook",
        PhysicalResourceId=physical_id,
    )


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes) -> None:
        self.sent.append(json.loads(body))


def test_a_failing_step_is_reported_failed_with_its_reason() -> None:
    # Given a deploy-time step that fails
    def broken() -> dict[str, Any]:
        raise RuntimeError("AccessDenied on scheduler:CreateSchedule")

    send = Recorder()
    # When CloudFormation creates the resource
    answer(request("Create"), "hook", broken, send=send)
    # Then CloudFormation hears FAILED, with the reason, once
    (sent,) = send.sent
    assert sent["Status"] == "FAILED"
    assert "AccessDenied on scheduler:CreateSchedule" in sent["Reason"]
    assert sent["PhysicalResourceId"] == "hook"


def test_delete_runs_nothing_and_keeps_the_physical_id() -> None:
    # Given the stack being deleted: its group goes with it, there is nothing to reconcile
    ran: list[bool] = []
    send = Recorder()
    answer(request("Delete", physical_id="hook-1"), "hook", lambda: ran.append(True) or {}, send=send)
    # Then the step did not run, and the answer names the same physical resource (a new id would be a replacement)
    assert ran == []
    assert send.sent[0]["Status"] == "SUCCESS" and send.sent[0]["PhysicalResourceId"] == "hook-1"


def test_only_cloudformation_requests_are_taken_for_them() -> None:
    assert is_custom_resource_request({"RequestType": "Create", "ResponseURL": "https://x"})
    assert not is_custom_resource_request({"scheduled_time": "2026-12-03T10:00:00Z"})
