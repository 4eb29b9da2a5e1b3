"""Aurora clusters: backed up by the RDS family's cluster adapter (rds_family/clusters.py); spec.py
says what the type is."""
