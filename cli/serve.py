"""``caselog serve``: the local read-only web view (``caselog.web``)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Annotated

import typer

from caselog.cli.context import (
    DbOption,
    JsonOption,
    bounded,
    friendly,
    print_json_lines,
    store,
    warn,
)
from caselog.domain.errors import StoreError


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _bound(host: str, port: int) -> socket.socket:
    """The listening socket, made here so that a taken port is one line, not a traceback,
    and port 0 can be told to the user as the port the system chose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise StoreError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.listen(128)
    return sock


@friendly
def serve_command(
    host: Annotated[
        str,
        typer.Option(metavar="ADDRESS", help="Address to listen on; only loopback by default."),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(metavar="PORT", callback=bounded(0, 65535), help="Port; 0 picks a free one."),
    ] = 8000,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the view in the default browser.")
    ] = False,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Let --host be an address other machines can reach (the view is plain "
            "http: put it behind TLS).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Serve a read-only web view of the store until interrupted (Ctrl+C).

    It prints a URL with a token made for this run; only a browser that opened it gets
    in (a session cookie then). Every page that shows a client's record is written to
    the access log, as `serve <page>`, under --actor.

    Example:  caselog serve --open
    """
    if not _loopback(host) and not allow_remote:
        raise typer.BadParameter(
            f"{host} is not a loopback address: pass --allow-remote to serve the record "
            "beyond this machine",
            param_hint="--host",
        )
    import uvicorn

    from caselog.web.app import LOOPBACK_NAMES, create_app
    from caselog.web.guard import new_token

    opened = store(db)
    opened.app  # noqa: B018 - refuse a store without its key now, not on the first page
    token = new_token()
    sock = _bound(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    bound_port = sock.getsockname()[1]
    url = f"http://{shown_host}:{bound_port}/?token={token}"
    if not _loopback(host):
        warn(
            f"serving {opened.where} on {host}: anyone who can reach it and has the URL can "
            "read the record, over unencrypted http"
        )
    if as_json:
        from caselog.cli.receipts import Serving

        print_json_lines([Serving(url=url, store=opened.where, host=host, port=bound_port)])
    else:
        typer.echo(f"caselog: serving {opened.where} read-only; open this URL (Ctrl+C stops):")
        typer.echo(url)
    sys.stdout.flush()  # a program reading the URL through a pipe needs it now
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    hosts = [*LOOPBACK_NAMES, host] if _loopback(host) else None
    config = uvicorn.Config(
        create_app(opened, token, hosts), log_level="warning", access_log=False, lifespan="off"
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn stopped cleanly and passes Ctrl+C on: being stopped is how it ends
    finally:
        sock.close()
