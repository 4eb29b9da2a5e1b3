"""EFS file systems (moved from lambdas/resources/efs.py; split next)."""

from lambdas.resources.efs.adapter import *  # noqa: F403
