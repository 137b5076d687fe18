"""The blueprints' way to the shared context (handoff/context.py) on app.ctx.services."""

from __future__ import annotations

from sanic import Request

from handoff.context import Services


def services(request: Request) -> Services:
    services: Services = request.app.ctx.services
    return services
