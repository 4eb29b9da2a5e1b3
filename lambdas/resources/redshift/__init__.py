"""Amazon Redshift provisioned clusters: adapter.py backs them up and restores them; spec.py says what the type is."""
