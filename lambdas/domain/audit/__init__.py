"""Backup Audit Manager: frameworks of controls, their evaluation over a snapshot of facts, and reports."""
