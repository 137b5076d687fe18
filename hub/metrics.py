"""The hub's Prometheus metrics (prometheus-client), served on a loopback port of each replica
when SHOPDESK_METRICS_PORT is set (`make run-scaled` sets one per replica); scrape every replica.

What is counted: shopper messages by where they went, the time a message takes through the hub and
the time of the Rasa hop alone, Rasa failures by kind and the errors Rasa logged in a turn (failed
actions), handoffs by reason, the queue's length and how long tickets waited for an agent.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from handoff.broadcast import QUEUE_CHANGED
from handoff.delivery import MESSAGE_CREATED
from handoff.events import Event
from handoff.tickets import TICKET_ASSIGNED, TICKET_QUEUED

# Seconds; a shopper notices from about half a second, a turn past the Rasa timeout is a failure.
_LATENCY = (0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0)
_WAITS = (5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)


class HubMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.messages = Counter("shopdesk_messages", "Messages stored, by author kind", ["author_kind"],
                                registry=self.registry)
        self.handled = Histogram("shopdesk_message_seconds", "A shopper message through the hub, stored to answered",
                                 buckets=_LATENCY, registry=self.registry)
        self.rasa_turn = Histogram("shopdesk_rasa_turn_seconds", "The hub's call to Rasa for one turn",
                                   buckets=_LATENCY, registry=self.registry)
        self.rasa_errors = Counter("shopdesk_rasa_errors", "Rasa turns that failed, by kind (unreachable, unavailable)",
                                   ["kind"], registry=self.registry)
        self.action_errors = Counter("shopdesk_turn_errors", "Errors Rasa logged while answering (failed actions)",
                                     registry=self.registry)
        self.handoffs = Counter("shopdesk_handoffs", "Tickets opened, by handoff reason", ["reason"],
                                registry=self.registry)
        self.queue_length = Gauge("shopdesk_queue_length", "Tickets waiting for an agent", registry=self.registry)
        self.queue_wait = Histogram("shopdesk_queue_wait_seconds", "From queued to assigned", buckets=_WAITS,
                                    registry=self.registry)

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        start_http_server(port, addr=host, registry=self.registry)

    async def on_event(self, event: Event) -> None:
        """Subscribed everywhere for the queue's length (any replica's snapshot is the queue), the
        rest only for this replica's own events (each replica counts what it did)."""
        if event.type == QUEUE_CHANGED:
            self.queue_length.set(len(event.data.get("queue") or []))
        elif event.remote:
            return
        elif event.type == MESSAGE_CREATED:
            self.messages.labels(event.data["message"]["author_kind"]).inc()
        elif event.type == TICKET_QUEUED:
            for reason in event.data["ticket"].get("reasons") or ["unknown"]:
                self.handoffs.labels(str(reason)).inc()
        elif event.type == TICKET_ASSIGNED:
            waited = _seconds_between(event.data["ticket"].get("queued_at"), event.data["ticket"].get("assigned_at"))
            if waited is not None:
                self.queue_wait.observe(waited)


def _seconds_between(start: object, end: object) -> float | None:
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())
    except ValueError:
        return None
