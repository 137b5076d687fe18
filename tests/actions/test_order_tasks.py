"""The order tasks, run on a verified order of the demo shop; refused requests change nothing."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.order_changes import ActionCancelOrder, ActionChangeAddress, ActionCheckTaskAllowed, ValidateAddressForm
from actions.orders import ActionCheckOrderStatus, ActionReportDeliveryProblem, ActionTrackShipment
from actions.returns import ActionCheckRefundStatus, ActionSendInvoice, ActionStartReturn
from actions.services import Services
from tests.actions.trackers import texts, tracker, values


def verified(order_id: str, **slots: object):
    return tracker({"order_id": order_id, "verified_order_id": order_id, **slots})


async def run(action, tracker_) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    return dispatcher, events


async def test_unverified_order_reveals_nothing(shop: Services) -> None:
    dispatcher, _ = await run(ActionCheckOrderStatus(), tracker({"order_id": "10001", "verified_order_id": "10002"}))
    assert dispatcher.messages == []


async def test_status_of_a_paid_order(shop: Services) -> None:
    dispatcher, _ = await run(ActionCheckOrderStatus(), verified("10001"))
    said = values(dispatcher, "utter_order_status")
    assert "waiting to be packed" in said["status_text"] and said["items"]


async def test_tracking_shows_latest_events_newest_first(shop: Services) -> None:
    dispatcher, _ = await run(ActionTrackShipment(), verified("10002"))
    said = values(dispatcher, "utter_shipment_tracking")
    assert said["carrier"] == "DHL" and said["events"].count("- ") == 3
    assert said["eta_text"].startswith("expected on")


async def test_no_tracking_before_shipping(shop: Services) -> None:
    dispatcher, _ = await run(ActionTrackShipment(), verified("10009"))
    assert texts(dispatcher) == ["utter_no_shipment_yet"]


async def test_cancel_refused_after_shipping(shop: Services) -> None:
    dispatcher, events = await run(ActionCheckTaskAllowed(), verified("10002", order_task="cancel"))
    assert "already shipped" in values(dispatcher, "utter_cancel_refused")["why"]
    assert {"event": "slot", "name": "task_allowed", "value": False, "timestamp": None} in events
    assert shop.orders.get_order("10002").status == "shipped"


async def test_cancel_after_confirmation(shop: Services) -> None:
    dispatcher, _ = await run(ActionCancelOrder(), verified("10001", confirm_cancel=True))
    assert "goes back to your original payment method" in values(dispatcher, "utter_order_cancelled")["refund_text"]
    assert shop.orders.get_order("10001").status == "cancelled"


async def test_declined_cancellation_keeps_the_order(shop: Services) -> None:
    dispatcher, _ = await run(ActionCancelOrder(), verified("10001", confirm_cancel=False))
    assert texts(dispatcher) == ["utter_cancel_kept"]
    assert shop.orders.get_order("10001").status == "paid"


def test_address_form_explains_what_is_missing(shop: Services) -> None:
    dispatcher = CollectingDispatcher()
    slots = ValidateAddressForm().validate_new_address("<b>Berlin</b>", dispatcher, verified("10001"), {})
    assert slots == {"new_address": None}
    assert values(dispatcher, "utter_address_invalid")["why"]


async def test_address_change_before_shipping(shop: Services) -> None:
    dispatcher, _ = await run(ActionChangeAddress(), verified("10001", new_address="Hauptstr. 5, 10115 Berlin"))
    assert "10115 Berlin" in values(dispatcher, "utter_address_changed")["address"]
    assert shop.orders.get_order("10001").shipping_address.postcode == "10115"


async def test_return_of_a_one_item_order_gets_a_number(shop: Services) -> None:
    dispatcher, _ = await run(ActionStartReturn(), verified("10014"))
    number = values(dispatcher, "utter_return_started")["return_number"]
    assert number.startswith("R-") and shop.orders.returns_for_order("10014")[0].number == number


async def test_return_after_the_window_is_refused(shop: Services) -> None:
    dispatcher, _ = await run(ActionStartReturn(), verified("10004"))
    assert "return window is 30 days" in values(dispatcher, "utter_return_refused")["why"]
    assert shop.orders.returns_for_order("10004") == []


async def test_refund_states(shop: Services) -> None:
    issued, _ = await run(ActionCheckRefundStatus(), verified("10007"))
    assert "was refunded" in values(issued, "utter_refund_status")["refund_text"]
    pending, _ = await run(ActionCheckRefundStatus(), verified("10008"))
    assert "being processed" in values(pending, "utter_refund_status")["refund_text"]


async def test_invoice_only_once_paid(shop: Services) -> None:
    paid, _ = await run(ActionSendInvoice(), verified("10012"))
    assert values(paid, "utter_invoice")["invoice_number"] == "INV-2026-10012"
    unpaid, _ = await run(ActionSendInvoice(), verified("10005"))
    assert texts(unpaid) == ["utter_no_invoice"]


async def test_delivery_problem_shows_the_carrier_exception_and_offers_a_person(shop: Services) -> None:
    dispatcher, _ = await run(ActionReportDeliveryProblem(), verified("10002"))
    assert "DHL shows it as" in values(dispatcher, "utter_delivery_problem")["shipment_text"]
    assert texts(dispatcher)[-1] == "utter_offer_human"


async def test_address_not_found_offers_to_correct_it_or_a_person(shop: Services) -> None:
    dispatcher, _ = await run(ActionReportDeliveryProblem(), verified("10010"))
    said = values(dispatcher, "utter_address_not_found")
    assert said["carrier"] == "UPS" and "Praha" in said["address"]
