"""Labels on tickets: free words agents add to classify and find tickets (e.g. "damaged", "dhl")."""

from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.errors import BadInput
from handoff.models import TicketLabel

_LABEL = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")
MAX_LABELS = 10


def clean_labels(value: object) -> list[str]:
    """Lower-cased, trimmed, each once; BadInput for anything that is not a short word or two."""
    if not isinstance(value, list) or len(value) > MAX_LABELS:
        raise BadInput(f"'labels' must be a list of at most {MAX_LABELS} labels.", "invalid_field")
    labels = []
    for item in value:
        label = " ".join(item.lower().split()) if isinstance(item, str) else ""
        if not _LABEL.match(label):
            raise BadInput("A label is 1-40 letters, digits, spaces, '-' or '_'.", "invalid_field")
        labels.append(label)
    return sorted(dict.fromkeys(labels))


async def set_labels(session: AsyncSession, ticket_id: int, labels: list[str]) -> None:
    await session.execute(delete(TicketLabel).where(TicketLabel.ticket_id == ticket_id))
    session.add_all(TicketLabel(ticket_id=ticket_id, label=label) for label in labels)
    await session.flush()


async def labels_of(session: AsyncSession, ticket_ids: set[int]) -> dict[int, list[str]]:
    if not ticket_ids:
        return {}
    query = select(TicketLabel.ticket_id, TicketLabel.label).where(TicketLabel.ticket_id.in_(ticket_ids))
    found: dict[int, list[str]] = defaultdict(list)
    for ticket_id, label in (await session.execute(query.order_by(TicketLabel.label))).all():
        found[ticket_id].append(label)
    return found


async def labels_in_use(session: AsyncSession) -> list[dict[str, object]]:
    query = select(TicketLabel.label, func.count()).group_by(TicketLabel.label).order_by(TicketLabel.label)
    return [{"label": label, "tickets": count} for label, count in (await session.execute(query)).all()]
