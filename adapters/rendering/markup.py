"""How text is marked up: what ``transcript`` asks of an output format.

The walk over entries decides what is said and in what order; a markup decides only
how it looks: what emphasis is, how a note about the entry above it is set off, how a
list is opened, and where blank lines go between blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Block:
    """Lines the walk writes as one unit: an entry, with the notes about it."""

    lines: list[str]
    is_note: bool
    """The block is itself a note about the entry before it (a flag, a homework item)."""
    ends_in_note: bool


class Markup(Protocol):
    def strong(self, text: str) -> str: ...

    def emphasis(self, text: str) -> str: ...

    def note(self, text: str, nested: bool = False) -> list[str]:
        """A remark about the entry just above; ``nested``: the entry is a list item."""
        ...

    def quote(self, text: str, nested: bool = False) -> list[str]:
        """Words an entry held before a correction, under the note that says so."""
        ...

    def list_start(self) -> list[str]:
        """What separates a list's heading from its first item."""
        ...

    def joined(self, blocks: list[Block]) -> Iterator[str]:
        """The blocks in order, each preceded by the blank line it needs, if any."""
        ...


class TerminalMarkup:
    """Plain text: notes indented under their entry, consecutive notes kept together."""

    def strong(self, text: str) -> str:
        return text

    def emphasis(self, text: str) -> str:
        return text

    def note(self, text: str, nested: bool = False) -> list[str]:
        return [f"  {text}"]

    def quote(self, text: str, nested: bool = False) -> list[str]:
        return [f"    {text}"]

    def list_start(self) -> list[str]:
        return []

    def joined(self, blocks: list[Block]) -> Iterator[str]:
        after_note = False
        for block in blocks:
            if not (block.is_note and after_note):
                yield ""
            yield from block.lines
            after_note = block.ends_in_note


class MarkdownMarkup:
    """CommonMark: notes as block quotes, every block its own paragraph."""

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def emphasis(self, text: str) -> str:
        return f"*{text}*"

    def note(self, text: str, nested: bool = False) -> list[str]:
        indent = "  " if nested else ""  # inside the list item, not after the list
        return [f"{indent}> {text}"]

    def quote(self, text: str, nested: bool = False) -> list[str]:
        indent = "  " if nested else ""
        # Every line quoted, so a paragraph break does not end the quote.
        return [f"{indent}>", *(f"{indent}> {line}".rstrip() for line in text.split("\n"))]

    def list_start(self) -> list[str]:
        return [""]

    def joined(self, blocks: list[Block]) -> Iterator[str]:
        for block in blocks:
            yield ""
            yield from block.lines


TEXT: Markup = TerminalMarkup()
MARKDOWN: Markup = MarkdownMarkup()
