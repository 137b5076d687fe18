"""Everything the Telegram channel itself says, in one place so a shop can reword it."""

from __future__ import annotations

from telegram import Message

HELP = "Just type your question, for example: where is my order 10002? Commands: /start to begin, /human to talk to a person."
EDITED = "I only read new messages, not edits. Please send the corrected text as a new message."
SORRY = "Sorry, something went wrong on our side. Please try again in a moment."
PHOTO_TOO_LARGE = "That photo is too large for me (10 MB at most). Please send a smaller one."
BUTTON_EXPIRED = "That button has expired. Please type your answer instead."
_REFUSALS = {
    "text_too_long": "That message is too long for me. Please send it in shorter parts.",
    "empty_text": "That message looks empty. Please type your question.",
    "invalid_text": "I couldn't read that message. Please type it again.",
    "rate_limited": "You're writing faster than I can keep up with. Please wait a moment and send that again.",
    "invalid_image": "I couldn't open that photo. Please send it again as a photo (JPEG or PNG).",
}
_KINDS = (
    ("sticker", "a sticker"), ("photo", "a photo"), ("voice", "a voice message"), ("video_note", "a video message"),
    ("video", "a video"), ("audio", "an audio file"), ("animation", "a GIF"), ("document", "a document"),
    ("location", "a location"), ("venue", "a location"), ("contact", "a contact"), ("poll", "a poll"),
)


def describe(message: Message) -> str:
    for attribute, kind in _KINDS:
        if getattr(message, attribute, None):
            if attribute == "sticker" and message.sticker and message.sticker.emoji:
                return f"{kind} ({message.sticker.emoji})"
            if attribute == "document" and message.document and message.document.file_name:
                return f"{kind} ({message.document.file_name})"
            return kind
    return "an attachment"


def text_only(kind: str) -> str:
    return f"Thanks! I can read text and photos, but I can't see {kind}. Please type your question in words."


def passed_on(kind: str) -> str:
    return f"I've told our team you sent {kind}, but they can only see text and photos here. Please describe it in a message."


def private_only(username: str) -> str:
    return f"I help with orders in private chats only, to keep your details private. Write to me directly: @{username}"


def refused(code: str) -> str:
    return _REFUSALS.get(code, SORRY)
