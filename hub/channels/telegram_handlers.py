"""What the bot does with each kind of Telegram update. Text, commands and buttons go to the
hub's router; updates the bot cannot read get a polite answer (and reach the agent during a
handoff); nothing an update contains can crash the channel.

Group chats: the bot answers only when addressed there (a command, a mention or a reply to it),
and then only to say it works in private chats, so no order details ever land in a group.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from handoff.context import Services
from handoff.errors import HubError
from handoff.inbound import Inbound
from handoff.states import WITH_PEOPLE
from hub.channels import telegram_wording as wording
from hub.channels.telegram_outbox import CHANNEL_NAME, TelegramOutbox
from hub.channels.telegram_photos import PhotoTooLarge, photo_file, store_photo

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
# "/start" typed or pasted without Telegram marking it as a command is still the shopper starting.
_BARE_START = r"(?i)^\s*/start(@\w+)?(\s|$)"
GREET_PAYLOAD = "/greet"
HUMAN_PAYLOAD = "/request_human"
_SEEN_UPDATES = 5000


class TelegramHandlers:
    def __init__(self, services: Services, outbox: TelegramOutbox) -> None:
        self._services = services
        self._outbox = outbox
        self._seen: OrderedDict[int, None] = OrderedDict()

    def register(self, application: Application) -> None:  # type: ignore[type-arg]
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self.skip_repeats), group=-1)
        application.add_handler(ChatMemberHandler(self.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_handler(MessageHandler(filters.UpdateType.EDITED & private, self.edited))
        application.add_handler(MessageHandler(filters.ChatType.GROUPS, self.group_message))
        application.add_handler(CommandHandler("start", self.start, filters=private))
        application.add_handler(CommandHandler("human", self.human, filters=private))
        application.add_handler(CallbackQueryHandler(self.button))
        application.add_handler(MessageHandler(private & filters.TEXT & filters.Regex(_BARE_START), self.start))
        application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.text))
        application.add_handler(MessageHandler(private & filters.COMMAND, self.unknown_command))
        application.add_handler(MessageHandler(private & (filters.PHOTO | filters.Document.IMAGE), self.photo))
        application.add_handler(MessageHandler(private & filters.ATTACHMENT, self.attachment))
        application.add_error_handler(self.error)

    async def skip_repeats(self, update: Update, context: Context) -> None:
        """Telegram may deliver an update twice; the router also refuses a repeated update id."""
        if update.update_id in self._seen:
            log.info("Telegram update %s arrived again; handled once", update.update_id)
            raise ApplicationHandlerStop
        self._seen[update.update_id] = None
        if len(self._seen) > _SEEN_UPDATES:
            self._seen.popitem(last=False)

    async def start(self, update: Update, context: Context) -> None:
        await self._route(update, GREET_PAYLOAD)

    async def human(self, update: Update, context: Context) -> None:
        await self._route(update, HUMAN_PAYLOAD)

    async def text(self, update: Update, context: Context) -> None:
        assert update.message is not None and update.message.text is not None
        await self._route(update, update.message.text)

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            await _quietly(query.answer())
            return
        payload = self._outbox.payloads.payload_of(query.data or "")
        await query.answer(None if payload else wording.BUTTON_EXPIRED)
        if isinstance(query.message, Message) and query.message.reply_markup:
            await _quietly(query.edit_message_reply_markup(reply_markup=None))
        if payload:
            await self._route(update, payload)

    async def edited(self, update: Update, context: Context) -> None:
        message = update.edited_message
        assert message is not None
        if await self._with_people(message.chat_id):
            await self._route(update, f"(edited) {message.text or message.caption or ''}".strip())
        else:
            self._outbox.say(message.chat_id, wording.EDITED)

    async def photo(self, update: Update, context: Context) -> None:
        """A photo (its caption is the message's text) is stored with the conversation for the team."""
        message = update.message
        assert message is not None
        try:
            file_id = photo_file(message)
            assert file_id is not None  # the handler's filter let only photos and images through
            stored = await store_photo(self._services, context.bot, message, file_id)
        except PhotoTooLarge:
            self._outbox.say(message.chat_id, wording.PHOTO_TOO_LARGE)
            return
        except HubError as error:
            self._outbox.say(message.chat_id, wording.refused(error.code))
            return
        await self._route(update, message.caption or "", (stored,))

    async def attachment(self, update: Update, context: Context) -> None:
        message = update.message
        assert message is not None
        kind = wording.describe(message)
        if await self._with_people(message.chat_id):
            caption = f' with the text "{message.caption}"' if message.caption else ""
            await self._route(update, f"[The shopper sent {kind}{caption}; the desk shows text only.]")
            self._outbox.say(message.chat_id, wording.passed_on(kind))
        else:
            self._outbox.say(message.chat_id, wording.text_only(kind))

    async def unknown_command(self, update: Update, context: Context) -> None:
        assert update.message is not None
        self._outbox.say(update.message.chat_id, wording.HELP)

    async def group_message(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not _addressed(message, context.bot.username, context.bot.id):
            return
        await _quietly(message.reply_text(wording.private_only(context.bot.username)))

    async def membership_changed(self, update: Update, context: Context) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        if change.new_chat_member.status == ChatMemberStatus.BANNED:
            self._outbox.block(change.chat.id)
        else:
            self._outbox.unblock(change.chat.id)

    async def error(self, update: object, context: Context) -> None:
        """The one error handler: log it, and tell the shopper when there is one to tell."""
        log.error("Telegram update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == ChatType.PRIVATE:
            self._outbox.say(chat.id, wording.SORRY)

    async def _route(self, update: Update, text: str, attachment_ids: tuple[str, ...] = ()) -> None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        self._outbox.unblock(chat.id)
        if not await self._with_people(chat.id):
            await _quietly(self._outbox.bot.send_chat_action(chat.id, ChatAction.TYPING))
        inbound = Inbound(
            channel=CHANNEL_NAME, text=text, channel_user_id=str(chat.id),
            external_id=f"tg:{update.update_id}", display_name=user.full_name if user else None,
            attachment_ids=attachment_ids,
        )
        try:
            await self._services.inbound.handle(inbound)
        except HubError as error:
            self._outbox.say(chat.id, wording.refused(error.code))

    async def _with_people(self, chat_id: int) -> bool:
        ref = await self._services.conversations.find(CHANNEL_NAME, str(chat_id))
        return ref is not None and (await self._services.conversations.status(ref.id))["state"] in WITH_PEOPLE


def _addressed(message: Message, username: str, bot_id: int) -> bool:
    text = message.text or message.caption or ""
    replied_to_bot = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == bot_id
    return text.startswith("/") or f"@{username}".lower() in text.lower() or replied_to_bot


async def _quietly(call: Any) -> None:
    """For courtesies (typing, removing a used keyboard) whose failure changes nothing."""
    try:
        await call
    except TelegramError as error:
        log.info("Telegram courtesy call failed: %s", error)
