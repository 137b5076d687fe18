"""Rasa's action calls carry the domain once, then only its digest: rasa_sdk's own protocol.

Rasa 3.6 sends the whole domain (~14 kB of JSON here) with every call to the action server, and
the action server parses it again on every call (8 of 10 turns call it, often twice): together
with the tracker, encoding the body was 6.6% of Rasa's samples at 20 shoppers at once and parsing
it 14% of the action server's (py-spy, bench/README.md "Load"). rasa_sdk (since mid-2024, its
pull request 1108; ShopDesk pins 3.21) keeps the last domain it was sent with its `domain_digest`,
hands that domain to the action when a call brings the same digest and no domain, and answers 449
(ActionMissingDomainException, before the action runs) when it has none of that digest: after a
restart, or when another model's Rasa called in between. Rasa Pro speaks this; Rasa 3.6 does not, and so `install()`:
- adds the digest (SHA-256 of the domain's JSON, computed once per domain) to the body of every
  call that carries a domain and leaves the domain out;
- sends the call again with the domain (and the digest, which rasa_sdk then keeps) when the action
  server answers 449. What the action gets is the same domain; what Rasa gets back is the answer
  to the one call the action ran.
A domain Rasa leaves out itself (selective domain) or an empty one goes as Rasa sends it.
SHOPDESK_DOMAIN_DIGEST=0 sends Rasa's own bodies (for a rasa_sdk without digests, which would
run the action without a domain). bot/serve.py installs it after bot/endpoint_sessions.py.

The digest is kept per domain object: Rasa does not change a loaded model's domain (a new model
is a new Domain), and a different domain gets a different digest, so the action server is never
handed a domain other than the one Rasa would have sent.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

DIGEST_KEY = "domain_digest"  # rasa_sdk's names
DOMAIN_KEY = "domain"
MISSING_DOMAIN = 449


class DigestBody(dict[str, Any]):
    """An action call's body with the domain's digest instead of the domain; `whole` has both."""

    whole: dict[str, Any]


_digests: dict[int, tuple[Any, str]] = {}  # id(domain as a dict) -> (that dict, its digest)


def domain_digest(domain: dict[str, Any]) -> str:
    kept = _digests.get(id(domain))
    if kept is None or kept[0] is not domain:
        kept = _digests[id(domain)] = (domain, hashlib.sha256(json.dumps(domain, sort_keys=True).encode()).hexdigest())
    return kept[1]


def by_digest(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as a DigestBody when it carries a domain, else `body` itself."""
    domain = body.get(DOMAIN_KEY)
    if not isinstance(domain, dict) or not domain:
        return body
    try:
        digest = domain_digest(domain)
    except (TypeError, ValueError):  # not JSON: Rasa's own request fails on it as before
        return body
    whole = {**body, DIGEST_KEY: digest}
    short = DigestBody((key, value) for key, value in whole.items() if key != DOMAIN_KEY)
    short.whole = whole
    return short


def install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    if os.environ.get("SHOPDESK_DOMAIN_DIGEST", "1") == "0" or getattr(RemoteAction._action_call_format, "shopdesk", False):
        return
    rasas_format = RemoteAction._action_call_format
    request_before = EndpointConfig.request

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        return by_digest(rasas_format(self, tracker, domain))

    async def request(self: EndpointConfig, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if not isinstance(body, DigestBody):
            return await request_before(self, method, subpath, content_type, compress, **kwargs)
        try:
            return await request_before(self, method, subpath, content_type, compress, **kwargs)
        except ClientResponseError as error:
            if error.status != MISSING_DOMAIN:
                raise
        return await request_before(self, method, subpath, content_type, compress, **{**kwargs, "json": body.whole})

    _action_call_format.shopdesk = True  # type: ignore[attr-defined]
    request.shopdesk_digest = True  # type: ignore[attr-defined]
    RemoteAction._action_call_format = _action_call_format
    EndpointConfig.request = request
