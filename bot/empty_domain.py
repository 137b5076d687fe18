"""Rasa's check that the domain is not empty, without building an empty domain each time.

Rasa 3.6's processor asks `domain.is_empty()` before looking the parsed intent and entities up
in the domain, twice per shopper message, and `Domain.is_empty` builds `Domain.empty()` (a whole
Domain from `{}`, its default intents, actions and slots) to compare with: 46 us a call, 1.6-3.9%
of Rasa's samples at 20 shoppers at once (py-spy, bench/README.md "Load"). An empty domain is the
same every time (`Domain.from_dict({})`, nothing else goes into it), so `install()` compares with
one built at install, as Rasa compares: the two domains' dicts, equal or not. bot/serve.py installs
it before Rasa starts.
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.shared.core.domain import Domain

_RASAS_IS_EMPTY = Domain.is_empty


def install() -> None:
    if getattr(Domain.is_empty, "shopdesk", False):
        return
    empty = copy.deepcopy(Domain.empty().as_dict())

    def is_empty(self: Domain) -> bool:
        """Domain.is_empty: whether this domain's dict is an empty domain's."""
        return bool(self.as_dict() == empty)

    is_empty.shopdesk = True  # type: ignore[attr-defined]
    Domain.is_empty = is_empty


def rasas_is_empty(domain: Any) -> bool:
    """Rasa's own check (for the tests)."""
    return bool(_RASAS_IS_EMPTY(domain))
