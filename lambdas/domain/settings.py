"""Account settings: which resource types a Region backs up (opt-in), and the account's global settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RegionSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    ResourceTypeOptInPreference: dict[str, bool] = Field(default_factory=dict)
    ResourceTypeManagementPreference: dict[str, bool] = Field(default_factory=dict)

    def with_defaults(self, supported: list[str]) -> RegionSettings:
        """Every supported type appears, opted in unless the account said otherwise (AWS's default for the
        types Strongroom supports)."""
        return self.model_copy(
            update={
                "ResourceTypeOptInPreference": {t: self.ResourceTypeOptInPreference.get(t, True) for t in supported}
            }
        )

    def opted_out(self) -> frozenset[str]:
        return frozenset(t for t, on in self.ResourceTypeOptInPreference.items() if not on)


class GlobalSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    GlobalSettings: dict[str, str] = Field(
        default_factory=lambda: {"isCrossAccountBackupEnabled": "false", "isMpaEnabled": "false"}
    )
