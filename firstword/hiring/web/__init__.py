"""Hiring over HTTP: the JSON API under ``/hiring/api`` and the pages under ``/hiring``.

``routers()`` lists what the app includes; ``open_hiring`` / ``close_hiring`` start and stop the
runtime in the app's lifespan. Access is always a dependency (``deps``), never checked by hand.
"""

from __future__ import annotations

from fastapi import APIRouter

from firstword.config import Settings
from firstword.hiring.service.runtime import Hiring


def routers() -> list[APIRouter]:
    from firstword.hiring.web import assistant, auth, campaigns, candidate, dashboard, interviews, orgs, pages

    return [auth.router, orgs.router, campaigns.router, dashboard.router, candidate.router, pages.router,
            interviews.router,
            assistant.router, assistant.pages]


async def open_hiring(settings: Settings, store: object | None) -> Hiring | None:
    return await Hiring.open(settings, store)


async def close_hiring(hiring: Hiring | None) -> None:
    if hiring is not None:
        await hiring.aclose()
