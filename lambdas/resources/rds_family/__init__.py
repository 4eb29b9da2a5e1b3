"""What RDS DB instances and Aurora, DocumentDB and Neptune clusters share: one RDS API, one snapshot model."""
