"""Synth contexts that more than one test file reads the stack under (synthesized once, in conftest.py)."""

COPY_SOURCES = ["111111111111", "222222222222"]
