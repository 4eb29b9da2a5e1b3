"""Restore testing: plans, selections, and the pure choices a run makes."""
