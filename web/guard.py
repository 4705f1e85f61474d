"""Who may see the view: the holder of the token ``caselog serve`` printed.

The token comes once, in the URL the server prints (as Jupyter's does); the guard
swaps it for a session cookie (HttpOnly, SameSite=Strict) and redirects to the same
page without it, so it leaves the address bar and the history. Any other request
gets 401 and a page that holds no record data. Every response carries headers that
forbid inline script, framing and referrers.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "caselog_session"

HEADERS = {
    # No inline script or style, nothing from elsewhere: a transcript that slipped
    # past escaping still could not run.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Pages hold clinical records: nothing of them is kept in the browser's cache.
    "Cache-Control": "no-store",
}

REFUSED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>caselog: token needed</title></head>
<body><main><h1>Token needed</h1>
<p>Open the link with the token that <code>caselog serve</code> printed when it started.</p>
</main></body></html>
"""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Secured:
    """ASGI middleware, outermost: the security headers on every response, the guard's
    own and a refused host's included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, secured)


def failed(request: Request, exc: Exception) -> Response:
    """An error no page expected: a bare 500, with the headers (Starlette answers it
    outside every middleware) and nothing of the error itself."""
    return PlainTextResponse(
        "caselog: the page could not be shown (see the server's output)",
        status_code=500,
        headers=HEADERS,
    )


class Guard:
    """ASGI middleware: the token rule, in front of every route."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        # The cookie is a secret of its own: the token never goes into a header again.
        self.session = secrets.token_urlsafe(32)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response = self._answer(Request(scope))
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _answer(self, request: Request) -> Response | None:
        """The guard's own response, or None to let the request through."""
        given = request.query_params.get("token")
        if given is not None:
            if not _same(given, self.token):
                return HTMLResponse(REFUSED, status_code=401)
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            # One leading slash: "//evil.example" (or "/%2F%2Fevil.example", decoded) would
            # be a Location that takes the browser to another site.
            path = "/" + request.url.path.lstrip("/")
            target = path + ("?" + urlencode(rest) if rest else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(
                COOKIE, self.session, httponly=True, samesite="strict", path="/", secure=False
            )
            return redirect
        if _same(request.cookies.get(COOKIE), self.session):
            return None
        return HTMLResponse(REFUSED, status_code=401)
