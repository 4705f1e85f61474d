"""WebVTT (Zoom, Teams) and SRT captions, read with webvtt-py.

A caption file is a run of timed cues, and one speaker talks over several.
Zoom writes the speaker at the start of a cue (``Dr. Lee: Good morning``),
Teams as a voice span (``<v Dr. Lee>Good morning</v>``); SRT files use either.
A cue that names nobody continues the current speaker, and consecutive cues
of one speaker are one utterance:

- its clock is its first cue's start, as elapsed ``hh:mm:ss``;
- its lines run from its first cue's identifier (or timing line) to its last
  cue's last line of text;
- its text is the cues' text without tags, joined by single spaces: caption
  line breaks are layout, not the speaker's paragraphs.

A speaker may start on any line of a cue (a second ``Name:`` label, a second
voice span, several voice spans on one line), so a cue never merges two
speakers; a subtitler's dialogue dash (``- Hello.``) that names nobody is
refused, since its words are someone else's. Tags, SubStation ``{\\an8}``
codes and character references (``&amp;``) are markup, not words.

webvtt-py skips what it cannot read — a cue with a broken timing line, text
outside any cue — without saying where. So every timing line must match a
caption it read, and every line of text must belong to a cue, or the file is
refused at the first line that does not: no words are lost quietly.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp
from webvtt.srt import SRTCueBlock
from webvtt.vtt import WebVTTCueBlock

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import ParsedSession

from .header import end_of_recording
from .headerless import (
    Headerless,
    Roles,
    Turn,
    clock,
    parsed_session,
    professional_of,
    require_client,
    require_session,
)
from .labels import label_key
from .sidecar import Given
from .text import decode, first_nonblank, is_blank

CaptionFormat = Literal["vtt", "srt"]

# A Zoom label: a name-like run of words before a colon, at the start of a cue.
_LABEL = re.compile(r"(?P<label>[^\W\d_][^:]{0,58}?)\s*:(?:\s+|$)(?P<rest>.*)", re.S)
_NAME_WORD = re.compile(r"(?:[A-Z0-9]|\()\S*|de|da|del|van|von|der|la|le|bin|al")
_EXAMPLE = {"vtt": "00:00:01.000 --> 00:00:04.000", "srt": "00:00:01,000 --> 00:00:04,000"}
_NON_CUE_BLOCKS = ("NOTE", "STYLE", "REGION")
# Cue text markup: WebVTT's tags (<v>, <c.yellow>, <i>, <lang en>, <00:00:01.000>) and the
# <font> and <b>/<i>/<u> tags SRT writers use. Only these shapes, so that an SRT's literal
# "rated it <5" stays words.
_TAG = re.compile(r"</?(?:[cibuvs]|lang|ruby|rt|font)(?:[.\s][^>]*)?>|<[0-9][0-9:.]*>", re.I)
_VOICE = re.compile(r"<v(?:\.[\w-]+)*\s+([^>\s][^>]*)>", re.I)
# SubStation override codes that SRT files carry over from .ass ({\an8} puts the cue at the top).
_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
# Character references in cue text: WebVTT's (&amp; &lt; &gt; &nbsp; &lrm; &rlm;), HTML's
# that converters write into SRT, and numeric ones. Only with their semicolon: "Q&A" stays.
_ENTITY = re.compile(r"&(?:[a-z]{2,8}|#[0-9]{1,7}|#x[0-9a-f]{1,6});", re.I)
# Subtitlers' dialogue dash: a cue line that opens with one is a new speaker's words.
_DASH = re.compile(r"[-‐–—]\s+(?P<rest>\S.*)", re.S)
# An email address as a display name (Zoom shows it when someone joins without a name).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A display name typed in lower case ("sam", "sam rivera"): at most two words, so that
# "the thing is: …" stays words.
_LOWER_NAME = re.compile(r"[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*)?")
_PATTERN = {"vtt": WebVTTCueBlock.CUE_TIMINGS_PATTERN, "srt": SRTCueBlock.CUE_TIMINGS_PATTERN}


@dataclass(frozen=True)
class _Cue:
    caption: webvtt.Caption
    first: int
    """The cue's identifier line, or its timing line."""
    text_lines: tuple[int, ...]
    """The line of each of the caption's lines of text."""


def parse_captions(data: bytes, name: str, fmt: CaptionFormat, given: Given) -> ParsedSession:
    lines = decode(data, name, given.encoding)
    cues = _locate(_read(lines, name, fmt), lines, name, fmt)
    if not cues:
        raise TranscriptError(name, len(lines), "expected at least one cue, but there is none")
    roles = Roles(given, name)
    turns = _turns(cues, name, roles)
    client, session = require_client(given, name), require_session(given, name)
    roles.check()
    entries = [t.utterance(" ") for t in turns]
    last = cues[-1]
    ending = end_of_recording("captions", last.text_lines[-1])
    ending = ending.model_copy(update={"clock": clock(last.caption.end_time.in_seconds())})
    professional = professional_of(given, entries)
    facts = Headerless(fmt, client, session, given.date, professional, (), given.date_source)
    return parsed_session(facts, entries, ending, data, name)


def _read(lines: list[str], name: str, fmt: CaptionFormat) -> list[webvtt.Caption]:
    start = first_nonblank(lines) or 0
    buffer = io.StringIO("\n".join(lines[start:]) + "\n")
    try:
        captions = webvtt.from_buffer(buffer, format=fmt).captions
    except MalformedFileError:
        expected = (
            "expected 'WEBVTT' on the first line of a WebVTT file"
            if fmt == "vtt"
            else f"expected an SRT cue: a number, then a timing line like '{_EXAMPLE['srt']}'"
        )
        raise TranscriptError(name, start + 1, expected) from None
    except MalformedCaptionError as e:
        # Only strict reading raises this; kept so that a change there is still one line.
        raise TranscriptError(name, start + 1, f"expected {fmt.upper()} captions ({e})") from None
    return list(captions)


def _locate(
    captions: Sequence[webvtt.Caption], lines: Sequence[str], name: str, fmt: CaptionFormat
) -> list[_Cue]:
    """Each caption with the lines it came from; refuses a cue or text webvtt-py skipped."""
    timing_lines = [
        i for i, text in enumerate(lines) if "-->" in text and not text.startswith("NOTE")
    ]
    cues: list[_Cue] = []
    pending = iter(captions)
    caption = next(pending, None)
    for i in timing_lines:
        found = _lines_of(caption, lines, i, fmt) if caption is not None else None
        if caption is None or found is None:
            raise TranscriptError(name, i + 1, _why_skipped(lines, i, fmt))
        cues.append(_Cue(caption, _opening(caption, lines, i, fmt) + 1, found))
        caption = next(pending, None)
    if caption is not None:  # a caption without a timing line of its own: cannot happen
        raise TranscriptError(name, len(lines), "expected a timing line for every cue")
    _refuse_stray_text(cues, lines, name, fmt)
    return cues


def _lines_of(
    caption: webvtt.Caption, lines: Sequence[str], timing: int, fmt: CaptionFormat
) -> tuple[int, ...] | None:
    """The 1-based lines of ``caption``'s text if it is the cue timed at ``timing``."""
    m = _PATTERN[fmt].match(lines[timing])
    if m is None:
        return None
    try:
        start = Timestamp.from_string(m.group(1).replace(",", "."))
    except MalformedCaptionError:
        if fmt == "vtt":
            return None  # webvtt-py skipped this cue
        start = caption.start_time  # SRT readers carry over fields out of range: 00:00:07,1500
    if start != caption.start_time:
        return None
    found: list[int] = []
    j = timing + 1
    for text in caption.lines:
        # SRT text may follow its timing line after blank lines; WebVTT text never does.
        while j < len(lines) and lines[j] != text and is_blank(lines[j]):
            j += 1
        if j >= len(lines) or lines[j] != text:
            return None
        found.append(j + 1)
        j += 1
    return tuple(found) or None


def _opening(caption: webvtt.Caption, lines: Sequence[str], timing: int, fmt: CaptionFormat) -> int:
    """The cue's identifier (WebVTT) or number (SRT) line before its timing line, if any."""
    before = lines[timing - 1] if timing > 0 else ""
    named = caption.identifier == before if fmt == "vtt" else before.strip().isdigit()
    return timing - 1 if before.strip() and named else timing


def _why_skipped(lines: Sequence[str], i: int, fmt: CaptionFormat) -> str:
    has_text = i + 1 < len(lines) and not is_blank(lines[i + 1]) and "-->" not in lines[i + 1]
    if not has_text:
        return "expected the cue's text on the lines after its timing line"
    if fmt == "srt" and not (i > 0 and lines[i - 1].strip().isdigit()):
        return f"expected an SRT cue: a number, then a timing line like '{_EXAMPLE[fmt]}'"
    return f"expected a cue timing line like '{_EXAMPLE[fmt]}'"


def _refuse_stray_text(
    cues: Sequence[_Cue], lines: Sequence[str], name: str, fmt: CaptionFormat
) -> None:
    covered: set[int] = set()
    for cue in cues:
        covered.update(range(cue.first, cue.text_lines[-1] + 1))
    header = (first_nonblank(lines) or 0) + 1
    block_is_covered = False
    for number, text in enumerate(lines, start=1):
        # As webvtt-py reads them, WebVTT blocks end at an empty line, SRT ones at a blank one.
        if (not text) if fmt == "vtt" else is_blank(text):
            block_is_covered = False
            continue
        if number in covered or is_blank(text):
            continue
        # The WEBVTT header and NOTE, STYLE and REGION blocks run to the end of their block.
        opens = fmt == "vtt" and (number == header or text.startswith(_NON_CUE_BLOCKS))
        block_is_covered = block_is_covered or opens
        if not block_is_covered:
            raise TranscriptError(
                name, number, f"expected a cue timing line like '{_EXAMPLE[fmt]}' before this text"
            )


def _turns(cues: Sequence[_Cue], name: str, roles: Roles) -> list[Turn]:
    turns: list[Turn] = []
    current: Turn | None = None
    for cue in cues:
        caption = cue.caption
        for k, (raw, line) in enumerate(zip(caption.lines, cue.text_lines, strict=True)):
            for n, (speaker, words, dashed) in enumerate(_segments(raw, roles)):
                if speaker is None and dashed:
                    raise TranscriptError(
                        name,
                        line,
                        "expected a speaker after the dialogue dash: '- ' opens another "
                        "speaker's words, but this line names nobody",
                    )
                if speaker is not None and (
                    current is None or label_key(speaker) != label_key(current.speaker)
                ):
                    at = clock(caption.start_time.in_seconds())
                    first = cue.first if k == 0 and n == 0 else line
                    current = Turn(roles(speaker, line), speaker, at, first, line)
                    turns.append(current)
                elif current is None:
                    raise TranscriptError(
                        name,
                        line,
                        "expected a speaker: a cue like 'Name: words' (Zoom) "
                        "or '<v Name>words</v>' (Teams)",
                    )
                current.last = line
                if words.strip():
                    current.parts.append(" ".join(words.split()))
    for turn in turns:
        if not turn.parts:
            raise TranscriptError(name, turn.first, f"expected words after '{turn.speaker}'")
    return turns


def _segments(raw: str, roles: Roles) -> list[tuple[str | None, str, bool]]:
    """(speaker named or None, words, opened with a dialogue dash) for a line of cue text.

    A line may hold several voice spans (``<v Ann>Okay.</v><v Ben>Yeah.</v>``): each is
    its speaker's. Words before any voice span may open with a Zoom label, and a
    subtitler's dash (``- Hello.``) says a new speaker starts, who must then be named.
    """
    raw = _OVERRIDE.sub("", raw)
    voices = list(_VOICE.finditer(raw))
    pieces: list[tuple[str | None, str]] = [(None, raw[: voices[0].start() if voices else None])]
    for i, m in enumerate(voices):
        end = voices[i + 1].start() if i + 1 < len(voices) else None
        pieces.append((" ".join(m.group(1).split()), raw[m.end() : end]))
    found: list[tuple[str | None, str, bool]] = []
    for voice, text in pieces:
        plain = _plain(text)
        dash = _DASH.fullmatch(plain.strip())
        if dash is not None:
            plain = dash.group("rest")
        elif voice is None and plain.strip() in ("-", "‐", "–", "—") and voices:
            continue  # "- <v Ben>Hello": the dash before a named voice
        if voice is None and not plain.strip() and voices:
            continue
        speaker = voice
        if voice is None:
            speaker, plain = _label(plain, roles)
        found.append((speaker, plain, dash is not None))
    return found


def _plain(text: str) -> str:
    """Cue text without its tags, its character references read."""
    untagged = _TAG.sub("", text)
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), untagged)


def _label(plain: str, roles: Roles) -> tuple[str | None, str]:
    """The Zoom speaker a line opens with, if any, and its words.

    A label counts when it is a speaker with a role or looks like a name, so
    that "So here's the thing: …" stays words while an unmapped "Kim:" is reported.
    """
    m = _LABEL.fullmatch(plain.strip())
    if m is not None:
        label = m.group("label").strip()
        if roles.knows(label) or _is_name(label):
            return label, m.group("rest")
    return None, plain


def _is_name(label: str) -> bool:
    """ "Dr. Lee", "Speaker 2", "Sam (she/her)", "sam@example.com", "sam rivera" —
    not "So here's the thing"."""
    if _EMAIL.fullmatch(label) or _LOWER_NAME.fullmatch(label):
        return True
    words = label.split()
    return 0 < len(words) <= 5 and all(_NAME_WORD.fullmatch(w) for w in words)
