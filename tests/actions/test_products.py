"""Product answers and promo codes against the demo catalogue."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.products import ActionCheckPromoCode, ActionProductInfo, find_promo
from actions.services import Services
from tests.actions.trackers import texts, tracker, values


async def ask(action, text: str, intent: str) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(text=text, intent=intent), {})
    return dispatcher


def test_promo_code_is_found_in_free_text(shop: Services) -> None:
    assert find_promo(shop, "hi, is welcome10 still valid?")[0] == "WELCOME10"
    assert find_promo(shop, "my code XMAS99 doesnt work") == ("XMAS99", None)
    assert find_promo(shop, "how do i use a discount code") == (None, None)


async def test_promo_answers(shop: Services) -> None:
    assert "10% off" in values(await ask(ActionCheckPromoCode(), "WELCOME10?", "promo_code"), "utter_promo_valid")["benefit"]
    expired = await ask(ActionCheckPromoCode(), "SUMMER25 isnt working", "promo_code")
    assert "expired on" in values(expired, "utter_promo_invalid")["why"]
    vip = await ask(ActionCheckPromoCode(), "code VIP20", "promo_code")
    assert "VIP" in values(vip, "utter_promo_invalid")["why"]


async def test_promo_question_without_a_code_gets_the_article(shop: Services) -> None:
    dispatcher = await ask(ActionCheckPromoCode(), "how do i apply a discount code at checkout", "promo_code")
    assert texts(dispatcher) == ["utter_faq_answer"]


async def test_product_stock_and_sizes(shop: Services) -> None:
    dispatcher = await ask(ActionProductInfo(), "do you have the rain jacket", "product_info")
    listing = values(dispatcher, "utter_product_info")["products"]
    assert listing.startswith("- Lightweight Rain Jacket") and "out of stock" in listing


async def test_unknown_product(shop: Services) -> None:
    dispatcher = await ask(ActionProductInfo(), "do you sell submarines", "product_info")
    assert texts(dispatcher) == ["utter_product_not_found"]
