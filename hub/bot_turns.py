"""Storing what became of asking the bot about one shopper message: its turn, a failure, or an
outage. Each runs in the transaction that marks the message handled (hub/router.py), so a turn
is stored once or not at all.

- The bot answered: its replies are stored as answers to the message; a handoff signal in them
  opens a ticket.
- The bot failed (an action died, it said nothing, it timed out): what it managed to say, a
  notice that it has a problem, and one ticket with `bot_cannot_complete`. People take over, so
  later messages never reach the failing bot and there is no second ticket.
- Rasa is down: the notice, and one ticket marked as an outage; the message stays waiting, and
  when Rasa is back the bot answers it unless an agent has taken the conversation (handoff/outage.py).
"""

from __future__ import annotations

from handoff import wording
from handoff.conversations import append_message
from handoff.models import Conversation, Message
from handoff.signals import BOT_CANNOT_COMPLETE, HandoffSignal, is_handoff, parse_signal
from handoff.states import State
from handoff.tickets import Desk, open_ticket
from handoff.uow import UnitOfWork
from hub.rasa_client import BotReply, BotTurn


async def store_turn(uow: UnitOfWork, desk: Desk, conversation: Conversation, message: Message, turn: BotTurn) -> None:
    """The turn's intent is stored with the message's mark (turns.mark_handled)."""
    signal = await _store_replies(uow, conversation, message, turn.replies)
    if not turn.complete:
        await _bot_failed(uow, desk, conversation, message, signal)
    elif signal is not None and conversation.state == State.BOT:
        await open_ticket(uow, desk, conversation, signal)


async def store_failure(uow: UnitOfWork, desk: Desk, conversation: Conversation, message: Message) -> None:
    await _bot_failed(uow, desk, conversation, message, None)


async def store_outage(uow: UnitOfWork, desk: Desk, conversation: Conversation, message: Message) -> None:
    await append_message(uow, conversation, direction="out", author_kind="system", text=wording.BOT_UNAVAILABLE,
                         reply_to=message.seq)
    ticket = await open_ticket(uow, desk, conversation, HandoffSignal(reasons=(BOT_CANNOT_COMPLETE,), message=message.text))
    ticket.bot_outage = True
    await uow.session.flush()


async def _bot_failed(
    uow: UnitOfWork, desk: Desk, conversation: Conversation, message: Message, signal: HandoffSignal | None
) -> None:
    await append_message(uow, conversation, direction="out", author_kind="system", text=wording.BOT_PROBLEM,
                         reply_to=message.seq)
    if conversation.state != State.BOT:
        return
    reasons = tuple(dict.fromkeys((*(signal.reasons if signal else ()), BOT_CANNOT_COMPLETE)))
    failed = HandoffSignal(reasons=reasons, message=message.text, anger=signal.anger if signal else None,
                           summary=signal.summary if signal else {})
    await open_ticket(uow, desk, conversation, failed)


async def _store_replies(
    uow: UnitOfWork, conversation: Conversation, message: Message, replies: list[BotReply]
) -> HandoffSignal | None:
    signal = None
    for reply in replies:
        handoff = reply.custom if is_handoff(reply.custom) else None
        visible_custom = None if handoff else reply.custom
        if reply.text or reply.buttons or visible_custom:
            await append_message(
                uow, conversation, direction="out", author_kind="bot",
                text=reply.text, buttons=reply.buttons, custom=visible_custom, reply_to=message.seq,
            )
        if handoff is not None:
            signal = parse_signal(handoff)
            await append_message(uow, conversation, direction="out", author_kind="bot", custom=handoff, internal=True,
                                 reply_to=message.seq)
    return signal
