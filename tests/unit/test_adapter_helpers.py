"""The helpers every adapter shares (lambdas/resources/paging.py, snapshot_engine.unless_gone and refused_as, the
RDS family's call tables): each written once, so each is proven once here, on fakes and on botocore's own models."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.paging import filtered, listed
from lambdas.resources.rds.adapter import INSTANCES
from lambdas.resources.rds_family.clusters import CLUSTERS
from lambdas.resources.snapshot_engine import refused_as, unless_gone


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} said the service"}}, "AnyOperation")


def test_given_a_listing_of_three_pages_when_listed_then_each_token_is_passed_on_and_every_item_comes_once() -> None:
    # Given a service answering three pages, each with the token of the next but the last
    pages = {None: (["a", "b"], "t1"), "t1": (["c"], "t2"), "t2": (["d"], None)}
    asked: list[dict[str, Any]] = []

    def list_things(**request: Any) -> dict[str, Any]:
        asked.append(dict(request))
        items, token = pages[request.get("Marker")]
        return {"Things": items, "Marker": token} if token else {"Things": items}

    # When it is listed
    things = list(listed(list_things, "Things", "Marker", GatewayARN="gw"))
    # Then every item comes once, in order, each request keeping its parameters and carrying the last token
    assert things == ["a", "b", "c", "d"]
    assert asked == [{"GatewayARN": "gw"}, {"GatewayARN": "gw", "Marker": "t1"}, {"GatewayARN": "gw", "Marker": "t2"}]


class _Paginator:
    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self.calls = calls

    def paginate(self, **request: Any) -> list[dict[str, Any]]:
        self.calls.append(request)
        return [{"Items": [{"Id": value} for value in request["Filters"][0]["Values"]]}]


class _Client:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def get_paginator(self, operation: str) -> _Paginator:
        assert operation == "describe_things"
        return _Paginator(self.calls)


def test_given_more_ids_than_a_filter_takes_when_described_then_they_are_asked_for_in_calls_of_at_most_that_many() -> (
    None
):
    # Given 250 ids and a service whose filter takes 100 values
    client, ids = _Client(), [f"id-{n:03}" for n in range(250)]
    # When they are described
    found = list(filtered(client, "describe_things", "Items", "thing-id", ids, 100, Owners=["self"]))
    # Then three calls ask for 100, 100 and 50 of them, each with the request's own parameters, and all are found
    assert [len(call["Filters"][0]["Values"]) for call in client.calls] == [100, 100, 50]
    assert all(call["Owners"] == ["self"] and call["Filters"][0]["Name"] == "thing-id" for call in client.calls)
    assert [item["Id"] for item in found] == ids


def test_given_a_describe_when_the_service_says_no_such_thing_then_it_is_none_and_any_other_error_goes_on() -> None:
    def gone() -> dict[str, Any]:
        raise _error("DBClusterNotFoundFault")

    def throttled() -> dict[str, Any]:
        raise _error("Throttling")

    # Given the codes that mean "no such cluster", then only those read as None
    assert unless_gone(lambda: {"Id": "c1"}, ("DBClusterNotFoundFault",)) == {"Id": "c1"}
    assert unless_gone(gone, ("DBClusterNotFoundFault",)) is None
    with pytest.raises(ClientError, match="Throttling"):
        unless_gone(throttled, ("DBClusterNotFoundFault",))


def test_given_a_refusal_the_user_can_fix_when_the_service_answers_it_then_it_is_the_users_error_and_others_go_on() -> (
    None
):
    def refusal(error: ClientError) -> InvalidParameterValueException:
        return InvalidParameterValueException(f"choose another name ({error.response['Error']['Message']})")

    # Given a name already in use, then the user is told what to change
    in_use = pytest.raises(InvalidParameterValueException, match="choose another name")
    with in_use, refused_as(("ClusterAlreadyExists",), refusal):
        raise _error("ClusterAlreadyExists")
    # And a fault of the service is not disguised as the user's
    with pytest.raises(ClientError, match="InternalFailure"), refused_as(("ClusterAlreadyExists",), refusal):
        raise _error("InternalFailure")


@pytest.mark.parametrize("calls", [INSTANCES, CLUSTERS], ids=["instances", "clusters"])
def test_the_rds_family_call_tables_name_calls_parameters_and_errors_that_rds_has(calls: Any) -> None:
    # Given the call tables derived from the RDS API's naming scheme (rds_family/adapter.py family_calls)
    model = botocore.session.get_session().get_service_model("rds")
    operations = {model.operation_model(name).name: model.operation_model(name) for name in model.operation_names}
    by_method = {botocore.xform_name(name): operation for name, operation in operations.items()}
    snapshots = calls.snapshots

    def members(method: str) -> set[str]:
        assert method in by_method, f"RDS has no {method}"
        return set(by_method[method].input_shape.members)

    def output(method: str) -> set[str]:
        return set(by_method[method].output_shape.members)

    # Then every call they make exists, with the parameters they pass and the answers they read
    assert {calls.id_field, "Filters"} <= members(calls.describe) and calls.listed in output(calls.describe)
    assert {snapshots.describe_id, snapshots.describe_resource} <= members(snapshots.describe)
    assert snapshots.listed in output(snapshots.describe)
    assert {snapshots.create_resource, snapshots.create_id, "Tags"} <= members(snapshots.create)
    assert snapshots.created in output(snapshots.create)
    assert snapshots.delete_id in members(snapshots.delete)
    assert {snapshots.copy_source, snapshots.copy_target, "KmsKeyId"} <= members(snapshots.copy)
    assert {snapshots.describe_id, "AttributeName", "ValuesToAdd"} <= members(snapshots.share)
    # And the error codes they tell apart are RDS's own (each modeled as <Code>Fault or <Code>)
    modeled = {error.error_code for operation in operations.values() for error in operation.error_shapes}
    for code in (*snapshots.snapshot_gone, *snapshots.already_exists, *calls.not_found, *calls.already_exists):
        assert code in modeled or f"{code}Fault" in modeled or code.removesuffix("Fault") in modeled, code
