"""Serving settings (env prefix `PM_`), built once per process at the edge: the app factory or the auth hook."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServingSettings(BaseSettings):
    """What the routes, the auth hook and the Slack bot need; graph settings stay in `graphs.settings.Settings`."""

    model_config = SettingsConfigDict(env_prefix="PM_", extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    api_url: str = Field("http://127.0.0.1:2026", description="This server's own URL: our routes start runs there.")
    service_token: SecretStr | None = Field(
        None, description="Shared by the instances: lets our routes act for a tenant on the LangGraph API."
    )
    graph_id: str = "investigation"
    dedup_ttl_seconds: int = Field(6 * 3600, ge=60, description="How long an alert fingerprint stays attached.")
    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_api_url: str = Field("https://slack.com/api/", description="A stand-in's URL in tests.")
    slack_tenant: str = Field("default", description="The tenant that Slack-started investigations belong to.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies answer 413, on every route.")
    max_json_depth: int = Field(64, ge=4, description="JSON bodies nested deeper answer 422, on every route.")
    webhook_max_skew_seconds: int = Field(
        300, ge=30, description="A signed webhook timestamp further than this from now answers 401."
    )

    auto_redrive: bool = Field(
        True,
        description="Re-drive served dead letters whose error is transient infrastructure (PM_AUTO_REDRIVE=0: off).",
    )
    redrive_max: int = Field(6, ge=0, description="Automatic re-drives per dead letter before an operator's turn.")
    redrive_backoff_seconds: float = Field(5.0, gt=0, description="Wait before the first automatic re-drive; doubles.")
    redrive_backoff_max_seconds: float = Field(120.0, gt=0, description="The longest wait between automatic re-drives.")
    redrive_interval_seconds: float = Field(5.0, gt=0, description="How often each instance looks at the letters.")


@lru_cache(maxsize=1)
def serving_settings() -> ServingSettings:
    """The process's settings, read from the environment once."""
    return ServingSettings()
