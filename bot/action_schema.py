"""Rasa checks every answer of the action server against a JSON schema with `jsonschema.validate`,
which first checks the schema itself against the JSON Schema meta-schema, on every call: nine
tenths of the check's cost, about 9% of Rasa's CPU per message on the load bench (py-spy,
bench/README.md "Load"), for a schema that never changes. `install()` makes the same check with a
validator built once; an answer that fails it goes to Rasa's own check, which raises Rasa's own
error. bot/serve.py installs it before Rasa starts.

The check of each event was still ~3% of Rasa's samples at 20 shoppers at once: Rasa's event
schema is a `oneOf` over its 23 event types, so jsonschema tries every type on every event (and
builds an error for each of the 22 that fail). Every type asks for its own `event` constant,
which every event must carry as a string, so an event whose `event` names one of them fails all
the others: it is valid exactly when it is valid with that one type in place of the `oneOf`.
`EventDispatch` checks each event that way (the rest of the answer with the schema less its
events' items); whatever it does not pass (an unknown or missing `event`, an invalid answer) goes
to the whole schema as before, so only answers the whole schema passes are passed without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for


@dataclass(frozen=True)
class EventDispatch:
    answer: Any  # a validator of the answer's schema without its events' items
    by_event: dict[str, Any]  # a validator per event type: the event schema with that type for the oneOf

    @classmethod
    def of(cls, schema: dict[str, Any], validator_class: Any) -> EventDispatch | None:
        """None when the schema is not Rasa's shape (events' items a oneOf of one `event` constant each)."""
        events = schema.get("properties", {}).get("events", {})
        event = events.get("items", {})
        types = event.get("oneOf")
        if (set(events) != {"type", "items"} or not isinstance(types, list)
                or "event" not in event.get("required", ()) or event.get("properties", {}).get("event") != {"type": "string"}):
            return None
        names = [kind.get("properties", {}).get("event", {}).get("const") for kind in types]
        if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
            return None
        answer = {**schema, "properties": {**schema["properties"], "events": {"type": events["type"]}}}
        rest = {key: value for key, value in event.items() if key != "oneOf"}
        by_event = {name: validator_class({**rest, "allOf": [kind]}) for name, kind in zip(names, types)}
        return cls(validator_class(answer), by_event)

    def passes(self, result: Any) -> bool:
        if not isinstance(result, dict) or not self.answer.is_valid(result):
            return False
        for event in result.get("events", ()):
            name = event.get("event") if isinstance(event, dict) else None
            validator = self.by_event.get(name) if isinstance(name, str) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "shopdesk", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    dispatch = EventDispatch.of(schema, validator_class)
    rasas_check = RemoteAction._validate_action_result

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if dispatch is not None and dispatch.passes(result):
            return True
        if best_match(validator.iter_errors(result)) is None:
            return True
        return bool(rasas_check(self, result))

    _validate_action_result.shopdesk = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result
