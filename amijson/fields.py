"""Value converters for the named queries' records, and ``FieldMap``: a record
mapping declared as data.

Each converter turns one value Asterisk sent (a string, or None where the field
is missing) into the query's value: ``text`` (Asterisk's placeholders as None),
``caller_id``, ``integer``, ``hms`` (durations in seconds), ``listing`` (comma
lists). Where a column form pays (``Table``), a converter has it as ``.column``.
No I/O, and nothing heavier than ``amijson.jsonout`` at import.
"""

from amijson.jsonout import printable_ascii

PLACEHOLDERS = frozenset(("", "<unknown>", "(None)", "(none)", "<none>"))
# ast_devstate2str() wording, indexed by the numeric state AMI sends.
DEVICE_STATES = ("Unknown", "Not in use", "In use", "Busy", "Invalid", "Unavailable",
                 "Ringing", "Ring+Inuse", "On Hold")


def text(value):
    """A string value, or None for Asterisk's placeholders and empty strings."""
    if value is None or value in PLACEHOLDERS:
        return None
    stripped = value.strip()
    return None if stripped in PLACEHOLDERS else stripped


_PLACEHOLDER_TO_NONE = dict.fromkeys(PLACEHOLDERS).get


def _all_str(column):
    try:
        "".join(column)
    except TypeError:
        return False
    return True


def _texts(column):
    try:
        joined = "|".join(column)
    except TypeError:  # not all strings
        return list(map(text, column))
    if (joined.count("|") == len(column) - 1 and printable_ascii(joined)
            and " |" not in joined and "| " not in joined and joined[:1] != " " and joined[-1:] != " "):
        # Printable ASCII, each value between two "|": none has a space at an end
        # to strip, and a placeholder would show as one of these.
        # Every placeholder but "" starts with "<" or "(": two scans for the common case.
        if "||" not in joined and joined[:1] != "|" and joined[-1:] != "|" and column[0] \
                and (("<" not in joined and "(" not in joined)
                     or not any(placeholder in joined for placeholder in PLACEHOLDERS if placeholder)):
            return list(column)
        return list(map(_PLACEHOLDER_TO_NONE, column, column))
    stripped = list(map(str.strip, column))
    return list(map(_PLACEHOLDER_TO_NONE, stripped, stripped))


text.column = _texts


CALLER_PLACEHOLDERS = PLACEHOLDERS | {"unknown"}


def caller_id(value):
    """A caller ID number or name; None for Asterisk's placeholders, ``unknown`` too
    (app_queue's QueueEntry writes it for a caller without one)."""
    value = text(value)
    return None if value in CALLER_PLACEHOLDERS else value


def integer(value):
    """An AMI count to an int; None when it is not an optionally negative run of
    ASCII digits: int() alone takes "+5", "1_0" and other scripts' digits ("٣").
    The CLI parsers' int_or_none reads the same; it is not imported here, so a
    query over AMI does not load the parsers package."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip(" \t\n\r\x0b\x0c")  # ASCII whitespace: strip() also takes NBSP
    digits = text[1:] if text[:1] == "-" else text
    return int(text) if digits.isascii() and digits.isdecimal() else None


def _integers(column):
    from amijson.table import decimals  # column forms run only where tables are
    kinds = set(map(type, column))
    if kinds <= {int, type(None)} and bool not in kinds:
        return list(column)
    if kinds == {str} and decimals(column):  # int() of each is then what integer() gives
        return list(map(int, column))
    return list(map(integer, column))


integer.column = _integers


def hms(value):
    """AMI's HH:MM:SS durations to seconds (ints pass through)."""
    if value is None or isinstance(value, int):
        return value
    # the parsers package loads only where output is parsed (after asterisk -rx starts)
    from amijson.parsers.columns import hms_to_seconds
    return hms_to_seconds(str(value))


def _hms_column(column):
    from amijson.table import decimals
    if _all_str(column):
        if len(column) >= 64:
            # The channels of one call, and calls made in the same second, share
            # a duration: convert each distinct one once, then look them up.
            distinct = list(set(column))
            if len(distinct) * 4 <= len(column):
                return list(map(dict(zip(distinct, _hms_column(distinct))).__getitem__, column))
        parts = ":".join(column).split(":")
        if len(parts) == 3 * len(column) and decimals(parts):  # all HH:MM:SS
            numbers = list(map(int, parts))
            return [h * 3600 + m * 60 + s for h, m, s in zip(numbers[0::3], numbers[1::3], numbers[2::3])]
    return list(map(hms, column))


hms.column = _hms_column


def listing(value, strip_prefix=False):
    """A comma list (``101,102,``) to a list; ``aor/uri`` items to the uri."""
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if strip_prefix:
        items = [v.split("/", 1)[1] if "/" in v and not v.startswith("sip") else v for v in items]
    return items


class FieldMap:
    """A record mapping declared as data: ``(key, convert, source)`` per output
    field, the value being ``convert(record.get(source))``, or null where
    ``source`` is None. Called on one record, or ``table()`` on a whole
    ``Table`` at once (each converter's ``.column`` form, where it has one)."""

    def __init__(self, *fields):
        self.fields = fields
        self.sources = [source for _key, _convert, source in fields if source is not None]

    def __call__(self, record):
        return {key: None if source is None else convert(record.get(source))
                for key, convert, source in self.fields}

    def table(self, table):
        from amijson.table import Table, convert_column
        return Table([key for key, _convert, _source in self.fields],
                     [[None] * table.count if source is None else convert_column(convert, table.column(source))
                      for _key, convert, source in self.fields])


def glob_match(pattern, name):
    """True when ``name`` matches the shell-style ``pattern``: ``*`` any run of
    characters, ``?`` any one, every other character itself (case-sensitive, as
    Asterisk's names are). No regular expression is made from the pattern: it is
    an operand, a web form's value, and is read here only as these two wildcards."""
    if name is None:
        return False
    p = n = 0
    star = -1  # where the last * was, and the name position it has swallowed up to
    mark = 0
    while n < len(name):
        if p < len(pattern) and pattern[p] == "*":
            star, mark = p, n
            p += 1
        elif p < len(pattern) and pattern[p] in ("?", name[n]):
            p += 1
            n += 1
        elif star >= 0:  # let the last * take one more character
            p = star + 1
            mark += 1
            n = mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])
