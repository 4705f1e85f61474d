"""The pages: each reads through the one store and, if it shows a client's record,
writes one access-log entry naming the actor and the page (``serve <page>``)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from caselog.adapters.store import Store
from caselog.application.records import ClientRecord, Records
from caselog.domain.errors import (
    CaselogError,
    ClientNotFound,
    ClientWasErased,
    SessionNotFound,
)
from caselog.projections.asof import AsOf
from caselog.projections.sessions import fold_sessions
from caselog.projections.timeline import timeline
from caselog.web import asof
from caselog.web.listing import client_rows, corrected, marked

Handler = Callable[["Pages", Request], Awaitable[Response]]

_STATUS: tuple[tuple[type[CaselogError], int], ...] = (
    (asof.BadParameter, 400),
    (ClientWasErased, 410),
    (ClientNotFound, 404),
    (SessionNotFound, 404),
)


def page(handler: Handler) -> Handler:
    """caselog's own errors as a page saying what went wrong, with a fitting status."""

    @functools.wraps(handler)
    async def shown(self: Pages, request: Request) -> Response:
        try:
            return await handler(self, request)
        except CaselogError as e:
            status = next((code for kind, code in _STATUS if isinstance(e, kind)), 500)
            return self.render(request, "error.html", status_code=status, message=str(e))

    return shown


class Pages:
    def __init__(self, store: Store, templates: Jinja2Templates) -> None:
        self.store = store
        self.templates = templates

    def render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        return self.templates.TemplateResponse(
            request, name, {"store": self.store.where, **context}, status_code=status_code
        )

    def _log(self, page: str, client_ids: Iterable[UUID | None]) -> None:
        self.store.access_log.append(
            actor=self.store.actor, command=f"serve {page}", client_ids=client_ids
        )

    def _client(self, request: Request, page: str) -> ClientRecord:
        """The client the URL names by its id, its whole chain verified first; resolving
        it is the page's one access-log entry."""
        return self._resolved(self._id(request), page, verify=True)

    def _id(self, request: Request) -> UUID:
        """The client id in the URL. The view links to clients by id only: a name or a
        leading part of one would be matched against every client's name (a read of the
        whole store, unlogged, whose "did you mean" names other clients)."""
        given = request.path_params["client"]
        try:
            return UUID(given)
        except ValueError:
            raise ClientNotFound(f"no client matches {given[:40]!r}: give its id") from None

    def _resolved(self, cid: UUID, page: str, verify: bool) -> ClientRecord:
        app = self.store.app
        if app.erasure(cid) is not None:
            Records(app).client(str(cid))  # raises ClientWasErased: 410, saying only that
        if verify:
            self._verified(cid)
        state = app.get_client(cid)
        if state is None:
            raise ClientNotFound(f"no client matches {str(cid)!r}")
        self._log(page, [cid])
        return ClientRecord(app, cid, state.name)

    def _verified(self, cid: UUID) -> None:
        """Refuse a client whose chain does not hold, before anything of it is read: a page
        built from the latest snapshot (the homework board, a recap, the record as of a
        session) reads no event before it, so would not meet an altered one on its own."""
        from caselog.adapters.read_checks import TamperedRecord
        from caselog.adapters.verify import verify_events

        self._settings_hold()
        settings = self.store.settings
        found = verify_events(settings.db, settings.integrity_key, cid)
        broken = next((b for b in found.breaks if b.log == "events"), None)
        if broken is not None and found.events:  # no event at all: no such client, a 404
            raise TamperedRecord(
                f"client {cid} version {broken.version}: {broken.problem}: the record was "
                "altered; nothing was read from it (run `caselog verify`)"
            )

    def _settings_hold(self) -> None:
        """Refuse settings changed under the running view: the store checked their seal
        when it opened, but a page may be read days later."""
        from caselog.adapters.settings_seal import check

        settings = self.store.settings
        with settings.db.transaction() as conn:
            meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
        check(meta, self.store.where, settings.master_key, settings.integrity_key)

    def _sessions_held(self, record: ClientRecord) -> list[int]:
        """Every session the record holds now, for the as-of control (state only)."""
        state = self.store.app.get_client(record.id)
        return sorted(s.number for s in state.sessions) if state is not None else []

    def _client_page(
        self,
        request: Request,
        name: str,
        record: ClientRecord,
        at: AsOf,
        held: list[int] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        return self.render(
            request,
            name,
            client=record,
            at=at,
            at_text=asof.described(at),
            held=self._sessions_held(record) if held is None else held,
            **context,
        )

    @page
    async def clients(self, request: Request) -> Response:
        wanted = request.query_params.get("q", "")
        self._settings_hold()
        rows = client_rows(self.store.app, wanted)
        self._log("clients", [None])  # names of every client: a read of the whole store
        return self.render(request, "clients.html", rows=rows, q=wanted)

    @page
    async def timeline(self, request: Request) -> Response:
        at = asof.as_of(request.query_params)
        record = self._client(request, "timeline")
        # One read of the client's events for both folds (history() and sessions() would
        # each read and decrypt them again).
        events = record.events(at)
        entries = timeline(events)
        return self._client_page(
            request,
            "timeline.html",
            record,
            at,
            sessions=fold_sessions(events),
            entries=entries,
            homework=record.homework(at=at),
            corrected=corrected(entries),
        )

    @page
    async def homework(self, request: Request) -> Response:
        at = asof.as_of(request.query_params)
        record = self._client(request, "homework")
        return self._client_page(
            request, "homework.html", record, at, homework=record.homework(at=at)
        )

    @page
    async def recap(self, request: Request) -> Response:
        at = asof.as_of(request.query_params)
        given = asof.number(request.query_params, "session")
        record = self._client(request, "recap")
        sessions = [s.number for s in record.sessions(at=at)]
        number = given if given is not None else max(sessions, default=0)
        try:
            summary = record.summary(number, at=at)
        except SessionNotFound:
            summary = None
        return self._client_page(
            request,
            "recap.html",
            record,
            at,
            number=number,
            summary=summary,
            recap=record.recap(for_session=number + 1, at=at),
        )

    @page
    async def search(self, request: Request) -> Response:
        text = request.query_params.get("q", "")
        self._settings_hold()
        if not self.store.keeps_read_models:
            return self.render(request, "search.html", q=text, hits=None, off=True)
        hits = self.store.read_models("search").search(text, limit=50) if text.strip() else []
        if hits:
            self._log("search", sorted({h.client_id for h in hits}))
        shown = [(h, marked(" ".join(h.snippet.split()))) for h in hits]
        return self.render(request, "search.html", q=text, hits=shown, off=False)

    @page
    async def integrity(self, request: Request) -> Response:
        """Verification of the client's chain and the store's: where the client's record
        is broken it says so (BROKEN) rather than refusing, as the other pages do."""
        from caselog.adapters.read_checks import TamperedRecord
        from caselog.adapters.settings_seal import SettingsTampered
        from caselog.adapters.verify import verify_access_log, verify_events

        cid = self._id(request)
        try:
            self._settings_hold()
            sealed = None
        except SettingsTampered as e:
            sealed = str(e)
        try:
            record = self._resolved(cid, "integrity", verify=False)
        except TamperedRecord:  # its state cannot be read: named by its id alone
            record = ClientRecord(self.store.app, cid, f"Client {str(cid)[:8]}")
            self._log("integrity", [cid])
        settings = self.store.settings
        own = verify_events(settings.db, settings.integrity_key, record.id)
        whole = verify_events(settings.db, settings.integrity_key)
        access = verify_access_log(settings.db, settings.integrity_key)
        return self._client_page(
            request,
            "integrity.html",
            record,
            AsOf(),
            held=[],  # no as-of control on this page: the state is not read for it
            own=own,
            whole=whole,
            access=access,
            sealed=sealed,
            sealable=settings.master_key is not None or settings.integrity_key is not None,
            entries=list(self.store.access_log.entries(record.id)),
        )
