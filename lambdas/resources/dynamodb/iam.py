"""The IAM the DynamoDB adapter's calls need, job by job: a recovery point is an on-demand table backup
(CreateBackup); a restore is a new table (RestoreTableFromBackup)."""

from __future__ import annotations

from lambdas.resources.grants import RESTORED_MARK, arn, describe, key_grants, use_keys
from lambdas.resources.spec import Grant

TABLES = arn("dynamodb", "table/*")
TABLE_BACKUPS = arn("dynamodb", "table/*/backup/*")

DESCRIBE_BACKUPS = Grant("DescribeTableBackups", ("dynamodb:DescribeBackup",), (TABLE_BACKUPS,))
DESCRIBE_TARGETS = Grant("DescribeTargetTables", ("dynamodb:DescribeTable",), (TABLES,))
LIST = describe("DynamoDb", "dynamodb", "ListTables", "ListBackups")
KEYS = (
    use_keys("DynamoDb", "dynamodb", "Decrypt", "GenerateDataKey*", "DescribeKey"),
    *key_grants("DynamoDb", "dynamodb"),
)
# RestoreTableFromBackup also needs the item-level actions on the table it creates.
_RESTORE_TABLE_ITEM_ACTIONS = tuple(
    f"dynamodb:{action}"
    for action in ("BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query", "Scan", "UpdateItem")
)

RESTORED_TABLES = arn("dynamodb", f"table/{RESTORED_MARK}")

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (
        LIST,
        Grant(
            "BackUpTables",
            ("dynamodb:CreateBackup", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"),
            (TABLES,),
        ),
        DESCRIBE_BACKUPS,
        *KEYS,
    ),
    "track_backup": (
        DESCRIBE_BACKUPS,
        # A completed backup's table, when its backup did not describe it (describe_many).
        Grant("DescribeBackedUpTables", ("dynamodb:DescribeTable",), (TABLES,)),
    ),
    "delete_backup": (
        Grant("DeleteTableBackups", ("dynamodb:DeleteBackup", "dynamodb:DescribeBackup"), (TABLE_BACKUPS,)),
    ),
    "check_restore": (DESCRIBE_TARGETS,),
    "start_restore": (
        Grant("RestoreTablesFromBackups", ("dynamodb:RestoreTableFromBackup",), (TABLES, TABLE_BACKUPS)),
        Grant("WriteRestoredTables", _RESTORE_TABLE_ITEM_ACTIONS, (TABLES,)),
        DESCRIBE_TARGETS,
        DESCRIBE_BACKUPS,
        *KEYS,
    ),
    "poll_restore": (DESCRIBE_TARGETS,),
    "catalog": (
        LIST,
        Grant("ReadTables", ("dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"), (TABLES,)),
        DESCRIBE_BACKUPS,
    ),
    # Restore testing (validation.py): the record is a consistent Scan of the source, the check one of the copy.
    "record_restore_test": (
        Grant("ReadTablesForRestoreTests", ("dynamodb:Scan", "dynamodb:DescribeTable"), (TABLES,)),
    ),
    "test_restore": (
        Grant("CheckRestoredTables", ("dynamodb:Scan", "dynamodb:DescribeTable"), (RESTORED_TABLES,)),
        Grant("DeleteRestoredTables", ("dynamodb:DeleteTable",), (RESTORED_TABLES,)),
    ),
}
