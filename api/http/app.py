"""Entry point named by `http.app` in langgraph.json and aegra.json: our routes, mounted into the runtime."""

from api.http.factory import create_app

app = create_app()
