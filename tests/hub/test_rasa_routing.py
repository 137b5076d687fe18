"""Several Rasa processes behind one RASA_URL: each conversation sticks to one of them, every hub
picks the same one, and a process that refuses connections hands its conversations to the next."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest

from hub.rasa_client import RasaClient, RasaUnreachable, rasa_urls, rendezvous_order
from tests.fakes.rasa import FakeRasa


@pytest.fixture
def two_rasas(fake_rasa: FakeRasa) -> Iterator[tuple[FakeRasa, FakeRasa]]:
    second = FakeRasa()
    second.secret = fake_rasa.secret
    second.start()
    yield fake_rasa, second
    second.stop()


@pytest.fixture
async def client(two_rasas: tuple[FakeRasa, FakeRasa]) -> AsyncIterator[RasaClient]:
    first, second = two_rasas
    client = RasaClient(f"{first.url}, {second.url}/", first.secret, timeout=5)
    client.open()
    yield client
    await client.close()


def test_the_setting_takes_one_url_or_several() -> None:
    assert rasa_urls("http://a:5005/") == ("http://a:5005",)
    assert rasa_urls("http://a:5005, http://b:5005,,http://a:5005") == ("http://a:5005", "http://b:5005")
    with pytest.raises(ValueError, match="RASA_URL"):
        rasa_urls(" , ")


def test_conversations_spread_and_only_a_removed_process_moves_its_own() -> None:
    urls = ("http://a:5005", "http://b:5005", "http://c:5005")
    ids = [f"conversation-{n}" for n in range(3000)]
    first = {key: rendezvous_order(key, urls)[0] for key in ids}
    assert all(800 < count < 1200 for count in Counter(first.values()).values())
    # The same answer in another process: no per-process salt (Python's hash() would differ).
    assert rendezvous_order("conversation-7", urls) == rendezvous_order("conversation-7", tuple(reversed(urls)))
    without_c = {key: rendezvous_order(key, urls[:2])[0] for key in ids}
    moved = [key for key in ids if without_c[key] != first[key]]
    assert moved and all(first[key] == "http://c:5005" for key in moved)
    # ...and each goes where its own order said it would go next.
    assert all(without_c[key] == rendezvous_order(key, urls)[1] for key in moved)


async def test_every_message_of_a_conversation_goes_to_one_process(client: RasaClient,
                                                                   two_rasas: tuple[FakeRasa, FakeRasa]) -> None:
    senders = [uuid.uuid4().hex for _ in range(40)]
    for round_number in range(3):
        for sender in senders:
            turn = await client.send(sender, f"message {round_number}", {})
            assert turn.replies[0].text == f"bot heard: message {round_number}"
    by_fake = [{body["sender"] for _, body in fake.requests} for fake in two_rasas]
    assert by_fake[0].isdisjoint(by_fake[1]) and by_fake[0] | by_fake[1] == set(senders)
    assert all(by_fake)  # both got some
    for fake in two_rasas:
        for sender in {body["sender"] for _, body in fake.requests}:
            assert fake.messages_from(sender) == ["message 0", "message 1", "message 2"]
            assert client.route(sender)[0] == fake.url
    # The recovery's question goes to the process that holds the conversation's turns.
    sender = senders[0]
    holder = next(fake for fake in two_rasas if fake.messages_from(sender))
    asked = await client.turn_of(sender, 1)
    assert asked is None and holder.trackers[sender]


async def test_a_process_that_refuses_connections_passes_its_conversations_on(
        client: RasaClient, two_rasas: tuple[FakeRasa, FakeRasa]) -> None:
    first, second = two_rasas
    on_first = next(s for s in (uuid.uuid4().hex for _ in range(100)) if client.route(s)[0] == first.url)
    await client.send(on_first, "before", {})
    assert await client.ready()
    first.stop()
    turn = await client.send(on_first, "after", {})
    assert turn.replies[0].text == "bot heard: after"
    assert second.messages_from(on_first) == ["after"]
    assert not await client.ready()  # the hub hands outage tickets back only when all are up
    second.stop()
    with pytest.raises(RasaUnreachable):
        await client.send(on_first, "nobody", {})


async def test_a_process_that_drops_the_call_is_not_retried_elsewhere(
        client: RasaClient, two_rasas: tuple[FakeRasa, FakeRasa]) -> None:
    """Dropped after connecting, the message may have reached it: asking another would be asking twice."""
    first, second = two_rasas
    on_first = next(s for s in (uuid.uuid4().hex for _ in range(100)) if client.route(s)[0] == first.url)
    first.down = True
    with pytest.raises(RasaUnreachable):
        await client.send(on_first, "maybe", {})
    assert second.messages_from(on_first) == []
