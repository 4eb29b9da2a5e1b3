"""StartCopyJob. (DescribeCopyJob, ListCopyJobs and ListCopyJobSummaries are the shared job operations of
jobs.py, registered for the copy kind.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.services import copy_service
from lambdas.services.context import ServiceContext


@operation("StartCopyJob")
def start_copy_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = copy_service.start_copy_job(ctx, request, now)
    return {"CopyJobId": job.CopyJobId, "CreationDate": job.CreationDate, "IsParent": False}
