"""The emulator's scale patches (local/dynamodb_gaps.py, local/ec2_gaps.py) change what moto's calls cost, never
what they answer. DynamoDB: a failed transaction puts back every key it touched, and only those. EC2: tags,
describes by id and filters answer exactly what moto answers without the patch (each story asks both ways)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.builders import ACCOUNT, REGION

TABLE = "catalog"


def _answer(call: Callable[[], Any]) -> Any:
    """A call's answer without its request metadata, or its error's code and message."""
    try:
        answer = call()
    except ClientError as error:
        return ("error", error.response["Error"]["Code"], error.response["Error"]["Message"])
    answer.pop("ResponseMetadata", None)
    return answer


def _with_and_without(install: Callable[[], Callable[[], None]], call: Callable[[], Any]) -> tuple[Any, Any]:
    undo = install()
    try:
        patched = _answer(call)
    finally:
        undo()
    return patched, _answer(call)


# --- DynamoDB transactions ------------------------------------------------------------------------------------


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    from local import dynamodb_gaps
    from local.bootstrap import table_definition

    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**table_definition(TABLE))
    undo = dynamodb_gaps.PATCHES.apply()
    yield client
    undo()


def _item(pk: str, state: str, **extra: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": "S"}, "State": {"S": state}, **{k: {"S": v} for k, v in extra.items()}}


def _put(item: dict[str, Any], condition: str | None = None, **expression: dict[str, Any]) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": TABLE, "Item": item}
    if condition:
        put["ConditionExpression"] = condition
    put.update({f"ExpressionAttribute{kind}": value for kind, value in expression.items()})
    return {"Put": put}


def _state(client: Any, pk: str) -> str | None:
    item = client.get_item(TableName=TABLE, Key={"PK": {"S": pk}, "SK": {"S": "S"}}, ConsistentRead=True)
    return item["Item"]["State"]["S"] if "Item" in item else None


def _all(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=TABLE, ConsistentRead=True)["Items"], key=lambda item: item["PK"]["S"])


def test_given_a_failing_condition_when_a_transaction_is_written_then_every_key_it_touched_is_as_before(
    dynamodb: Any,
) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_item("A", "OLD"))
    dynamodb.put_item(TableName=TABLE, Item=_item("C", "RUNNING"))
    dynamodb.put_item(TableName=TABLE, Item=_item("Z", "UNTOUCHED"))
    before = _all(dynamodb)

    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                _put(_item("A", "NEW")),  # overwrites an item
                _put(_item("B", "NEW")),  # adds one, to a partition that did not exist
                # fails: C is RUNNING
                _put(_item("C", "COMPLETED"), "#s = :s", Names={"#s": "State"}, Values={":s": {"S": "CREATED"}}),
            ]
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert _all(dynamodb) == before
    in_b = dynamodb.query(
        TableName=TABLE, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "B"}}
    )
    assert in_b["Items"] == []
    from moto.dynamodb.models import dynamodb_backends

    assert {key.value for key in dynamodb_backends[ACCOUNT][REGION].tables[TABLE].items} == {"A", "C", "Z"}


def test_given_an_update_in_a_failed_transaction_when_it_rolls_back_then_the_item_has_its_old_attributes(
    dynamodb: Any,
) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_item("A", "OLD", Note="kept"))
    dynamodb.put_item(TableName=TABLE, Item=_item("C", "RUNNING"))

    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"PK": {"S": "A"}, "SK": {"S": "S"}},
                        "UpdateExpression": "SET #s = :new REMOVE #n",
                        "ExpressionAttributeNames": {"#s": "State", "#n": "Note"},
                        "ExpressionAttributeValues": {":new": {"S": "NEW"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "C"}, "SK": {"S": "S"}}}},
                _put(_item("D", "NEW"), "attribute_exists(PK)"),  # fails: D does not exist
            ]
        )

    assert _all(dynamodb) == [_item("A", "OLD", Note="kept"), _item("C", "RUNNING")]


def test_given_another_writer_during_a_transaction_when_it_rolls_back_then_the_other_write_stays(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto swapped a copy of the whole table back in, which lost writes made meanwhile to other keys."""
    from moto.dynamodb.models import DynamoDBBackend

    original_put = DynamoDBBackend.put_item
    written: list[str] = []

    def put_item(self: Any, table_name: str, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if not written:  # the first write of the transaction: another writer slips in its own
            written.append("other")
            original_put(self, TABLE, _item("OTHER", "WRITTEN MEANWHILE"))
        return original_put(self, table_name, item_attrs, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", put_item)
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[_put(_item("A", "NEW")), _put(_item("B", "NEW"), "attribute_exists(PK)")]
        )

    assert written
    assert _state(dynamodb, "OTHER") == "WRITTEN MEANWHILE"
    assert _state(dynamodb, "A") is None and _state(dynamodb, "B") is None


def test_given_one_key_twice_when_a_transaction_is_written_then_it_is_refused_and_nothing_is_written(
    dynamodb: Any,
) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[_put(_item("A", "ONE")), _put(_item("B", "TWO")), _put(_item("A", "AGAIN"))]
        )

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert _all(dynamodb) == []


def test_given_a_committed_transaction_when_a_later_one_fails_then_the_first_stays(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[_put(_item(f"T{n}", "CREATED")) for n in range(10)])

    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[_put(_item("T1", "OVERWRITTEN")), _put(_item("T2", "X"), "attribute_not_exists(PK)")]
        )

    assert [_state(dynamodb, f"T{n}") for n in range(10)] == ["CREATED"] * 10


def test_given_a_table_without_a_sort_key_when_a_transaction_fails_then_its_keys_are_as_before(
    dynamodb: Any,
) -> None:
    dynamodb.create_table(
        TableName="plain",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="plain", Item={"pk": {"S": "a"}, "v": {"S": "old"}})

    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "plain", "Item": {"pk": {"S": "a"}, "v": {"S": "new"}}}},
                {"Put": {"TableName": "plain", "Item": {"pk": {"S": "b"}, "v": {"S": "new"}}}},
                {"Put": {"TableName": TABLE, "Item": _item("X", "NEW"), "ConditionExpression": "attribute_exists(PK)"}},
            ]
        )

    assert dynamodb.scan(TableName="plain")["Items"] == [{"pk": {"S": "a"}, "v": {"S": "old"}}]


def test_given_items_written_out_of_order_when_scanned_or_queried_then_the_same_items_come_in_the_same_order() -> None:
    """Every Query and Scan starts from moto's Table.all_items, which the patch sorts more cheaply."""
    from local import dynamodb_gaps
    from local.bootstrap import table_definition

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(**table_definition(TABLE))
    dynamodb.create_table(
        TableName="numbers",
        KeySchema=[{"AttributeName": "h", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "h", "AttributeType": "N"},
            {"AttributeName": "r", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in (7, 3, 11, 1, 20, 2, 100, 9):
        for r in ("10", "9", "1.5", "-2"):
            item = {"h": {"N": str(n)}, "r": {"N": r}, "g": {"S": "even" if n % 2 == 0 else "odd"}}
            dynamodb.put_item(TableName="numbers", Item=item)
    for name in ("Z", "a", "B", "b"):
        dynamodb.put_item(TableName=TABLE, Item=_item(name, "S", GSI3PK="open", GSI3SK=name.lower()))
    asks = [
        lambda: dynamodb.scan(TableName="numbers"),
        lambda: dynamodb.scan(TableName=TABLE),
        lambda: dynamodb.query(
            TableName="numbers",
            IndexName="byg",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "odd"}},
            Limit=5,
        ),
        lambda: dynamodb.query(
            TableName="numbers",
            KeyConditionExpression="h = :h AND r > :r",
            ExpressionAttributeValues={":h": {"N": "3"}, ":r": {"N": "1"}},
            ScanIndexForward=False,
        ),
        lambda: dynamodb.query(
            TableName=TABLE,
            IndexName="GSI3",
            KeyConditionExpression="GSI3PK = :p",
            ExpressionAttributeValues={":p": {"S": "open"}},
        ),
    ]
    for ask in asks:
        patched, original = _with_and_without(dynamodb_gaps.PATCHES.apply, ask)
        assert patched == original
    assert [i["h"]["N"] for i in _answer(asks[0])["Items"]][:4] == ["1"] * 4


# --- EC2 --------------------------------------------------------------------------------------------------------


@pytest.fixture
def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def _ec2_gaps() -> Callable[[], None]:
    from local import ec2_gaps

    return ec2_gaps.PATCHES.apply()


def _volumes(ec2: Any, count: int) -> list[str]:
    return [
        ec2.create_volume(
            AvailabilityZone=f"{REGION}a",
            Size=8,
            TagSpecifications=[
                {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": f"v{n}"}, {"Key": "n", "Value": str(n)}]}
            ],
        )["VolumeId"]
        for n in range(count)
    ]


def _snapshots(ec2: Any, volumes: list[str]) -> list[str]:
    return [
        ec2.create_snapshot(
            VolumeId=volume,
            TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "job", "Value": f"job-{n}"}]}],
        )["SnapshotId"]
        for n, volume in enumerate(volumes)
    ]


def test_given_resources_with_tags_when_one_is_described_then_it_carries_its_own_tags_only(ec2: Any) -> None:
    volumes = _volumes(ec2, 5)

    patched, original = _with_and_without(_ec2_gaps, lambda: ec2.describe_volumes(VolumeIds=[volumes[2]]))

    assert patched == original
    assert [v["VolumeId"] for v in patched["Volumes"]] == [volumes[2]]
    assert patched["Volumes"][0]["Tags"] == [{"Key": "Name", "Value": "v2"}, {"Key": "n", "Value": "2"}]


def test_given_ids_one_the_prefix_of_another_when_tags_are_read_by_id_then_only_the_exact_id_answers() -> None:
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[ACCOUNT][REGION]
    backend.create_tags(["vol-abc"], {"k": "short"})
    backend.create_tags(["vol-abcd"], {"k": "long", "other": "x"})

    for filters in ({"resource-id": ["vol-abc"]}, {"resource-id": ["vol-abc*"]}, {"resource-id": ["vol-none"]}):
        patched, original = _with_and_without(_ec2_gaps, lambda f=filters: {"tags": backend.describe_tags(f)})
        assert patched == original
    undo = _ec2_gaps()
    try:
        assert backend.describe_tags({"resource-id": ["vol-abc"]}) == [
            {"resource_id": "vol-abc", "key": "k", "value": "short", "resource_type": "volume"}
        ]
        assert "vol-none" not in backend.tags  # reading absent tags adds no entry
    finally:
        undo()


@pytest.mark.parametrize("pick", [[3], [4, 0, 2], [1, 1], [0, "unknown"]], ids=["one", "several", "twice", "unknown"])
def test_given_volumes_when_described_by_ids_then_exactly_those_in_the_regions_order_or_the_same_error(
    ec2: Any, pick: list[Any]
) -> None:
    volumes = _volumes(ec2, 6)
    ids = [volumes[p] if isinstance(p, int) else "vol-0000000000000000f" for p in pick]

    patched, original = _with_and_without(_ec2_gaps, lambda: ec2.describe_volumes(VolumeIds=ids))

    assert patched == original
    if "unknown" in pick or len(set(ids)) < len(ids):
        assert patched[0] == "error"
    else:
        assert [v["VolumeId"] for v in patched["Volumes"]] == [v for v in volumes if v in ids]


@pytest.mark.parametrize("pick", [[2], [3, 1], [0, "unknown"]], ids=["one", "several", "unknown"])
def test_given_snapshots_when_described_by_ids_then_exactly_those_or_the_same_error(ec2: Any, pick: list[Any]) -> None:
    snapshots = _snapshots(ec2, _volumes(ec2, 4))
    ids = [snapshots[p] if isinstance(p, int) else "snap-0000000000000000f" for p in pick]

    patched, original = _with_and_without(_ec2_gaps, lambda: ec2.describe_snapshots(SnapshotIds=ids))

    assert patched == original
    if "unknown" in pick:
        assert patched[:2] == ("error", "InvalidSnapshot.NotFound")
    else:
        assert sorted(s["SnapshotId"] for s in patched["Snapshots"]) == sorted(ids)


def test_given_snapshots_by_id_with_a_filter_when_described_then_the_filter_still_applies(ec2: Any) -> None:
    snapshots = _snapshots(ec2, _volumes(ec2, 3))

    for values in (["job-1"], ["job-2"]):
        patched, original = _with_and_without(
            _ec2_gaps,
            lambda v=values: ec2.describe_snapshots(
                SnapshotIds=[snapshots[1]], Filters=[{"Name": "tag:job", "Values": v}]
            ),
        )
        assert patched == original
    assert len(patched["Snapshots"]) == 0 and len(original["Snapshots"]) == 0


@pytest.mark.parametrize(
    ("values", "matches"),
    [
        (["job-1", "job-3"], 2),
        (["job-*"], 5),
        (["job-[12]"], 2),
        (["job-?", "job-1"], 5),
        (["JOB-1"], 0),
        (["nothing"], 0),
    ],
    ids=["literals", "star", "range", "question-and-literal", "case", "none"],
)
def test_given_a_tag_filter_with_many_values_when_snapshots_are_listed_then_the_same_snapshots_match(
    ec2: Any, values: list[str], matches: int
) -> None:
    _snapshots(ec2, _volumes(ec2, 5))

    patched, original = _with_and_without(
        _ec2_gaps,
        lambda: ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "tag:job", "Values": values}]),
    )

    assert patched == original
    assert len(patched["Snapshots"]) == matches


def test_given_an_image_when_described_by_id_then_it_alone_answers_and_unknown_or_malformed_ids_fail_the_same(
    ec2: Any,
) -> None:
    image = ec2.register_image(Name="one", RootDeviceName="/dev/xvda")["ImageId"]
    ec2.register_image(Name="two", RootDeviceName="/dev/xvda")

    for ids in ([image], ["ami-00000000000000000"], ["not-an-ami"]):
        patched, original = _with_and_without(_ec2_gaps, lambda i=ids: ec2.describe_images(ImageIds=i))
        assert patched == original
    found, _ = _with_and_without(_ec2_gaps, lambda: ec2.describe_images(ImageIds=[image], Owners=["someone-else"]))
    assert [i["ImageId"] for i in found["Images"]] == [image]  # moto ignores owners when ids are given
