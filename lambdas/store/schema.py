"""The table's key schema, shared with the CDK stack and the local bootstrap (they import it from here,
because the Lambda package must ship without them)."""

TABLE_PARTITION_KEY = "PK"
TABLE_SORT_KEY = "SK"
TABLE_INDEXES: dict[str, tuple[str, str]] = {
    # by vault: recovery points of a vault, by creation time
    "GSI1": ("GSI1PK", "GSI1SK"),
    # by resource: recovery points and jobs of one protected resource
    "GSI2": ("GSI2PK", "GSI2SK"),
    # by status and time, sparse: open jobs to track, points waiting for their move to cold storage or deletion
    "GSI3": ("GSI3PK", "GSI3SK"),
}

# Every deployment names its catalog table this way, so a copy job finds the destination deployment's
# catalog in another Region or account (the stack and the local bootstrap both use it).
CATALOG_TABLE_NAME = "strongroom"
