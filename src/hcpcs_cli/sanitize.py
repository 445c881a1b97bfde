"""Terminal safety: text that came from outside the program never reaches a terminal raw.

Release files, user records, file names, labels, CSV headers and URLs may carry escape sequences
(a crafted release could write to the clipboard with OSC 52, hide a link with OSC 8, retitle the
window or clear the screen). ``clean`` removes every control character and whole escape sequence;
the CLI applies it to every string it prints, in every format but JSON (which escapes instead).
"""

from __future__ import annotations

import re

# Whole escape sequences first, so that their parameters do not survive as visible junk:
# CSI (ESC [ or 0x9B) with parameters and a final byte; OSC, DCS, SOS, PM and APC strings (7- or
# 8-bit introducers) up to their terminator (BEL, ESC \ or 0x9C) or the end of the text; then any
# other two-character ESC sequence.
_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x7e]?"
)
# What is left: C0 controls except tab and newline, DEL, C1 controls, and the bidirectional
# overrides that can make text read differently from what it is.
_CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_JSON_UNSAFE = "[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
# (The patterns are compiled by ``re`` on first use, not at import: every command pays for what
# is compiled at start-up, and most texts are printable, which ``str.isprintable`` tells at once:
# every control character and bidirectional override is non-printable.)


def clean(text: str) -> str:
    """``text`` without control characters or escape sequences (tab and newline are kept)."""
    if text.isprintable() or not re.search(_CONTROL, text):
        return text
    return re.sub(_CONTROL, "", re.sub(_SEQUENCE, "", text))


def one_line(text: str, limit: int = 200) -> str:
    """``text`` cleaned, on one line and at most ``limit`` characters (for messages)."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def has_control(text: str) -> bool:
    return not text.isprintable() and bool(re.search(_CONTROL, text))


def escape_json(rendered: str) -> str:
    """Escape, in JSON text, what ``json.dumps(ensure_ascii=False)`` leaves raw: DEL, C1 and
    the bidirectional and line separators (C0 controls are already escaped by the encoder)."""
    if rendered.isprintable() or not re.search(_JSON_UNSAFE, rendered):
        return rendered
    return re.sub(_JSON_UNSAFE, lambda m: f"\\u{ord(m.group()):04x}", rendered)
