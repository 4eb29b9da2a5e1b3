"""FSx: moto's own, with what moto lacks filled in (CreateFileSystemFromBackup, CopyBackup, backups AVAILABLE,
file systems' Lifecycle): the answers (responses.py), the records moto does not keep (models.py), FSx's errors
(exceptions.py)."""

from local.fakes.fsx.responses import MotoFsxGaps

__all__ = ["MotoFsxGaps"]
