"""Every module that registers operations. A new module is added here."""

from lambdas.api.operations import (
    account,  # noqa: F401
    copies,  # noqa: F401
    frameworks,  # noqa: F401
    jobs,  # noqa: F401
    legal_holds,  # noqa: F401
    plans,  # noqa: F401
    recovery_points,  # noqa: F401
    report_plans,  # noqa: F401
    restore_testing,  # noqa: F401
    selections,  # noqa: F401
    tags,  # noqa: F401
    vaults,  # noqa: F401
)
