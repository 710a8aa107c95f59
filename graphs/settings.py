"""One Settings object, built at the edge (CLI, app factory, eval runner) and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource


class Settings(BaseSettings):
    """Everything configurable; env prefix `PM_`, optional YAML file named by `PM_CONFIG_FILE`."""

    model_config = SettingsConfigDict(env_prefix="PM_", env_nested_delimiter="__", extra="ignore")

    config_file: Path | None = Field(None, description="YAML file with any of these settings.")
    home: Path = Field(Path(".production-master"), description="Where checkpoints, memory and audit files live.")
    env: str = Field("development", description="Environment name; selects routing-table overlays.")
    tenant: str = "default"

    # the world that internal MCP servers serve, and its options (data_dir, system, ...)
    world: str = "demo"
    world_options: dict[str, str] = Field(default_factory=dict)

    # graph policy
    max_iterations: int = Field(3, ge=1, le=10)
    confirm_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="Policy: the least confidence to confirm (the fitted model's own rule too)."
    )
    model_params: Path | None = Field(
        None, description="The fitted model's params.json; the checked-in one (agents/analysis/model) if unset."
    )

    # investigation windows (minutes): runtime telemetry before the alert, changes before it, after it
    runtime_lookback_minutes: int = Field(10, ge=1, description="The investigated window before the alert.")
    release_lookback_minutes: int = Field(180, ge=1, description="How far back changes are collected.")
    after_alert_minutes: int = Field(0, ge=0)
    baseline_minutes: int = Field(60, ge=1, description="Metrics baseline: the quiet period before the window.")
    reference_shift_minutes: int = Field(24 * 60, ge=1, description="Logs and traces reference: one day earlier ...")
    reference_half_width_minutes: int = Field(12 * 60, ge=1, description="... over this much either side.")
    approvals: Literal["interrupt", "skip"] = Field("interrupt", description="Wait for a human on proposed actions.")

    # audit trail: hash-chained events per investigation (JSONL files under home, or a Redis stream)
    audit: Literal["jsonl", "redis", "off"] = "jsonl"

    # governed feedback: who may verify a report's root cause (their verdicts enter incident memory)
    feedback_verifiers: list[str] = Field(default_factory=list)

    # checkpoints
    checkpointer: Literal["sqlite", "memory", "redis"] = "sqlite"
    redis_url: str = "redis://127.0.0.1:6379/0"
    checkpoint_ttl_minutes: int | None = Field(7 * 24 * 60, description="TTL of finished threads in Redis.")

    # incident memory and dependency graph: embedded defaults, servers when configured
    incident_memory: Literal["embedded", "weaviate"] = "embedded"
    weaviate_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080 (gRPC on port 50051).")
    dependency_graph: Literal["embedded", "neo4j"] = "embedded"
    neo4j_uri: str | None = Field(None, description="e.g. bolt://127.0.0.1:7687")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    embedder: str = Field("auto", description="auto (e5 when installed, else hashing), e5 or hashing.")

    # model router: each tier is `analyst` (the engine, free) or an init_chat_model spec such as "anthropic:claude-..."
    tier: Literal["fast", "balanced", "deep"] = Field("fast", description="The tier an investigation starts at.")
    tiers: dict[Literal["fast", "balanced", "deep"], str] = Field(default_factory=lambda: {"fast": "analyst"})
    node_tiers: dict[str, dict[Literal["fast", "balanced", "deep"], str]] = Field(
        default_factory=dict, description="Per-node overrides, e.g. {verifier: {deep: 'anthropic:...'}}."
    )
    tier_thresholds: dict[Literal["fast", "balanced", "deep"], float] = Field(
        default_factory=dict,
        description="Escalate below this confidence even when confirmed; confirm_threshold if unset.",
    )
    budget_usd: float = Field(1.0, ge=0.0, description="Model spend allowed per investigation.")
    budget_tokens: int = Field(200_000, ge=0, description="Model tokens (in + out) allowed per investigation.")
    budget_seconds: float | None = Field(None, gt=0, description="Wall time after which no model is granted.")
    budget_model_calls: int = Field(12, ge=0, description="Model calls allowed per investigation.")
    model_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="USD per million (input, output) tokens, by model spec."
    )
    unknown_model_price: tuple[float, float] = Field(
        (15.0, 75.0), description="Price assumed for a model missing from model_prices (high, so budgets still bite)."
    )
    model_timeout_seconds: float = Field(60.0, gt=0)
    digest_max_chars: int = Field(16_000, ge=1_000, description="Size budget of the evidence digest a model sees.")

    # gateway
    routing_table: Path | None = Field(None, description="Routing table YAML; the bundled one when unset.")
    mcp_servers_file: Path | None = Field(None, description="An mcpServers JSON file of external providers.")
    redact_patterns: list[str] = Field(
        default_factory=list, description="Extra regexes redacted from tool output before it enters state."
    )
    gateway_state: Literal["local", "redis"] = Field(
        "local", description="Rate-limit buckets and breaker state: in this process, or shared in Redis (redis_url)."
    )

    # once-only side effects (publishing the report): a SQLite file under home, or Redis shared by instances
    effects_store: Literal["local", "redis"] = "local"
    # investigations that failed for good: a SQLite file under home, or a Redis hash shared by instances
    dead_letters: Literal["local", "redis"] = "local"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file(init_settings(), env_settings())
        if config_file is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
        return tuple(sources)

    @property
    def checkpoint_path(self) -> Path:
        return self.home / "checkpoints.sqlite"


def _config_file(*layers: dict[str, Any]) -> Path | None:
    for layer in layers:
        value = layer.get("config_file")
        if value:
            return Path(value)
    return None
