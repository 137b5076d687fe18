"""The hub process (Python 3.11): the app factory, the router that decides where every shopper
message goes, the Rasa client, and the shopper channels (web chat widget, Telegram). It owns the
conversation; the ticket domain it serves is handoff/."""
