"""Reading requests defensively: bodies, tokens and query parameters."""

from __future__ import annotations

import json
from typing import Any

from sanic import Request

from handoff.errors import BadInput, NotFound
from handoff.text import has_lone_surrogate

# Ids are the database's integers: PostgreSQL's INTEGER stops at 2^31 - 1, and an id past a
# column's range is a row that cannot exist, not a server error.
MAX_ID = 2**31 - 1
MAX_JSON_DEPTH = 32


def json_body(request: Request) -> dict[str, Any]:
    if not request.body:
        raise BadInput("A JSON object body is required.", "invalid_json")
    return json_object(request.body)


def json_object(raw: str | bytes) -> dict[str, Any]:
    """A JSON object whose strings can all be stored: UTF-8, no lone surrogates, not nested past
    MAX_JSON_DEPTH. Every JSON the hub accepts (HTTP bodies, websocket frames) comes through here."""
    try:
        body = json.loads(raw)
    except RecursionError:
        raise BadInput(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", "invalid_json") from None
    except (ValueError, UnicodeDecodeError):
        raise BadInput("The body is not valid JSON.", "invalid_json") from None
    if not isinstance(body, dict):
        raise BadInput("The body must be a JSON object.", "invalid_json")
    _check_values(body)
    return body


def _check_values(body: dict[str, Any]) -> None:
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                raise BadInput("Text must be valid Unicode (it holds a lone surrogate).", "invalid_text")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadInput(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", "invalid_json")
        items = list(value.items()) if isinstance(value, dict) else [(None, item) for item in value]
        for key, item in items:
            if key is not None:
                pending.append((key, depth))
            pending.append((item, depth + 1))


def db_id(value: object, what: str = "record") -> int:
    """An id from a path or a body; one no row can have is simply not found."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadInput(f"'{what}_id' must be a whole number.", "invalid_field")
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"No such {what}.")
    return value


def client_address(request: Request) -> str:
    """The client's address: the peer's, or what trusted proxies forwarded (SHOPDESK_PROXIES_COUNT)."""
    return str(request.remote_addr or request.ip or "unknown")[:64]


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
