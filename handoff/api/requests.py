"""Reading requests defensively: bodies, tokens and query parameters."""

from __future__ import annotations

import json
from typing import Any

from sanic import Request

from handoff.errors import BadInput


def json_body(request: Request) -> dict[str, Any]:
    if not request.body:
        raise BadInput("A JSON object body is required.", "invalid_json")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadInput("The body is not valid JSON.", "invalid_json") from None
    if not isinstance(body, dict):
        raise BadInput("The body must be a JSON object.", "invalid_json")
    return body


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"'{name}' must be a whole number.", "invalid_field") from None
    if not low <= value <= high:
        raise BadInput(f"'{name}' must be between {low} and {high}.", "invalid_field")
    return value


def optional_str(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadInput(f"'{name}' must be a string of at most {limit} characters.", "invalid_field")
    return value.strip() or None
