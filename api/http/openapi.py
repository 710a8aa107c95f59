"""The OpenAPI document of our routes alone (the runtime documents its own), checked in as api/http/openapi.json.

python -m api.http.openapi > api/http/openapi.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.http.factory import create_app

DOCUMENT = Path(__file__).with_name("openapi.json")


def openapi_document() -> dict[str, Any]:
    return create_app().openapi()


def main() -> None:
    print(json.dumps(openapi_document(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
