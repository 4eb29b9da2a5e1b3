"""FSx on the local runtime: moto's FSx, with what it lacks filled in (MotoFsxGaps), answers at the edge to users'
clients and Strongroom's alike. FSx's spec names this module (lambdas/resources/fsx/spec.py, local_emulation);
local/type_stand_ins.py installs it."""

from __future__ import annotations

from typing import Any

from local.fakes.fsx.responses import MotoFsxGaps
from local.stand_in_services import JsonStandIn
from local.type_stand_ins import StandInHost, Undo


def install(host: StandInHost) -> Undo:
    clients: dict[str, Any] = {}  # one per Region, made on first use

    def fsx_for(region: str) -> Any:
        if region not in clients:
            clients[region] = MotoFsxGaps(host.moto_client("fsx", region))
        return clients[region]

    host.stand_ins["fsx"] = JsonStandIn(fsx_for, host.region)

    def undo() -> None:
        host.stand_ins.pop("fsx", None)

    return undo
