"""A shopper talking to the real Rasa server as the hub does, and what tests read from its replies."""

from __future__ import annotations

import uuid

from tests.integration.servers import RasaServer


class Shopper:
    """One shopper talking to the bot over Rasa's REST channel, as the hub does."""

    def __init__(self, rasa: RasaServer, metadata: dict | None = None) -> None:
        self.sender = f"test-{uuid.uuid4().hex[:12]}"
        self.rasa = rasa
        self.metadata = metadata or {}

    def say(self, text: str) -> list[dict]:
        return self.rasa.say(self.sender, text, self.metadata)

    def says(self, text: str) -> str:
        """The bot's reply texts joined, for assertions on what the shopper reads."""
        return "\n".join(message.get("text", "") for message in self.say(text))


def handoff_of(replies: list[dict]) -> dict | None:
    for message in replies:
        custom = message.get("custom") or {}
        if custom.get("type") == "handoff":
            return custom
    return None


# Vague or garbled messages; which of them fall under the fallback threshold depends on the
# trained model, so tests pick those the running model really is unsure about (and fail if none are).
UNCLEAR_MESSAGES = [
    "purple monkey dishwasher", "i dunno", "the thing with the stuff", "zxq vrr plom", "asdf",
    "lorem ipsum dolor", "qwxz plonk vrrr", "xyzzy", "fnord", "zzz", "sdkjfh qwpeoiru",
    "maybe the thing", "like i said the", "and then", "so yeah that",
]


def not_understood(rasa: RasaServer, count: int) -> list[str]:
    """`count` messages the running model sends to nlu_fallback."""
    picked = []
    for text in UNCLEAR_MESSAGES:
        parse = rasa.post("/model/parse", {"text": text})
        if parse["intent"]["name"] == "nlu_fallback":
            picked.append(text)
            if len(picked) == count:
                return picked
    raise AssertionError(f"the model is confident about almost every unclear message: fallback never triggers ({picked})")
