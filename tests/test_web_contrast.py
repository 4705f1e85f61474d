"""The web view's colours pass WCAG AA: every text colour of the style sheet against the
backgrounds it is shown on, computed by WCAG 2's formula from the sheet itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SHEET = (Path(__file__).parent.parent / "web" / "static" / "style.css").read_text()
AA = 4.5  # normal-size text


def _variables() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", SHEET))


def _colour(value: str) -> str:
    value = value.strip()
    found = re.fullmatch(r"var\(--([\w-]+)\)", value)
    return _variables()[found.group(1)] if found else value


def _luminance(hex_colour: str) -> float:
    if len(hex_colour) == 4:  # #abc is #aabbcc
        hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _pairs() -> list[tuple[str, str, str]]:
    """(rule, text colour, background) for each rule that sets a colour; a rule without a
    background of its own is checked on the page's two backgrounds."""
    pages = [_colour("var(--paper)"), _colour("var(--soft)")]
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", SHEET):
        text = re.search(r"(?<![-\w])color:\s*([^;]+)", body)
        if text is None or selector.strip().startswith(":root"):
            continue
        ground = re.search(r"background:\s*([^;]+)", body)
        for back in [_colour(ground.group(1))] if ground else pages:
            pairs.append((selector.strip(), _colour(text.group(1)), back))
    return pairs


def test_the_formula_matches_known_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA


def test_the_sheet_sets_colours_to_check():
    assert len(_pairs()) >= 10


@pytest.mark.parametrize(("rule", "text", "back"), _pairs())
def test_every_text_colour_passes_aa_on_its_background(rule, text, back):
    assert contrast(text, back) >= AA, f"{rule}: {text} on {back}"
