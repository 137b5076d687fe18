"""The demo shop's own pages in the hub: products and invoices the bot links to."""
