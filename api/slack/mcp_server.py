"""A team-communications MCP server for serving with Slack: reads come from the world, posts go to Slack's Web API.

The gateway reaches it over stdio (`api/slack/mcp-servers.json`, routed by `api/slack/routing.yaml`), so the
publish node posts through the gateway's policy, audit and breakers like any other provider.
Run: `python -m api.slack.mcp_server --world demo` with PM_SLACK_BOT_TOKEN (and PM_SLACK_API_URL for a stand-in).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from mcp.server.fastmcp import FastMCP
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tools.servers.internal import build_server, parse_options
from tools.worlds.base import load_world

INTERFACE = "team-communications"


def build_slack_server(world_name: str, options: dict[str, str], client: AsyncWebClient) -> FastMCP:
    """The world's team-communications reads, with `post_message` answered by Slack's `chat.postMessage`."""
    server = build_server(load_world(world_name, options), [INTERFACE])
    if "post_message" in {tool.name for tool in server._tool_manager.list_tools()}:
        server.remove_tool("post_message")

    async def post_message(
        channel: str, text: str, thread_id: str | None = None, blocks: list[dict[str, Any]] | None = None
    ) -> str:
        try:
            answer = await client.chat_postMessage(channel=channel, text=text, thread_ts=thread_id, blocks=blocks)
        except SlackApiError as error:
            reason = error.response.get("error", "unknown error")
            raise ValueError(f"Slack refused chat.postMessage: {reason}") from None
        return json.dumps({"ok": bool(answer["ok"]), "ref": f"{answer.get('channel', channel)}/{answer.get('ts', '')}"})

    server.add_tool(post_message, name="post_message", description=f"[{INTERFACE}] Post to a Slack channel or thread.")
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", default=os.environ.get("PM_WORLD", "demo"))
    parser.add_argument("--option", action="append", default=[], help="world option key=value (repeatable)")
    args = parser.parse_args()
    token = os.environ.get("PM_SLACK_BOT_TOKEN")
    if not token:
        parser.exit(2, "PM_SLACK_BOT_TOKEN is not set: the Slack MCP server cannot post\n")
    client = AsyncWebClient(token=token, base_url=os.environ.get("PM_SLACK_API_URL", "https://slack.com/api/"))
    build_slack_server(args.world, parse_options(args.option), client).run(transport="stdio")


if __name__ == "__main__":
    main()
