"""Order status, shipment tracking and delivery problems."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.articles import utter_confident_article
from actions.formatting import day, eta_text, events_text, items_summary, status_text
from actions.order_task import OrderTaskAction, text_of_latest, utter
from actions.services import Services
from knowledge_base.shop.rules import delivery_problem
from knowledge_base.shop.views import OrderView


class ActionCheckOrderStatus(OrderTaskAction):
    def name(self) -> str:
        return "action_check_order_status"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        return utter(dispatcher, "utter_order_status", order, placed_on=day(order.placed_at),
                     status_text=status_text(order), items=items_summary(order))


class ActionTrackShipment(OrderTaskAction):
    def name(self) -> str:
        return "action_track_shipment"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        shipment = order.shipment
        if shipment is None:
            return utter(dispatcher, "utter_no_shipment_yet", order, status_text=status_text(order))
        utter(dispatcher, "utter_shipment_tracking", order, carrier=shipment.carrier,
              tracking_number=shipment.tracking_number, eta_text=eta_text(shipment),
              events=events_text(shipment), tracking_url=shipment.tracking_url)
        if address_not_found(order):
            utter(dispatcher, "utter_address_not_found", order, carrier=shipment.carrier,
                  address=order.shipping_address.one_line())
        return []


class ActionReportDeliveryProblem(OrderTaskAction):
    """Shows what the carrier reports, points to the help article for the problem the shopper
    describes, and offers a person: damaged, lost or missing parcels need one."""

    def name(self) -> str:
        return "action_report_delivery_problem"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        if address_not_found(order):
            assert order.shipment is not None
            return utter(dispatcher, "utter_address_not_found", order, carrier=order.shipment.carrier,
                         address=order.shipping_address.one_line())
        utter(dispatcher, "utter_delivery_problem", order, shipment_text=_shipment_text(order, shop))
        text = text_of_latest(tracker, "delivery_problem")
        utter_confident_article(shop.faq, dispatcher, text, "delivery_problem")
        dispatcher.utter_message(response="utter_offer_human")
        return []


def address_not_found(order: OrderView) -> bool:
    """The carrier could not find the address: the shopper can correct it while it holds the parcel."""
    shipment = order.shipment
    latest = shipment.latest_event if shipment else None
    return bool(shipment and shipment.status == "exception" and latest and "address" in latest.description.lower())


def _shipment_text(order: OrderView, shop: Services) -> str:
    shipment = order.shipment
    if shipment is None:
        return f"the order is {status_text(order)}; it hasn't been handed to a carrier yet."
    latest = shipment.latest_event
    last_scan = f"The last scan ({day(latest.at)}, {latest.location}): {latest.description}." if latest else ""
    problem = delivery_problem(shipment, shop.clock())
    verdict = {
        "exception": f"{shipment.carrier} reports a problem with this delivery.",
        "overdue": f"It is past its expected delivery date ({day(shipment.estimated_delivery)}).",
    }.get(problem or "", f"{shipment.carrier} shows it as {shipment.status.replace('_', ' ')}.")
    return f"{verdict} {last_scan} Tracking number {shipment.tracking_number}.".replace("  ", " ")
