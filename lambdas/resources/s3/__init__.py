"""S3 buckets on the copy-into-vault engine (lambdas/resources/vault_copy): adapter.py backs them up and restores
them (listing.py, moving.py, restore_plan.py, state.py under it); spec.py says what the type is."""
