"""Quality review routes: supervisors and admins draw samples of resolved conversations, read each
transcript (masked as for agents: reviewing needs no one's personal data) and score it; agents
read the scored reviews of their own tickets. The supervisor who drew a sample (or an admin)
discards it, or one conversation of it, while unscored. Every score, change and discard is audited."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import audit, masked_views, review_sampling, reviews
from handoff.api.guard import requires
from handoff.api.requests import client_address, json_body
from handoff.clock import utcnow
from handoff.contacts import audit_subject
from handoff.conversations import messages_after
from handoff.masking import Masker
from handoff.models import Agent
from handoff.serialize import message_json
from handoff.uow import UnitOfWork

review_routes = Blueprint("reviews", url_prefix="/api/reviews")
TRANSCRIPT_LIMIT = 1000


@review_routes.post("/samples")
@requires("supervisor")
async def draw_sample(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    wanted = await review_sampling.sample_request(uow.session, json_body(request), utcnow())
    sample = await review_sampling.create_sample(uow.session, agent, wanted)
    view = await reviews.sample_json(uow.session, sample, with_items=True)
    audit.record(uow.session, agent, audit.REVIEW_SAMPLED, f"sample:{sample.id}",
                 details={key: view[key] for key in ("seed", "kind", "from", "to", "agent_id", "team", "size", "drawn")},
                 address=client_address(request))
    return json(view, status=201)


@review_routes.get("/samples")
@requires("supervisor")
async def list_samples(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"samples": await reviews.recent_samples(uow.session)})


@review_routes.get("/samples/<sample_id:int>")
@requires("supervisor")
async def show_sample(request: Request, uow: UnitOfWork, agent: Agent, sample_id: int) -> HTTPResponse:
    sample = await reviews.get_sample(uow.session, sample_id)
    return json(await reviews.sample_json(uow.session, sample, with_items=True))


@review_routes.delete("/samples/<sample_id:int>")
@requires("supervisor")
async def discard_sample(request: Request, uow: UnitOfWork, agent: Agent, sample_id: int) -> HTTPResponse:
    """Discards the sample's conversations not yet scored (the scored ones stay)."""
    sample = await reviews.get_sample(uow.session, sample_id)
    kept = await reviews.discard(uow.session, agent, sample, None, client_address(request))
    return json({"sample": await reviews.sample_json(uow.session, sample, with_items=True) if kept else None})


@review_routes.get("/mine")
@requires("agent")
async def my_reviews(request: Request, uow: UnitOfWork, agent: Agent) -> HTTPResponse:
    return json({"reviews": await reviews.reviews_of(uow.session, agent)})


@review_routes.get("/<review_id:int>")
@requires("agent")
async def show_review(request: Request, uow: UnitOfWork, agent: Agent, review_id: int) -> HTTPResponse:
    """The review with the conversation's whole transcript (internal notes included)."""
    review = await reviews.readable_review(uow.session, agent, review_id)
    messages = await messages_after(uow.session, review.conversation_id, 0, TRANSCRIPT_LIMIT, include_internal=True)
    audit.record(uow.session, agent, audit.VIEW_TRANSCRIPT, await audit_subject(uow.session, review.conversation_id),
                 review.ticket_id, details={"review": review.id}, address=client_address(request))
    masker = Masker(reveals=False)
    return json({"review": (await reviews.reviews_json(uow.session, [review]))[0],
                 "messages": [masked_views.message(message_json(m), masker) for m in messages]})


@review_routes.put("/<review_id:int>")
@requires("supervisor")
async def score_review(request: Request, uow: UnitOfWork, agent: Agent, review_id: int) -> HTTPResponse:
    review = await reviews.get_review(uow.session, review_id)
    scored = await reviews.score(uow.session, agent, review, json_body(request), client_address(request))
    return json((await reviews.reviews_json(uow.session, [scored]))[0])


@review_routes.delete("/<review_id:int>")
@requires("supervisor")
async def discard_review(request: Request, uow: UnitOfWork, agent: Agent, review_id: int) -> HTTPResponse:
    """Takes one unscored conversation out of its sample."""
    review = await reviews.get_review(uow.session, review_id)
    sample = await reviews.get_sample(uow.session, review.sample_id)
    kept = await reviews.discard(uow.session, agent, sample, review, client_address(request))
    return json({"sample": await reviews.sample_json(uow.session, sample, with_items=True) if kept else None})
