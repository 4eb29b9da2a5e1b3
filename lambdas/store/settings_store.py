"""Region and global settings: one item each (PK SETTINGS)."""

from __future__ import annotations

from lambdas.domain.settings import GlobalSettings, RegionSettings
from lambdas.store.codec import from_item, to_item
from lambdas.store.table import Table

_PK = "SETTINGS"


class SettingsStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def region(self) -> RegionSettings:
        item = self._table.get(_PK, "REGION")
        return from_item(RegionSettings, item) if item else RegionSettings()

    def save_region(self, settings: RegionSettings) -> None:
        self._table.put(to_item(_PK, "REGION", settings))

    def global_settings(self) -> GlobalSettings:
        item = self._table.get(_PK, "GLOBAL")
        return from_item(GlobalSettings, item) if item else GlobalSettings()

    def save_global(self, settings: GlobalSettings) -> None:
        self._table.put(to_item(_PK, "GLOBAL", settings))
