"""Build and synthesize the CDK app; shared by app.py and the tests.

Offline by design: no AWS credentials, no Docker, no `env` (the stack is environment-agnostic).
cdk-nag's AWS Solutions checks always run: an unacknowledged finding makes the synth fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations, cx_api
from cdk_nag import AwsSolutionsChecks

from infrastructure import names
from infrastructure.stack import StrongroomStack


def project_context() -> dict[str, Any]:
    """The `context` of cdk.json, so `python app.py` and the tests see what `cdk synth` sees."""
    if not names.CDK_JSON.exists():
        return {}
    return dict(json.loads(names.CDK_JSON.read_text(encoding="utf-8")).get("context", {}))


def build_app(context: Mapping[str, Any] | None = None, *, outdir: str | None = None) -> tuple[App, StrongroomStack]:
    """The app with its one stack, checked by cdk-nag at synth.

    Context given here overrides cdk.json's; context from the CDK CLI (`-c key=value`) overrides both.
    """
    app = App(context={**project_context(), **(context or {})}, outdir=outdir)
    stack = StrongroomStack(app, names.STACK_ID, description=names.STACK_DESCRIPTION)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack


def synthesize(context: Mapping[str, Any] | None = None, *, outdir: str | None = None) -> cx_api.CloudAssembly:
    """Synthesize the app into `outdir` (a temporary directory by default) and return the assembly."""
    app, _ = build_app(context, outdir=outdir)
    return app.synth()


def synthesize_template(context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The CloudFormation template of the Strongroom stack, as a dict.

    Easy reads: each `AWS::Lambda::Function`'s `Handler` and `Environment.Variables` (keys);
    the `AWS::DynamoDB::Table`'s `KeySchema` and `GlobalSecondaryIndexes`; the
    `AWS::StepFunctions::StateMachine`'s `DefinitionString` (the ASL file's text, verbatim) and
    `DefinitionSubstitutions`; each `AWS::Scheduler::Schedule`'s `Name`, `ScheduleExpression` and
    `Target.Input` (a JSON string).
    """
    return stack_template(synthesize(context))


def stack_template(assembly: cx_api.CloudAssembly) -> dict[str, Any]:
    """The Strongroom stack's template out of a synthesized assembly."""
    return dict(assembly.get_stack_by_name(names.STACK_ID).template)
