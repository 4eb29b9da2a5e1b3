"""The Api ships botocore's `backup` model with its code (lambdas/api/model/), so the function routes, validates
and names errors as the tests do, whatever botocore the Lambda runtime carries."""

from __future__ import annotations

import json

import botocore.session

from lambdas.api import protocol


def test_the_shipped_model_is_the_tested_botocores_backup_model() -> None:
    # Given the model botocore (pinned in requirements.txt) loads for `backup`
    loader = botocore.session.get_session().get_component("data_loader")
    tested = loader.load_service_model("backup", "service-2")
    # Then the file shipped in the Lambda asset is that very model (after a botocore upgrade, copy it again:
    # gunzip -c <botocore>/data/backup/2018-11-15/service-2.json.gz > lambdas/api/model/backup-2018-11-15.json)
    assert json.loads(protocol.MODEL_PATH.read_text(encoding="utf-8")) == tested


def test_the_api_reads_the_shipped_model_not_the_runtimes() -> None:
    # Given the Api's service model
    model = protocol.service_model()
    # Then it is the shipped file's, with every operation of the API version it names
    shipped = json.loads(protocol.MODEL_PATH.read_text(encoding="utf-8"))
    assert model.api_version == "2018-11-15" == shipped["metadata"]["apiVersion"]
    assert sorted(model.operation_names) == sorted(shipped["operations"])
