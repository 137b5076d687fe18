"""Hot topics and knowledge gaps (docs/METRICS.md).

Hot topics: the intents the bot read in shopper messages, by volume, against the period before;
a topic is rising when it at least doubled and counts at least MIN_RISING messages.

Knowledge gaps: what the bot could not answer (shopper messages it read as `nlu_fallback` or
`out_of_scope`, and the messages that opened a `bot_cannot_complete` ticket), grouped into topics
by their wording: TF-IDF over word uni- and bigrams, average-linkage agglomerative clustering on
cosine distance with a fixed threshold (so the number of topics follows the data), each topic
named by its highest-weighted terms and shown with examples and counts: each a candidate help
article.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Conversation, Message
from handoff.reports import SHOPPER, ReportFilter, in_period, tickets_in
from handoff.reports_sql import ratio

UNANSWERED_INTENTS = ("nlu_fallback", "out_of_scope")
CANNOT_COMPLETE = "bot_cannot_complete"
MAX_GAP_MESSAGES = 1000
DISTANCE_THRESHOLD = 0.8
EXAMPLES = 3
MIN_RISING = 5
TOP_TOPICS = 20


async def _intent_counts(session: AsyncSession, found: ReportFilter) -> Counter[str]:
    query = (select(Message.intent, func.count()).join(Conversation, Conversation.id == Message.conversation_id)
             .where(Message.author_kind == SHOPPER, Message.intent.is_not(None), in_period(Message.created_at, found))
             .group_by(Message.intent))
    if found.channel:
        query = query.where(Conversation.channel == found.channel)
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


async def _unanswered(session: AsyncSession, found: ReportFilter) -> list[tuple[str, str]]:
    """(text, where it came from), newest first."""
    query = (select(Message.text, Message.intent).join(Conversation, Conversation.id == Message.conversation_id)
             .where(Message.author_kind == SHOPPER, Message.intent.in_(UNANSWERED_INTENTS), Message.text.is_not(None),
                    in_period(Message.created_at, found))
             .order_by(Message.created_at.desc()).limit(MAX_GAP_MESSAGES))
    if found.channel:
        query = query.where(Conversation.channel == found.channel)
    found_texts = [(row[0], row[1]) for row in (await session.execute(query)).all()]
    tickets = tickets_in(found).subquery()
    stuck = await session.execute(select(tickets.c.trigger_text, tickets.c.reasons).where(tickets.c.trigger_text.is_not(None)))
    found_texts += [(row[0], CANNOT_COMPLETE) for row in stuck.all() if CANNOT_COMPLETE in (row[1] or [])]
    return [(text.strip(), source) for text, source in found_texts if text and text.strip()]


def group_topics(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Topics of similar wording, largest first: name (top terms), count, per source, examples."""
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
    return {"hot_topics": await hot_topics(session, found), "unanswered": len(unanswered),
            "knowledge_gaps": group_topics(unanswered)}
