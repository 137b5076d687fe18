"""What we know of a contact, gathered and kept fresh: the order figures from the shop, the
tickets and ratings from the desk, and from them the tier and the rule tags."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import aware, utcnow
from handoff.contact_rules import Facts, rule_tags, tier_for
from handoff.customers import CustomerOrders
from handoff.models import Contact, ContactTag, Conversation, Ticket
from handoff.signals import COMPLAINT
from handoff.uow import UnitOfWork, UnitOfWorkFactory

# Orders that never were (or were undone) count neither as orders nor as money spent.
_NOT_SPENT = {"cancelled", "returned", "pending"}
LOW_RATING = 2
RULE = "rule"
# Published when an admin changed the tier or tag rules: every contact's tier and tags follow.
RULES_CHANGED = "contacts.rules_changed"
_BATCH = 200


RuleSet = tuple[list[dict[str, Any]], list[dict[str, Any]]]
Rules = Callable[[UnitOfWork], Awaitable[RuleSet]]


async def refresh(session: AsyncSession, directory: CustomerOrders, contact: Contact, rules: RuleSet) -> None:
    """Reads the contact's orders again (when it is a shop customer), then re-derives tier and tags."""
    if contact.shop_customer_id is not None:
        apply_orders(contact, await directory.orders(contact.shop_customer_id))
    await rederive(session, contact, rules)


def apply_orders(contact: Contact, orders: list[dict[str, Any]]) -> None:
    spent = [order for order in orders if order.get("status") not in _NOT_SPENT]
    contact.order_count = len(spent)
    contact.lifetime_value_cents = sum(_cents(order.get("total")) for order in spent)
    placed = [(_moment(order.get("placed_at")), order) for order in orders]
    dated = sorted(((moment, order) for moment, order in placed if moment is not None), key=lambda pair: pair[0])
    spent_dates = [moment for moment, order in dated if order.get("status") not in _NOT_SPENT]
    contact.last_order_at = spent_dates[-1] if spent_dates else None
    if dated:
        contact.address = _one_line(dated[-1][1].get("shipping_address"))


async def rederive(session: AsyncSession, contact: Contact, rules: RuleSet, now: datetime | None = None) -> None:
    facts = await facts_of(session, contact, now or utcnow())
    tier_rules, tag_rules = rules
    contact.tier = tier_for(facts, tier_rules)
    wanted = rule_tags(facts, tag_rules)
    current = {tag.tag: tag for tag in (await session.execute(
        select(ContactTag).where(ContactTag.contact_id == contact.id))).scalars()}
    stale = [name for name, tag in current.items() if tag.source == RULE and name not in wanted]
    if stale:
        await session.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id, ContactTag.tag.in_(stale)))
    for name in sorted(wanted - set(current)):
        session.add(ContactTag(contact_id=contact.id, tag=name, source=RULE, created_at=utcnow()))
    await session.flush()


async def rederive_all(uows: UnitOfWorkFactory, rules: Rules, now: datetime | None = None) -> int:
    """Every contact's tier and rule tags again (the rules changed, or time passed: "at risk"), a
    batch per transaction so that no write waits long behind it. Returns how many."""
    done, after = 0, 0
    while True:
        async with uows() as uow:
            batch = list((await uow.session.execute(
                select(Contact).where(Contact.id > after, Contact.merged_into_id.is_(None), Contact.erased_at.is_(None))
                .order_by(Contact.id).limit(_BATCH))).scalars())
            current = await rules(uow)
            for contact in batch:
                await rederive(uow.session, contact, current, now)
            await uow.commit()
        done += len(batch)
        if len(batch) < _BATCH:
            return done
        after = batch[-1].id


async def facts_of(session: AsyncSession, contact: Contact, now: datetime) -> Facts:
    tickets = (await session.execute(
        select(Ticket.reasons, Ticket.csat_rating).join(Conversation, Conversation.id == Ticket.conversation_id)
        .where(Conversation.contact_id == contact.id))).all()
    channels = (await session.execute(select(func.count(func.distinct(Conversation.channel)))
                                      .where(Conversation.contact_id == contact.id))).scalar_one()
    last = aware(contact.last_order_at) if contact.last_order_at else None
    return Facts(
        order_count=contact.order_count,
        lifetime_value=contact.lifetime_value_cents / 100,
        days_since_last_order=(now - last).days if last else None,
        shop_tier=contact.shop_tier,
        tickets=len(tickets),
        complaints=sum(1 for reasons, _rating in tickets if COMPLAINT in (reasons or [])),
        low_ratings=sum(1 for _reasons, rating in tickets if rating is not None and rating <= LOW_RATING),
        channels=channels,
    )


def _cents(total: object) -> int:
    try:
        return int(Decimal(str(total)) * 100)
    except (InvalidOperation, ValueError):
        return 0


def _moment(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return aware(datetime.fromisoformat(raw))
    except ValueError:
        return None


def _one_line(address: object) -> str | None:
    if not isinstance(address, dict):
        return None
    parts = [address.get("street"), f"{address.get('postcode') or ''} {address.get('city') or ''}".strip(),
             address.get("country")]
    return ", ".join(str(part) for part in parts if part)[:400] or None
