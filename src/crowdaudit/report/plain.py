"""Text from outside (worker ids, labels, user names, paths, server messages) made safe to print.

Rich reads ``[bold]`` or ``[/]`` in a string as markup, and a terminal obeys ANSI and OSC-8 escape
sequences. Such text is therefore handed to Rich as :class:`rich.text.Text` (never parsed as
markup), with every control character shown as an escape (``\\x1b``, ``\\u202e``), so a worker id
can neither restyle the table, nor hide a link, nor move the cursor, nor turn itself around.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from rich.text import Text

__all__ = ["plain", "printable"]

_BIDI: Final = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Bidirectional controls: they reorder what follows them on the line (CVE-2021-42574)."""


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE: Final = {
    code: _escape(code)
    for code in (*range(0x20), *range(0x7F, 0xA0), *_BIDI)
    if code < 0x100 or unicodedata.category(chr(code)) in {"Cf", "Cc"}
}


def printable(text: str) -> str:
    """``text`` with control characters (C0, DEL, C1, bidirectional controls) written as escapes.

    >>> printable("id\\x1b[31m")
    'id\\\\x1b[31m'
    """
    return text.translate(_TABLE)


def plain(text: object, style: str = "") -> Text:
    """``text`` as a Rich ``Text``: shown literally, never read as markup, controls escaped."""
    return Text(printable(str(text)), style=style)
