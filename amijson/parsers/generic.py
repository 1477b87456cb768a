"""Fallback parser for commands without a parser of their own.

Usage::

    from amijson.parsers import generic
    warnings = []
    records = generic.parse(text, warnings=warnings)

The output is read in the first way that fits:

1. a table: the first non-empty line is a header of two or more names
   separated by two or more spaces, and the following rows have text starting
   at those columns. Records are keyed by the snake_cased header names
   (``Use Count`` -> ``use_count``), values are the stripped text between
   column starts (strings). Lines that do not fit it (a trailer like ``3
   things found``, a value longer than its column) are not records; the
   warning says how many were left out.
2. ``key : value`` / ``key: value`` lines (most non-empty lines): records
   ``{"key": ..., "value": ...}``.
3. otherwise one record ``{"line": ...}`` per non-empty line.

A warning naming the way used is always added (``no parser for this command;
generic table parser used``, ``...; generic key: value parser used``, ``...;
generic line parser used (plain lines)``).

Example input::

    Name        Type       Priority
    foo         bar        10

Example output::

    [{"name": "foo", "type": "bar", "priority": "10"}]
"""

from amijson.parsers.columns import strip_ansi

COMMANDS = {}


def _snake(name):
    out = []
    for ch in name.strip():
        if ch.isalnum():
            out.append(ch.lower())
        elif out and out[-1] != "_":
            out.append("_")
    return "".join(out).strip("_") or "column"


def _header_columns(line):
    """[(name, start)] for a header whose names are separated by 2+ spaces, or
    None."""
    columns = []
    i = 0
    n = len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        if i >= n:
            break
        start = i
        while i < n:
            if line[i] == " " and (i + 1 >= n or line[i + 1] == " "):
                break
            i += 1
        columns.append((line[start:i], start))
    if len(columns) < 2:
        return None
    return columns


def _split_single_spaced(columns, rows):
    """Split a header chunk like ``Priority Suspended`` (names one space
    apart, as ``%8s %s`` prints them) where most rows have a value starting
    right at the second name; ``Use Count`` stays whole because rows have
    no value starting at ``Count``."""
    result = []
    for name, start in columns:
        pieces = name.split(" ")
        if len(pieces) == 1:
            result.append((name, start))
            continue
        current_name, current_start = pieces[0], start
        offset = start + len(pieces[0]) + 1
        for piece in pieces[1:]:
            starting = sum(
                1
                for row in rows
                if len(row) > offset and row[offset - 1] == " " and row[offset] != " "
            )
            if starting * 2 > len(rows):
                result.append((current_name, current_start))
                current_name, current_start = piece, offset
            else:
                current_name += " " + piece
            offset += len(piece) + 1
        result.append((current_name, current_start))
    return result


def _fits(line, starts):
    """A row fits the table when it has text at the first column and no word
    crosses into a column start from the left (a character before each later
    column start is a space, or the row ends there)."""
    if not line.strip():
        return False
    first = starts[0]
    if line[:first].strip():
        return False
    hits = 0
    for start in starts[1:]:
        if start >= len(line):
            continue
        if line[start - 1] != " ":
            return False
        hits += 1
    return hits >= 1 or len(line.strip().split()) == 1


def _table(lines):
    header_index = next(i for i, l in enumerate(lines) if l.strip())
    header = lines[header_index]
    if ": " in header or header.rstrip().endswith(":"):
        return None  # a "key: value" line, not a header
    columns = _header_columns(header)
    if columns is None:
        return None
    rows = [l for l in lines[header_index + 1:] if l.strip()]
    if not rows:
        return None
    columns = _split_single_spaced(columns, rows)
    starts = [start for _name, start in columns]
    fitting = [l for l in rows if _fits(l, starts)]
    if len(fitting) * 2 < len(rows) or not fitting:
        return None
    keys = []
    for name, _start in columns:
        key = _snake(name)
        while key in keys:
            key += "_"
        keys.append(key)
    records = []
    left_out = len(rows) - len(fitting)
    for line in fitting:
        record = {}
        for i, key in enumerate(keys):
            start = starts[i]
            end = starts[i + 1] if i + 1 < len(starts) else None
            record[key] = (line[start:end] if end is not None else line[start:]).strip()
        records.append(record)
    return records, left_out


def _key_values(lines):
    pairs = []
    content = [l for l in lines if l.strip()]
    for line in content:
        key, colon, value = line.partition(":")
        if colon and key.strip() and (value == "" or value.startswith(" ")):
            pairs.append({"key": key.strip(), "value": value.strip()})
    if content and len(pairs) * 2 > len(content):
        return pairs
    return None


def parse(text, variant=None, warnings=None):
    """Records by the first shape that fits: table, key: value, plain lines."""
    lines = [l.rstrip() for l in strip_ansi(text or "").splitlines()]
    if not any(l.strip() for l in lines):
        if warnings is not None:
            warnings.append("no parser for this command; empty output")
        return []
    table = _table(lines)
    if table is not None:
        records, left_out = table
        note = "no parser for this command; generic table parser used"
        if left_out:
            note += "; %d line(s) did not fit the table's columns and were left out" % left_out
    else:
        records = _key_values(lines)
        if records is not None:
            note = "no parser for this command; generic key: value parser used"
        else:
            records = [{"line": l.strip()} for l in lines if l.strip()]
            note = "no parser for this command; generic line parser used (plain lines)"
    if warnings is not None:
        warnings.append(note)
    return records
