"""Providers from configuration: mcpServers files (secrets only from the environment) and the routing table."""

from __future__ import annotations

from pathlib import Path

import pytest
from gateway_helpers import write_routing, write_servers

from graphs.settings import Settings
from tools.gateway.gateway import Gateway
from tools.gateway.mcp_servers import load_mcp_servers, parse_mcp_servers
from tools.gateway.routing import load_routing_table

SEED_DOMAINS = ["octocode", "Slack", "jira", "grafana-datasource", "FT-release", "github", "context-7", "grafana-mcp",
                "fire-console"]  # fmt: skip


def seed_file(path: Path) -> Path:
    """The seed's shape: one gateway URL with ?mcp=<domain> and an access-key header for every domain."""
    entries = {
        domain: {
            "type": "http",
            "url": f"https://mcp-gw.example.com/mcp?mcp={domain}",
            "headers": {"x-access-key": "${PM_MCP_ACCESS_KEY}"},
        }
        for domain in SEED_DOMAINS
    }
    return write_servers(path / "mcp-servers.json", entries)


def test_the_seed_file_loads_unchanged_and_resolves_secrets_only_at_connection(tmp_path: Path) -> None:
    servers = load_mcp_servers(seed_file(tmp_path))
    assert sorted(servers) == sorted(SEED_DOMAINS)
    entry = servers["github"]
    assert entry.headers == {"x-access-key": "${PM_MCP_ACCESS_KEY}"}  # the model keeps the reference
    conn = entry.connection({"PM_MCP_ACCESS_KEY": "k-123"})
    assert conn == {
        "transport": "streamable_http",
        "url": "https://mcp-gw.example.com/mcp?mcp=github",
        "headers": {"x-access-key": "k-123"},
    }


@pytest.mark.parametrize(
    "entry",
    [
        {"url": "https://x.example/mcp", "headers": {"Authorization": "Bearer abc123"}},
        {"url": "https://x.example/mcp", "headers": {"x-access-key": "literal"}},
        {"command": "npx", "args": ["server"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_literal"}},
        {"url": "https://x.example/mcp?mcp=jira&api_key=abc"},
    ],
)
def test_literal_secrets_are_refused_with_the_path_to_fix(entry: dict) -> None:
    with pytest.raises(ValueError, match=r"mcpServers\.s\.(headers|env|url)\..* literal secret") as caught:
        parse_mcp_servers({"mcpServers": {"s": entry}})
    for value in ("abc123", "literal", "ghp_literal", "abc"):
        assert f"'{value}'" not in str(caught.value)


def test_env_references_with_a_scheme_word_are_accepted() -> None:
    servers = parse_mcp_servers(
        {"mcpServers": {"g": {"url": "https://x/mcp", "headers": {"Authorization": "Bearer ${GH_TOKEN}"}}}}
    )
    assert servers["g"].connection({"GH_TOKEN": "t0k"})["headers"] == {"Authorization": "Bearer t0k"}


def test_a_missing_variable_is_named_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PM_MCP_ACCESS_KEY", raising=False)
    routing = write_routing(tmp_path / "r.yaml", {"interfaces": {"version-control": {"provider": "github"}}})
    settings = Settings(routing_table=routing, mcp_servers_file=seed_file(tmp_path))
    with pytest.raises(ValueError, match="PM_MCP_ACCESS_KEY"):
        Gateway.from_settings(settings)
    monkeypatch.setenv("PM_MCP_ACCESS_KEY", "secret-value")
    gateway = Gateway.from_settings(settings)
    spec = gateway.providers["github"]
    assert (spec.mode, spec.adapter) == ("external", "github")  # implicit: the mcpServers key names the adapter
    assert "secret-value" not in spec.model_dump_json()


def test_named_providers_bind_a_server_an_adapter_and_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PM_MCP_ACCESS_KEY", "k")
    table = {
        "providers": {"gh-prod": {"server": "github", "adapter": "github", "options": {"owner": "shop"}}},
        "interfaces": {"version-control": {"provider": "gh-prod", "mode": "external", "fallback": "internal"}},
        "environments": {"staging": {"version-control": {"provider": "internal", "fallback": None}}},
    }
    settings = Settings(routing_table=write_routing(tmp_path / "r.yaml", table), mcp_servers_file=seed_file(tmp_path))
    gateway = Gateway.from_settings(settings)
    assert gateway.routes["version-control"].provider == "gh-prod"
    assert gateway.providers["gh-prod"].options == {"owner": "shop"}
    staged = Gateway.from_settings(settings.model_copy(update={"env": "staging"}))
    assert staged.routes["version-control"].provider == "internal"


def test_unknown_providers_and_adapters_are_clear_errors(tmp_path: Path) -> None:
    servers = write_servers(tmp_path / "s.json", {"x": {"command": "true"}})
    bad_route = write_routing(tmp_path / "a.yaml", {"interfaces": {"log-system": {"provider": "nope"}}})
    with pytest.raises(ValueError, match="provider 'nope' needs the mcpServers entry 'nope'"):
        Gateway.from_settings(Settings(routing_table=bad_route, mcp_servers_file=servers))
    bad_adapter = write_routing(
        tmp_path / "b.yaml",
        {"providers": {"x": {"adapter": "pagerduty"}}, "interfaces": {"log-system": {"provider": "x"}}},
    )
    with pytest.raises(ValueError, match="unknown adapter 'pagerduty'"):
        Gateway.from_settings(Settings(routing_table=bad_adapter, mcp_servers_file=servers))


def test_the_bundled_table_still_loads() -> None:
    table = load_routing_table()
    assert table.providers == {}
    assert all(route.provider == "internal" for route in table.effective().values())
