"""The shop's order data behind an interface (OrderSource), its demo seed and its rules."""
