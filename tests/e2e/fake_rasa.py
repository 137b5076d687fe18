"""The fake Rasa the browser tests talk to, so they get real tickets without a trained model (the
full real-Rasa path is tested in tests/integration).

"human" (or "person") in a message hands off like the bot's action_handoff does ("complain"
adds the complaint reason, "vip" the VIP one; "verified 10003" says the shopper proved they own
order 10003, as the bot's order form does); "options" gets an answer in the bot's Markdown (a
list, a table, a link, and HTML that must stay text); anything else gets a plain answer.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.rasa import FakeRasa

HANDOFF_TEXT = "I'll bring in a person from our support team to help you with this."
MARKDOWN_TEXT = ("Your **options**:\n- Return it within 30 days\n- Exchange it for another size\n\n"
                 "| Method | Days |\n|---|---|\n| Standard | 3-5 |\n| Express | 1-2 |\n\n"
                 "See [our returns policy](https://shop.example/returns) <img src=x onerror=alert(1)>")


class ConsoleFakeRasa(FakeRasa):
    rating_text = "Your question was handled by our team. How would you rate the help you got, from 1 to 5?"

    def reply(self, sender: str, text: str) -> list[dict[str, Any]]:
        lowered = text.lower()
        if "options" in lowered:
            return [{"recipient_id": sender, "text": MARKDOWN_TEXT}]
        if "human" not in lowered and "person" not in lowered:
            return [{"recipient_id": sender, "text": "I can help with orders, shipping, returns and payments."}]
        reasons = ["explicit_request", *(["complaint"] if "complain" in lowered else []),
                   *(["vip"] if "vip" in lowered else [])]
        verified = "10003" if "verified 10003" in lowered else None
        return [
            {"recipient_id": sender, "text": HANDOFF_TEXT},
            {"recipient_id": sender, "custom": {
                "type": "handoff",
                "reasons": reasons,
                "message": text,
                "anger": {"score": 0.91, "cues": ["ridiculous"]} if "ridiculous" in lowered else None,
                "summary": {"intents": ["order_status", "request_human"], "order_id": verified or "10042",
                            "verified_order_id": verified,
                            "tried": ["action_check_order_status"]},
            }},
        ]
