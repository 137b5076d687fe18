"""`shopdesk demo-history`: marked demo rows that fill every report, written once, removed whole."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handoff.clock import utcnow
from handoff.demo_history import DEMO_DOMAIN, FEEDBACK_TEXTS, has_demo_data, remove_demo_history, write_demo_history
from handoff.models import Agent, Contact, Conversation, Message, Team, Ticket
from handoff.reports import ReportFilter, run_report
from hub.channels.telegram_outbox import CHANNEL_NAME as TELEGRAM
from hub.channels.webchat_sessions import CHANNEL_NAME as WEBCHAT
from tests.handoff.databases import HubDb


async def count(db: HubDb, query: object) -> int:
    async with db.uows() as uow:
        return int((await uow.session.execute(query)).scalar_one())  # type: ignore[call-overload]


async def test_demo_history_is_marked_fills_the_reports_and_goes_away(any_db: HubDb) -> None:
    real_agent = await any_db.agent("Real")
    real_conversation = await any_db.conversation()
    now = utcnow()
    async with any_db.uows() as uow:
        made = await write_demo_history(uow.session, now, days=3, per_day=40)
    assert made.conversations > 60 and made.tickets > 0 and made.agents == 4

    async with any_db.uows() as uow:
        assert await has_demo_data(uow.session)
        demo = select(Conversation).where(Conversation.id != real_conversation.id)
        conversations = (await uow.session.execute(demo)).scalars().all()
        assert all(c.channel_user_id.startswith("demo:") and c.display_name.endswith("(demo)") for c in conversations)
        agents = (await uow.session.execute(select(Agent).where(Agent.id != real_agent.id))).scalars().all()
        assert all(a.email.endswith(f"@{DEMO_DOMAIN}") and not a.active and a.display_name.endswith("(demo)") for a in agents)
        # The channels the hub's own conversations carry, so the channel filters find the demo's too.
        assert {c.channel for c in conversations} == {WEBCHAT, TELEGRAM}
        # None left open: its demo agent never logs in, and nobody could settle it in the console.
        assert set((await uow.session.execute(select(Ticket.status))).scalars()) == {"resolved"}
        assert {c.state for c in conversations if c.channel_user_id.startswith("demo:")} == {"closed"}
        named = (await uow.session.execute(select(Ticket.customer_name, Conversation.display_name, Contact.name)
                                           .join(Conversation, Conversation.id == Ticket.conversation_id)
                                           .join(Contact, Contact.id == Conversation.contact_id))).all()
        assert named and all(row[0] == row[1] == row[2] and row[0].endswith(" (demo)") for row in named)
        teams = set((await uow.session.execute(select(Team.name))).scalars())
        ticket_teams = set((await uow.session.execute(select(Ticket.team).where(Ticket.team.is_not(None)))).scalars())
        assert ticket_teams and ticket_teams | {t for a in agents for t in a.teams} <= teams  # the teams Manage lists
        week = ReportFilter.for_days((now - timedelta(days=3)).date(), now.date(), now)
        bot = (await run_report(uow.session, "bot", week, False))["current"]
        service = (await run_report(uow.session, "service", week, False))["current"]
        agents_report = (await run_report(uow.session, "agents", week, False))["current"]["agents"]
    assert bot["overall"]["conversations"] == made.conversations
    assert 0.5 < bot["overall"]["containment"] < 0.95
    assert {row["key"] for row in bot["per_intent"]} >= {"order_status", "nlu_fallback", "out_of_scope"}
    assert service["tickets"] == made.tickets and service["csat"]["rated"] > 0
    assert {row["display_name"] for row in agents_report} == {"Mia (demo)", "Jonas (demo)", "Lea (demo)", "Sam (demo)"}

    async with any_db.uows() as uow:
        assert await remove_demo_history(uow.session) == made.conversations
    assert await count(any_db, select(func.count()).select_from(Conversation)) == 1
    assert await count(any_db, select(func.count()).select_from(Agent)) == 1
    assert await count(any_db, select(func.count()).select_from(Ticket)) == 0
    assert await count(any_db, select(func.count()).select_from(Message)) == 0
    assert await count(any_db, select(func.count()).select_from(Contact)) == 0


async def test_some_shoppers_write_again_after_the_resolution_and_their_tickets_count_as_reopened(db: HubDb) -> None:
    now = utcnow()
    async with db.uows() as uow:
        made = await write_demo_history(uow.session, now, days=14, per_day=60)
        service = (await run_report(uow.session, "service", ReportFilter.for_days(
            (now - timedelta(days=14)).date(), now.date(), now), False))["current"]
        second = (await uow.session.execute(
            select(Ticket.conversation_id, func.min(Ticket.resolved_at), func.max(Ticket.created_at))
            .group_by(Ticket.conversation_id).having(func.count() > 1))).all()
        for conversation_id, resolved, reopened in second:
            wrote_again = await uow.session.scalar(select(func.count()).select_from(Message).where(
                Message.conversation_id == conversation_id, Message.author_kind == "shopper",
                Message.created_at > resolved, Message.created_at < reopened))
            assert wrote_again == 1, conversation_id
    assert made.tickets > 100 and len(second) > 3
    assert 0.03 < service["reopen_rate"] < 0.2
    assert 0.6 < service["first_contact_resolution"] < 1 - service["reopen_rate"]


async def test_the_demo_shoppers_answer_the_nps_question_and_some_say_an_answer_did_not_help(db: HubDb) -> None:
    now = utcnow()
    async with db.uows() as uow:
        await write_demo_history(uow.session, now, days=14, per_day=60)
        period = ReportFilter.for_days((now - timedelta(days=14)).date(), now.date(), now)
        service = (await run_report(uow.session, "service", period, False))["current"]
        bot = (await run_report(uow.session, "bot", period, False))["current"]
        topics = (await run_report(uow.session, "topics", period, False))["current"]
        scored = (await uow.session.execute(select(Ticket).where(Ticket.nps_score.is_not(None)))).scalars().all()
        feedback = (await uow.session.execute(select(Message.text).where(
            Message.intent == "feedback_negative"))).scalars().all()
    # As the rating flow stores them: a score only after a rating, before the comment.
    assert scored and all(t.csat_rating is not None and t.csat_state == "done" and t.nps_at > t.csat_at for t in scored)
    nps = service["nps"]
    assert 0.6 * service["csat"]["rated"] < nps["responses"] < service["csat"]["rated"]
    assert nps["promoters"] > nps["passives"] > 0 and nps["detractors"] > 0 and 0 < nps["score"] < 100
    assert feedback and {"that didn't help", "that's not what I asked"} <= set(feedback)
    negative = bot["negative_feedback"]
    assert 0.03 < negative["share"] < 0.3
    examples = [e["then"] for row in negative["per_intent"] for e in row["examples"]]
    assert any(text in FEEDBACK_TEXTS for text in examples)
    causes = topics["complaint_causes"]["causes"]
    assert sum(row["negative_feedback"] for row in causes) > 0
    assert all(row["examples"] for row in causes if row["key"] is not None)
