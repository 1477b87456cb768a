"""Shared helpers for the CLI parsers: ANSI stripping, header columns, durations.

* ``strip_ansi(text)``: the text without ANSI colour codes (``ESC[...m``).
* ``column_spans(header_line, names)``: where each header word starts, as a
  list of ``(name, start, end_or_None)``; ``end`` is the next column's start, the
  last column runs to the end of the line (``None``).
* ``cut(line, spans)``: ``{name: stripped text}`` for a data line.
* ``hms_to_seconds(text)``: ``"01:02:03"`` (or ``"MM:SS"``) to 3723; None when
  it is not such a duration.
* ``is_count_line(line, nouns, tail)``: a trailer like ``4 results found.``.
* ``find_header(lines, first_words, what, warnings, skip)``: the index of the
  table's header line, or -1 after a warning quoting the unexpected text.
* ``plural_duration_to_seconds(text)``: ``"1 year, 2 weeks, 3 days, 4 hours,
  5 minutes, 6 seconds"`` (singulars too) to seconds; None when no unit found.
* ``ascii_digits(text)``: True for a non-empty run of ASCII digits.
* ``int_or_none(text)``: an optionally negative decimal number to int, else None.
* ``float_or_none(text)``: ``87.5`` (an optional minus, ASCII digits, an optional
  fraction) to a float, else None.

Numbers are ASCII digits only: ``str.isdecimal()`` and ``int()`` also take other
scripts' digits (``int("٣") == 3``), and ``int()``/``float()`` take a ``+``,
underscores (``1_0``), ``inf`` and ``nan``, none of which Asterisk prints.
"""

from amijson.clitext import strip_ansi as _strip_ansi

_UNITS = {
    "year": 365 * 86400,
    "week": 7 * 86400,
    "day": 86400,
    "hour": 3600,
    "minute": 60,
    "second": 1,
}


# Padding around a number: ASCII whitespace only (str.strip() also takes NBSP and the like).
PADDING = " \t\n\r\x0b\x0c"


def ascii_digits(text):
    """True when ``text`` is one or more of the ASCII digits 0-9 and nothing else."""
    return text.isascii() and text.isdecimal()


def int_or_none(text):
    """``" 42"`` or ``"-1"`` to an int; None for anything else (``-``, ``+5``,
    ``1_0``, ``٣``, empty, None). Spaces around it are a column's padding."""
    text = (text or "").strip(PADDING)
    if ascii_digits(text[1:] if text[:1] == "-" else text):
        return int(text)
    return None


def float_or_none(text):
    """``"87.5"`` or ``"-0.5"`` to a float; None for anything else: NaN and
    infinity included (JSON has neither, and PHP's json_decode refuses the
    ``NaN`` json.dumps would write), and exponents, which Asterisk never prints."""
    if not isinstance(text, str):
        return None
    text = text.strip(PADDING)
    whole, dot, fraction = (text[1:] if text[:1] == "-" else text).partition(".")
    if ascii_digits(whole) and (not dot or ascii_digits(fraction)):
        return float(text)
    return None


def strip_ansi(text):
    """Text without ANSI colour codes (``ESC[...m``); None reads as ""."""
    return _strip_ansi(text) if text else ""


def truncation_warning(warnings, where, width, hint=None):
    """Warn that ``where`` (``records[3].channel``) fills its fixed-width column
    of ``width`` characters, so Asterisk may have cut it; ``hint`` says what to
    run instead, where there is something."""
    if warnings is not None and width is not None:
        message = "%s may be truncated at %d characters (fixed-width column)" % (where, width)
        warnings.append(message + "; " + hint if hint else message)


def column_spans(header_line, names):
    """``[(name, start, end_or_None)]``: where each of ``names`` starts in the
    header line (searched left to right, each after the previous one), and
    where the next one starts. A name that is not found is left out."""
    found = []
    position = 0
    for name in names:
        index = _find_word(header_line, name, position)
        if index < 0:
            continue
        found.append((name, index))
        position = index + len(name)
    spans = []
    for i, (name, start) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else None
        spans.append((name, start, end))
    return spans


def _find_word(line, word, position):
    """Index of ``word`` in ``line`` at or after ``position``, starting at a word
    boundary (start of line or after a space) and ending at one; -1 if none."""
    while True:
        index = line.find(word, position)
        if index < 0:
            return -1
        before_ok = index == 0 or line[index - 1] == " "
        after = index + len(word)
        after_ok = after >= len(line) or line[after] == " "
        if before_ok and after_ok:
            return index
        position = index + 1


def cut(line, spans):
    """``{name: stripped text}`` of ``line`` between each span's bounds."""
    record = {}
    for name, start, end in spans:
        piece = line[start:end] if end is not None else line[start:]
        record[name] = piece.strip()
    return record


def hms_to_seconds(text):
    """``HH:MM:SS`` (or ``MM:SS``, or ``D:HH:MM:SS``) to int seconds; None when
    the text is not such a duration."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 4:
        return None
    total = 0
    factors = (1, 60, 3600, 86400)
    for factor, part in zip(factors, reversed(parts)):
        if not ascii_digits(part):
            return None
        total += int(part) * factor
    return total


def plural_duration_to_seconds(text):
    """``"1 year, 2 weeks, 3 days, 4 hours, 5 minutes, 6 seconds"`` (singular
    units too, commas optional) to int seconds; a bare number is seconds;
    None when nothing is recognised."""
    if text is None:
        return None
    text = text.strip().rstrip(".")
    if not text:
        return None
    if ascii_digits(text):
        return int(text)
    words = text.replace(",", " ").split()
    total = 0
    seen = False
    i = 0
    while i < len(words):
        word = words[i]
        if ascii_digits(word) and i + 1 < len(words):
            unit = words[i + 1].lower()
            if unit.endswith("s"):
                unit = unit[:-1]
            if unit in _UNITS:
                total += int(word) * _UNITS[unit]
                seen = True
                i += 2
                continue
        if word.lower() == "and":
            i += 1
            continue
        i += 1
    return total if seen else None


def is_count_line(line, nouns, tail):
    """True for a trailer ``<n> <noun> <tail>``, e.g. ``4 results found.``
    (``nouns`` holds the plural and singular, ``tail`` the words after them)."""
    words = line.split()
    return (len(words) == 2 + len(tail.split()) and ascii_digits(words[0])
            and words[1] in nouns and words[2:] == tail.split())


def find_header(lines, first_words, what, warnings, skip=None):
    """Index of the first line starting with ``first_words``; -1 when there is
    none, after warning with the text found instead (minus ``skip`` lines)."""
    for index, line in enumerate(lines):
        if line.split()[:len(first_words)] == list(first_words):
            return index
    text = " / ".join(l.strip() for l in lines if l.strip() and not (skip and skip(l.strip())))
    if text and warnings is not None:
        warnings.append("no %s table found in the output: %r" % (what, text[:200]))
    return -1


def peer_status_text(rest):
    """The status at the start of ``rest`` (``OK (12 ms)``, ``UNKNOWN``...): chan_sip's and
    chan_iax2's ``peer_status()``, whose Status column has no maximum width."""
    if rest[:1] in ("", " "):
        return ""
    for prefix in ("OK (", "LAGGED ("):
        if rest.startswith(prefix) and ")" in rest:
            return rest[:rest.index(")") + 1]
    return rest.split()[0]


def peer_latency(status):
    """The N of ``OK (N ms)`` or ``LAGGED (N ms)``, else None."""
    for prefix in ("OK (", "LAGGED ("):
        if status.startswith(prefix) and status.endswith(" ms)"):
            return int_or_none(status[len(prefix):-len(" ms)")])
    return None
