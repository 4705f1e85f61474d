"""The web view's ASGI application: its routes, templates and static files, behind
the guard."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from caselog.adapters.store import Store
from caselog.domain.instants import shown
from caselog.projections.corrections import originally
from caselog.projections.timeline import replayed_with
from caselog.web import asof
from caselog.web.guard import Guard, Secured, failed
from caselog.web.pages import Pages

HERE = Path(__file__).parent

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
"""What a browser on this machine calls a view that listens on loopback."""


def templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        # Everything from a record is text: escaped wherever it lands, whatever the template.
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        shown=shown, originally=originally, replayed_with=replayed_with, query=asof.query
    )
    return Jinja2Templates(env=env)


def create_app(store: Store, token: str, hosts: Sequence[str] | None = None) -> Starlette:
    """The view of ``store``, opened once by the caller and read by every request;
    ``token`` is the one the caller printed in the URL. ``hosts``: the only names a
    request may address the view by (``LOOPBACK_NAMES`` where it listens on loopback),
    so that a page of another site, its name rebound to this machine, is answered with
    400 before the guard; None lets any name through (a view served beyond loopback)."""
    pages = Pages(store, templates())
    routes = [
        Route("/", pages.clients, name="clients"),
        Route("/search", pages.search, name="search"),
        Route("/clients/{client}", pages.timeline, name="timeline"),
        Route("/clients/{client}/homework", pages.homework, name="homework"),
        Route("/clients/{client}/recap", pages.recap, name="recap"),
        Route("/clients/{client}/integrity", pages.integrity, name="integrity"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(Secured), Middleware(Guard, token=token)]
    if hosts is not None:
        middleware.insert(1, Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts)))
    return Starlette(routes=routes, middleware=middleware, exception_handlers={Exception: failed})
