"""The hub's HTTP edge: shopper API, agent API, admin API, agent websocket, OpenAPI description."""
