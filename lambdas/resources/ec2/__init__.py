"""EC2 instances: adapter.py backs them up and restores them; spec.py says what the type is."""
