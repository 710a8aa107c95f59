"""Tiers and the models behind them: `analyst` (the engine), an injected model, or an init_chat_model spec."""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from langchain_core.language_models import BaseChatModel

from agents.router.redaction import redact_text
from graphs.settings import Settings

Tier = Literal["fast", "balanced", "deep"]
TIERS: tuple[Tier, ...] = ("fast", "balanced", "deep")
ANALYST = "analyst"


@dataclass(frozen=True, slots=True)
class Provider:
    """What a provider prefix needs: its integration package, chat class, API key variable and pip extra."""

    module: str
    chat_class: str
    key_env: str | None
    extra: str


PROVIDERS: dict[str, Provider] = {
    "anthropic": Provider("langchain_anthropic", "ChatAnthropic", "ANTHROPIC_API_KEY", "anthropic"),
    "openai": Provider("langchain_openai", "ChatOpenAI", "OPENAI_API_KEY", "openai"),
    "ollama": Provider("langchain_ollama", "ChatOllama", None, "ollama"),
}


class ModelFactory(Protocol):
    """Builds a chat model from a spec; tests and embedders pass one in `NodeServices.extras["model_factory"]`."""

    def __call__(self, spec: str) -> BaseChatModel: ...


@dataclass(frozen=True, slots=True)
class TierModel:
    """What a tier resolves to for one node: the engine, a chat model, or nothing (with the reason)."""

    tier: Tier
    spec: str
    model: BaseChatModel | None = None
    unavailable: str | None = None

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def is_engine(self) -> bool:
        return self.spec == ANALYST


def next_tier(tier: Tier) -> Tier | None:
    index = TIERS.index(tier)
    return TIERS[index + 1] if index + 1 < len(TIERS) else None


def tier_spec(settings: Settings, tier: Tier, node: str) -> str | None:
    """The configured spec: a per-node override first, then the tier's; fast is the engine unless set."""
    override = settings.node_tiers.get(node, {}).get(tier)
    if override:
        return override
    spec = settings.tiers.get(tier)
    if spec:
        return spec
    return ANALYST if tier == "fast" else None


def resolve_tier(
    settings: Settings,
    tier: Tier,
    node: str,
    *,
    injected: dict[str, Any] | None = None,
    factory: ModelFactory | None = None,
) -> TierModel:
    """Resolve a tier for a node. Never raises: a missing package, key or spec makes the tier unavailable."""
    injected = injected or {}
    model = injected.get(f"{node}.{tier}") or injected.get(tier)
    spec = tier_spec(settings, tier, node)
    if isinstance(model, BaseChatModel):
        return TierModel(tier, spec if spec and spec != ANALYST else _label(model), model)
    if spec is None:
        return TierModel(tier, "unset", unavailable=f"tier {tier} is unavailable: no model configured (tiers.{tier})")
    if spec == ANALYST:
        return TierModel(tier, spec)
    if factory is not None:
        try:
            return TierModel(tier, spec, factory(spec))
        except Exception as exc:  # a factory is user code: any failure means "unavailable", never a crash
            return TierModel(tier, spec, unavailable=f"tier {tier} is unavailable: {spec}: {_one_line(exc)}")
    return _from_spec(tier, spec)


def _from_spec(tier: Tier, spec: str) -> TierModel:
    provider_name, _, model_name = spec.partition(":")
    provider = PROVIDERS.get(provider_name)
    if provider is None or not model_name:
        known = ", ".join(f"{p}:<model>" for p in PROVIDERS)
        return TierModel(tier, spec, unavailable=f"tier {tier} is unavailable: spec {spec!r} is not one of {known}")
    if importlib.util.find_spec(provider.module) is None:
        return TierModel(
            tier,
            spec,
            unavailable=f"tier {tier} is unavailable: {provider.module} is not installed "
            f"(pip install 'production-master[{provider.extra}]')",
        )
    if provider.key_env and not os.environ.get(provider.key_env):
        return TierModel(tier, spec, unavailable=f"tier {tier} is unavailable: {provider.key_env} is not set")
    try:
        return TierModel(tier, spec, _build(provider, provider_name, model_name))
    except Exception as exc:  # provider constructors raise many kinds of errors; all mean "unavailable"
        return TierModel(tier, spec, unavailable=f"tier {tier} is unavailable: {spec}: {_one_line(exc)}")


def _build(provider: Provider, provider_name: str, model_name: str) -> BaseChatModel:
    if importlib.util.find_spec("langchain") is not None:
        from langchain.chat_models import init_chat_model

        return init_chat_model(model_name, model_provider=provider_name)
    chat_class = getattr(importlib.import_module(provider.module), provider.chat_class)
    return chat_class(model=model_name)


def _label(model: BaseChatModel) -> str:
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return f"{model._llm_type}:{name}" if isinstance(name, str) else model._llm_type


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact_text(f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__)
