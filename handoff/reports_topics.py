"""Hot topics and knowledge gaps (docs/METRICS.md).

Hot topics: the intents the bot read in shopper messages, by volume, against the period before;
a topic is rising when it at least doubled and counts at least MIN_RISING messages. Spikes: the
products and carriers shoppers named (handoff/report_subjects.py), by the share of the period's
conversations naming each, flagged when that share at least doubled and at least MIN_SPIKE
conversations named it.

Knowledge gaps: what the bot could not answer (shopper messages it read as `nlu_fallback` or
`out_of_scope`, and the messages that opened a `bot_cannot_complete` ticket), grouped into topics
by their wording: TF-IDF over word uni- and bigrams, average-linkage agglomerative clustering on
cosine distance with a fixed threshold (so the number of topics follows the data), each topic
named by its highest-weighted terms and shown with examples and counts: each a candidate help
article.
"""

from __future__ import annotations

import copy
import functools
from collections import Counter
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Message
from handoff.report_summaries import live_subjects, period_conversations
from handoff.reports import SHOPPER, ReportFilter, in_period, on_channel, tickets_in
from handoff.reports_rollup import Row, answer
from handoff.reports_sql import ratio
from handoff.summary_models import CARRIER, PRODUCT, ConversationFacet

UNANSWERED_INTENTS = ("nlu_fallback", "out_of_scope")
CANNOT_COMPLETE = "bot_cannot_complete"
MAX_GAP_MESSAGES = 1000
DISTANCE_THRESHOLD = 0.8
EXAMPLES = 3
MIN_RISING = 5
MIN_SPIKE = 10
TOTAL = "total"
TOP_TOPICS = 20


async def _intent_counts(session: AsyncSession, found: ReportFilter) -> Counter[str]:
    # Without a channel, the index answers alone.
    query = on_channel(select(Message.intent, func.count())
                       .where(Message.author_kind == SHOPPER, Message.intent.is_not(None), in_period(Message.created_at, found))
                       .group_by(Message.intent), Message.conversation_id, found)
    return Counter({row[0]: row[1] for row in (await session.execute(query)).all()})


async def hot_topics(session: AsyncSession, found: ReportFilter) -> list[dict[str, Any]]:
    now, before = await _intent_counts(session, found), await _intent_counts(session, found.previous())
    rows = []
    for intent, count in now.most_common():
        earlier = before.get(intent, 0)
        rows.append({"key": intent, "messages": count, "previous": earlier,
                     "change": ratio(count - earlier, earlier),
                     "rising": count >= MIN_RISING and count >= 2 * max(earlier, 1)})
    return rows


async def _subject_counts(session: AsyncSession, found: ReportFilter) -> tuple[int, Counter[tuple[str, str]]]:
    """The period's conversations, and how many of them named each product and carrier: read from
    the summaries with the totals in one statement, the messages of the others only if there are any."""
    conversations = period_conversations(found).cte("period")
    facet = ConversationFacet
    totals = select(literal(TOTAL), literal(TOTAL), func.count(), func.coalesce(func.sum(1 - conversations.c.summarized), 0))
    named = (select(facet.kind, facet.value, func.count(), literal(0))
             .join(conversations, and_(conversations.c.id == facet.conversation_id, conversations.c.summarized != 0))
             .where(facet.kind.in_((PRODUCT, CARRIER)), in_period(facet.created_at, found)).group_by(facet.kind, facet.value))
    rows = (await session.execute(union_all(totals.select_from(conversations), named))).all()
    total, live = next((int(row[2]), int(row[3])) for row in rows if row[0] == TOTAL)
    counts: Counter[tuple[str, str]] = Counter({(row[0], row[1]): row[2] for row in rows if row[0] != TOTAL})
    if live:
        counts.update((kind, value) for _id, kind, value in await live_subjects(session, conversations))
    return total, counts


async def subject_rows(session: AsyncSession, found: ReportFilter) -> list[Row]:
    """The period's conversations (kind and key TOTAL), and how many named each product and carrier."""
    total, counts = await _subject_counts(session, found)
    return [(TOTAL, TOTAL, total, 0), *((kind, value, count, 0) for (kind, value), count in counts.items())]


async def _subjects(session: AsyncSession, found: ReportFilter) -> tuple[int, Counter[tuple[str, str]]]:
    """As _subject_counts, the days rolled up (handoff/reports_rollup.py) read from the rollup."""
    rows = await answer(session, found, subject_rows, (TOTAL, PRODUCT, CARRIER))
    total = sum(row[2] for row in rows if row[0] == TOTAL)
    return total, Counter({(row[0], row[1]): row[2] for row in rows if row[0] != TOTAL})


async def spikes(session: AsyncSession, found: ReportFilter) -> list[dict[str, Any]]:
    """Products and carriers by the share of conversations naming them, against the period before."""
    (total, now), (total_before, before) = await _subjects(session, found), await _subjects(session, found.previous())
    rows = []
    for (kind, value), count in now.items():
        share, earlier = ratio(count, total), ratio(before.get((kind, value), 0), total_before)
        rows.append({"kind": kind, "key": value, "conversations": count, "share": share,
                     "previous": before.get((kind, value), 0), "previous_share": earlier,
                     "spike": count >= MIN_SPIKE and earlier is not None and (share or 0) >= 2 * earlier})
    return sorted(rows, key=lambda row: (not row["spike"], -row["conversations"], row["kind"], row["key"]))


async def _unanswered(session: AsyncSession, found: ReportFilter) -> list[tuple[str, str]]:
    """(text, where it came from), newest first."""
    query = on_channel(select(Message.text, Message.intent)
                       .where(Message.author_kind == SHOPPER, Message.intent.in_(UNANSWERED_INTENTS), Message.text.is_not(None),
                              in_period(Message.created_at, found))
                       .order_by(Message.created_at.desc()).limit(MAX_GAP_MESSAGES), Message.conversation_id, found)
    found_texts = [(row[0], row[1]) for row in (await session.execute(query)).all()]
    tickets = tickets_in(found).subquery()
    stuck = await session.execute(select(tickets.c.trigger_text, tickets.c.reasons).where(tickets.c.trigger_text.is_not(None)))
    found_texts += [(row[0], CANNOT_COMPLETE) for row in stuck.all() if CANNOT_COMPLETE in (row[1] or [])]
    return [(text.strip(), source) for text, source in found_texts if text and text.strip()]


def group_topics(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Topics of similar wording, largest first: name (top terms), count, per source, examples.
    The same messages give the same topics, so a period's grouping is computed once and kept (a
    report and its comparison, and the period before, are asked for again and again)."""
    return copy.deepcopy(_grouped(tuple(items)))


@functools.lru_cache(maxsize=64)
def _grouped(items: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    if not items:
        return []
    texts = [text.lower() for text, _source in items]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True, min_df=1)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    if len(items) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        clustering = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                             distance_threshold=DISTANCE_THRESHOLD)
        labels = clustering.fit_predict(matrix.toarray())
    terms = vectorizer.get_feature_names_out()
    topics: list[dict[str, Any]] = []
    for label in set(labels.tolist()):
        members = [n for n, item in enumerate(labels) if item == label]
        weights = np.asarray(matrix[members].mean(axis=0)).ravel()
        named = [terms[n] for n in weights.argsort()[::-1][:3] if weights[n] > 0]
        examples = list(dict.fromkeys(items[n][0] for n in members))[:EXAMPLES]
        topics.append({"topic": ", ".join(named) or examples[0][:40], "messages": len(members),
                       "sources": dict(Counter(items[n][1] for n in members)), "examples": examples})
    return sorted(topics, key=lambda topic: (-topic["messages"], topic["topic"]))[:TOP_TOPICS]


async def topics_report(session: AsyncSession, found: ReportFilter) -> dict[str, Any]:
    unanswered = await _unanswered(session, found)
    return {"hot_topics": await hot_topics(session, found), "spikes": await spikes(session, found),
            "unanswered": len(unanswered),
            "knowledge_gaps": group_topics(unanswered)}
