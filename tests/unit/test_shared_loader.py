"""The local runtime's sessions share one botocore loader (local/shared_loader.py): service models are parsed once
per process, while each session keeps its own credentials and Region."""

from __future__ import annotations

from local import shared_loader


def test_two_sessions_share_the_parsed_models_but_not_their_credentials() -> None:
    # Given two sessions made one after the other, with different credentials and Regions
    first = shared_loader.session("key-1", "secret-1", "us-east-1")
    second = shared_loader.session("key-2", "secret-2", "eu-west-1")
    # Then they read service models through the same loader (its cache holds what either parsed)
    assert first._session.get_component("data_loader") is second._session.get_component("data_loader")
    # And boto3's data folder is searched once, however many sessions were made
    paths = second._session.get_component("data_loader").search_paths
    assert len(paths) == len(set(paths))
    # And each session signs with its own credentials in its own Region
    assert first.get_credentials().access_key == "key-1"
    assert second.get_credentials().access_key == "key-2"
    assert second.client("sqs", endpoint_url="http://127.0.0.1:1").meta.region_name == "eu-west-1"
