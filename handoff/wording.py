"""Everything the hub itself says to shoppers, in one place so a shop can reword it."""

from __future__ import annotations

from handoff.queue import QueueInfo

RATING_QUESTION = (
    "Your conversation with our team is resolved, and I'm back. How would you rate the help you got, "
    "from 1 (poor) to 5 (excellent)?"
)
RATING_BUTTONS = [{"title": str(n), "payload": f'/csat{{"rating": {n}}}'} for n in range(1, 6)]
NPS_QUESTION = (
    "Thank you! How likely are you to recommend us to a friend, from 0 (not at all likely) to 10 (extremely likely)?"
)
NPS_BUTTONS = [{"title": str(n), "payload": f'/nps{{"score": {n}}}'} for n in range(11)]
NO_COMMENT_PAYLOAD = "/csat_no_comment"
COMMENT_QUESTION = "Thank you! Is there anything you'd like to tell us about it? Type it here, or tap No thanks."
COMMENT_BUTTONS = [{"title": "No thanks", "payload": NO_COMMENT_PAYLOAD}]
THANKS_FOR_FEEDBACK = "Thanks for your feedback, it goes straight to our team. I'm here if you need anything else."
PHOTO_SAVED = (
    "Thanks, I've saved your photo with this conversation, so our team can see it. "
    "Tell me what it's about (for example your order number and what happened), or talk to a person."
)
PHOTO_BUTTONS = [{"title": "Talk to a person", "payload": "/request_human"}]
BOT_UNAVAILABLE = (
    "Sorry, our assistant isn't available right now, so I'm passing your conversation to our team. "
    "If the assistant is back before someone from the team is free, it will answer you here."
)
BOT_PROBLEM = (
    "Sorry, something went wrong on my side and I couldn't finish that. "
    "I'm passing your conversation to a person from our team."
)
BOT_IS_BACK = "Our assistant is back and will answer your messages now."
NUMBERS_REMOVED = (
    "For your safety I removed a card, bank account or ID number from your message. We never need those "
    "in chat, and nobody from our team will ask you for them here."
)


def wait_phrase(seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute"
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


def connecting(info: QueueInfo) -> str:
    if info.agents_online == 0 or info.expected_wait_seconds is None:
        return (
            "Connecting you to a person. Nobody from our support team is online right now, so I can't "
            f"promise a time. Your request is saved and you're number {info.position} in line. You can keep "
            "writing here and a person will read it, or leave your email address and we'll get back to you."
        )
    return (
        f"Connecting you to a person. You're number {info.position} in line; "
        f"the expected wait is {wait_phrase(info.expected_wait_seconds)}."
    )


def joined(agent_name: str) -> str:
    return f"{agent_name} joined the conversation."


def passed_to_team(team: str) -> str:
    return f"I'm passing your conversation to our {team} team. You keep your place in line."


def resolved(agent_name: str) -> str:
    return f"{agent_name} marked this conversation as resolved."


def contact_noted(email: str) -> str:
    return f"Thanks, we'll write to {email} if we can't finish this here."


def back_in_queue() -> str:
    return "Sorry, the person helping you had to step away. You keep your place in line; someone else will be with you."


def passed_to_general_queue() -> str:
    return "I'm passing your conversation to the next free person on our team. You keep your place in line."
