"""The demo shop's customers, products and promo codes, as plain data (documented in
DEMO_DATA.md). Orders, whose dates depend on "now", are built in seed.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from knowledge_base.shop import models
from knowledge_base.shop.parsing import phone_digits

# id, name, email, phone, tier, (street, postcode, city, country)
CUSTOMERS: tuple[tuple[Any, ...], ...] = (
    (1, "Anna Schmidt", "anna.schmidt@example.com", "+49 151 23456789", "regular",
     ("Hauptstr. 5", "10115", "Berlin", "Germany")),
    (2, "Ben Carter", "ben.carter@example.com", "+44 7700 900123", "vip",
     ("14 Camden Road", "NW1 9LQ", "London", "United Kingdom")),
    (3, "Chloe Martin", "chloe.martin@example.com", "+33 6 12 34 56 78", "new",
     ("8 Rue de la Paix", "75002", "Paris", "France")),
    (4, "Diego Alvarez", "diego.alvarez@example.com", "+34 612 345 678", "regular",
     ("Calle de Alcalá 42", "28014", "Madrid", "Spain")),
    (5, "Emma Novak", "emma.novak@example.com", "+420 601 234 567", "regular",
     ("Vinohradská 12", "120 00", "Praha", "Czech Republic")),
    (6, "Farid Haddad", "farid.haddad@example.com", None, "vip",
     ("Keizersgracht 100", "1015 CV", "Amsterdam", "Netherlands")),
    (7, "Grace Lee", "grace.lee@example.com", "+1 415 555 0134", "new",
     ("Leopoldstraße 20", "80802", "München", "Germany")),
)

_APPAREL_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]

# sku, name, category, price in cents, stock, attributes, description
PRODUCTS: tuple[tuple[Any, ...], ...] = (
    ("HD-100", "Classic Cotton Hoodie", "apparel", 4990, 34,
     {"sizes": _APPAREL_SIZES[1:5], "colours": ["Black", "Grey", "Navy"], "material": ["cotton"]},
     "Heavyweight brushed-cotton hoodie with a kangaroo pocket and a lined hood."),
    ("HD-110", "Zip Fleece Hoodie", "apparel", 5990, 3,
     {"sizes": ["S", "M", "L"], "colours": ["Forest Green", "Black"],
      "material": ["recycled polyester fleece"]},
     "Warm full-zip fleece hoodie made from recycled bottles."),
    ("TS-200", "Organic Cotton T-Shirt", "apparel", 1990, 120,
     {"sizes": _APPAREL_SIZES, "colours": ["White", "Black", "Red"], "material": ["organic cotton"]},
     "Soft everyday crew-neck tee, GOTS-certified organic cotton."),
    ("JK-300", "Lightweight Rain Jacket", "apparel", 8900, 0,
     {"sizes": ["S", "M", "L", "XL"], "colours": ["Yellow", "Navy"], "material": ["nylon"]},
     "Packable waterproof jacket with taped seams and an adjustable hood."),
    ("JN-400", "Slim Fit Jeans", "apparel", 6990, 22,
     {"sizes": ["28", "30", "32", "34", "36"], "colours": ["Indigo", "Black"], "material": ["denim"]},
     "Stretch denim jeans with a slim leg; sizes are waist in inches."),
    ("SC-500", "Merino Wool Scarf", "apparel", 2990, 4,
     {"colours": ["Grey", "Burgundy"], "material": ["merino wool"]},
     "Fine-knit merino scarf, 180 x 30 cm."),
    ("SH-600", "Trail Running Shoes", "shoes", 11900, 15,
     {"sizes": [str(size) for size in range(38, 47)], "colours": ["Blue/Orange", "Black"],
      "material": ["mesh"]},
     "Grippy trail runners with a rock plate and a cushioned midsole."),
    ("SH-610", "Road Running Shoes", "shoes", 9900, 2,
     {"sizes": ["40", "41", "43", "44", "45"], "colours": ["White"], "material": ["mesh"]},
     "Light, responsive road running shoes for daily training."),
    ("SH-620", "Canvas Sneakers", "shoes", 5490, 40,
     {"sizes": [str(size) for size in range(36, 46)], "colours": ["White", "Black"],
      "material": ["canvas"]},
     "Low-top canvas sneakers with a vulcanised rubber sole."),
    ("SH-630", "Leather Chelsea Boots", "shoes", 14900, 0,
     {"sizes": [str(size) for size in range(39, 46)], "colours": ["Brown", "Black"],
      "material": ["leather"]},
     "Full-grain leather Chelsea boots with elastic side panels."),
    ("EL-700", "USB-C Fast Charger 65W", "electronics accessories", 3990, 60,
     {"colours": ["White"]},
     "Compact GaN wall charger, 65 W over USB-C, charges laptops and phones."),
    ("EL-710", "Wireless Earbuds", "electronics accessories", 7900, 5,
     {"colours": ["Black", "White"]},
     "Bluetooth 5.3 earbuds with noise cancelling and a 24-hour charging case."),
    ("EL-720", "Braided USB-C Cable 2m", "electronics accessories", 1290, 200,
     {"colours": ["Black"]},
     "Durable braided USB-C to USB-C cable, 100 W, 2 metres."),
    ("EL-730", "Power Bank 20000 mAh", "electronics accessories", 4500, 0,
     {"colours": ["Black"]},
     "High-capacity power bank with USB-C PD and two USB-A ports."),
    ("EL-740", "Phone Case for iPhone 15", "electronics accessories", 2490, 18,
     {"colours": ["Clear", "Black"]},
     "Slim shock-absorbing case with raised edges for the camera."),
    ("HM-800", "Ceramic Coffee Mug Set", "home", 3490, 25,
     {"colours": ["White", "Sage"], "material": ["stoneware"]},
     "Set of four 350 ml stoneware mugs, dishwasher safe."),
    ("HM-810", "Linen Duvet Cover", "home", 8990, 7,
     {"sizes": ["Single", "Double", "King"], "colours": ["Natural", "White"], "material": ["linen"]},
     "Stonewashed French linen duvet cover with button closure."),
    ("HM-820", "Scented Soy Candle", "home", 1690, 80,
     {"scents": ["Lavender", "Cedar"]},
     "Hand-poured soy wax candle, about 40 hours of burn time."),
    ("HM-830", "Bamboo Bath Towel Set", "home", 3990, 0,
     {"colours": ["White", "Grey"], "material": ["bamboo"]},
     "Two bath towels and two hand towels in soft bamboo viscose."),
    ("HM-840", "Desk Lamp with Dimmer", "home", 5400, 12,
     {"colours": ["Black", "Brass"]},
     "LED desk lamp with a stepless dimmer and warm-to-cool light."),
    ("BG-900", "Everyday Backpack 20L", "bags", 6490, 9,
     {"colours": ["Black", "Olive"], "material": ["recycled nylon"]},
     "Water-resistant 20-litre backpack with a padded laptop sleeve."),
)


def customers() -> list[models.Customer]:
    return [
        models.Customer(
            id=id_, name=name, email=email, phone=phone,
            phone_digits=phone_digits(phone) if phone else None, tier=tier,
        )
        for id_, name, email, phone, tier, _address in CUSTOMERS
    ]


def addresses() -> dict[int, tuple[str, str, str, str]]:
    return {row[0]: row[5] for row in CUSTOMERS}


def products() -> list[models.Product]:
    return [
        models.Product(
            sku=sku, name=name, category=category, price_cents=price, stock=stock,
            attributes=attributes, description=description,
        )
        for sku, name, category, price, stock, attributes, description in PRODUCTS
    ]


def promo_codes(now: datetime) -> list[models.PromoCode]:
    """WELCOME10 valid; SUMMER25 expired; FREESHIP needs 50 EUR; VIP20 for vip customers only;
    AUTUMN15 not started yet; FLASH5 switched off."""
    day = timedelta(days=1)
    return [
        models.PromoCode(code="WELCOME10", kind="percent", percent_off=10, valid_from=now - 365 * day,
                         active=True, once_per_customer=True, eligible_tiers=""),
        models.PromoCode(code="SUMMER25", kind="percent", percent_off=25, valid_from=now - 120 * day,
                         valid_until=now - 30 * day, active=True, once_per_customer=False,
                         eligible_tiers=""),
        models.PromoCode(code="FREESHIP", kind="fixed", amount_off_cents=495, min_spend_cents=5000,
                         active=True, once_per_customer=False, eligible_tiers=""),
        models.PromoCode(code="VIP20", kind="percent", percent_off=20, valid_from=now - 60 * day,
                         active=True, once_per_customer=False, eligible_tiers="vip"),
        models.PromoCode(code="AUTUMN15", kind="percent", percent_off=15, valid_from=now + 14 * day,
                         valid_until=now + 45 * day, active=True, once_per_customer=False,
                         eligible_tiers=""),
        models.PromoCode(code="FLASH5", kind="fixed", amount_off_cents=500, active=False,
                         once_per_customer=False, eligible_tiers=""),
    ]
