"""Record text shown on a terminal: escape sequences and other control characters in a
transcript are shown as ``\\x1b``-style text, never sent raw, so a transcript cannot move
the cursor, retitle the window, hide lines or write to the clipboard. Redirected output
stays verbatim, as stored."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.table import Table

# C0 controls but tab and newline, DEL, C1 controls (8-bit CSI and OSC among them), and
# the bidirectional overrides and isolates that make text read otherwise than it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralised(text: str) -> str:
    """``text`` with every control character written out as an escape."""
    return _CONTROL.sub(_escaped, text)


def printable(text: str, *, err: bool = False) -> str:
    """``text`` as it may be printed to stdout (or stderr): neutralised on a terminal."""
    stream: TextIO = sys.stderr if err else sys.stdout
    return neutralised(text) if _is_terminal(stream) else text


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


def safe_table(title: str | None = None) -> Table:
    """A rich table whose cells are shown as text (never as rich markup) and neutralised
    on a terminal."""
    from rich.table import Table
    from rich.text import Text

    class _SafeTable(Table):
        def add_row(self, *renderables: Any, **kwargs: Any) -> None:
            super().add_row(*(_cell(r) for r in renderables), **kwargs)

    def _cell(value: Any) -> Any:
        if isinstance(value, str):
            return Text(printable(value))
        if isinstance(value, Text) and _CONTROL.search(value.plain) and _is_terminal(sys.stdout):
            return Text(neutralised(value.plain), style=value.style)
        return value

    return _SafeTable(title=title)
