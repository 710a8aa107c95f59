"""Tier resolution: the engine, injected models, factories and provider specs; a missing piece means unavailable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from router_fakes import scripted
from router_harness import router_settings

from agents.router import ModelRouter, next_tier, resolve_tier, unavailable_tiers
from graphs.settings import Settings

STUB_PROVIDER = """
from langchain_core.language_models.fake_chat_models import FakeListChatModel


class ChatOpenAI(FakeListChatModel):
    model: str
    responses: list = ["ok"]
"""


def test_fast_is_the_engine_by_default_and_higher_tiers_are_unset() -> None:
    settings = Settings()
    fast = resolve_tier(settings, "fast", "hypothesis")
    assert fast.available and fast.is_engine and fast.model is None
    balanced = resolve_tier(settings, "balanced", "hypothesis")
    assert not balanced.available
    assert balanced.unavailable == "tier balanced is unavailable: no model configured (tiers.balanced)"
    assert [next_tier("fast"), next_tier("balanced"), next_tier("deep")] == ["balanced", "deep", None]


def test_a_missing_provider_package_is_one_line_naming_the_extra() -> None:
    resolved = resolve_tier(Settings(tiers={"deep": "anthropic:claude-x"}), "deep", "hypothesis")
    assert resolved.unavailable == (
        "tier deep is unavailable: langchain_anthropic is not installed (pip install 'production-master[anthropic]')"
    )


def test_a_spec_of_no_known_provider_is_unavailable() -> None:
    resolved = resolve_tier(Settings(tiers={"balanced": "acme-gpt"}), "balanced", "hypothesis")
    assert resolved.unavailable is not None and "'acme-gpt' is not one of anthropic:<model>" in resolved.unavailable


def test_a_missing_key_is_unavailable_and_a_present_one_builds_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "langchain_openai"
    package.mkdir()
    (package / "__init__.py").write_text(STUB_PROVIDER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = Settings(tiers={"balanced": "openai:gpt-x"})
    try:
        missing = resolve_tier(settings, "balanced", "hypothesis")
        assert missing.unavailable == "tier balanced is unavailable: OPENAI_API_KEY is not set"
        monkeypatch.setenv("OPENAI_API_KEY", "not-a-real-key")
        built = resolve_tier(settings, "balanced", "hypothesis")
        assert built.available and built.spec == "openai:gpt-x"
        assert isinstance(built.model, BaseChatModel) and built.model.model == "gpt-x"  # type: ignore[attr-defined]
    finally:
        sys.modules.pop("langchain_openai", None)


def test_injected_models_win_per_node_then_per_tier() -> None:
    settings = router_settings()
    tier_model, verifier_model = scripted(), scripted()
    injected = {"deep": tier_model, "verifier.deep": verifier_model}
    assert resolve_tier(settings, "deep", "hypothesis", injected=injected).model is tier_model
    on_verifier = resolve_tier(settings, "deep", "verifier", injected=injected)
    assert on_verifier.model is verifier_model and on_verifier.spec == "anthropic:claude-test"


def test_per_node_override_and_a_failing_factory() -> None:
    settings = Settings(tiers={"deep": "anthropic:big"}, node_tiers={"verifier": {"deep": "ollama:small"}})

    def factory(spec: str) -> BaseChatModel:
        if spec == "ollama:small":
            raise ConnectionError("ollama is not running on 127.0.0.1:11434\nmore detail")
        return scripted()

    assert resolve_tier(settings, "deep", "hypothesis", factory=factory).spec == "anthropic:big"
    failed = resolve_tier(settings, "deep", "verifier", factory=factory)
    assert failed.unavailable == (
        "tier deep is unavailable: ollama:small: ConnectionError: ollama is not running on 127.0.0.1:11434"
    )


def test_cli_lines_name_only_the_tiers_asked_for() -> None:
    assert unavailable_tiers(Settings()) == []
    assert unavailable_tiers(Settings(tier="deep")) == ["tier deep is unavailable: no model configured (tiers.deep)"]
    router = ModelRouter(Settings(tier="balanced"), {"models": {"balanced": scripted()}})
    assert router.unavailable_lines() == []
