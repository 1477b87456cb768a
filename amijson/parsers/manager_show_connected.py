"""Parser for ``manager show connected``.

Usage::

    from amijson.parsers import manager_show_connected
    warnings = []
    records = manager_show_connected.parse(text, warnings=warnings)

The header is ``Username IP Address Start Elapsed FileDes HttpCnt ReadPerms
WritePerms`` (Asterisk 20+; ``Read Write`` before; the IP column is 15 wide
before 11 and 55 since). Username and IP address are read at the header's
column positions (Asterisk cuts them: a warning is added when one fills its
column); the numbers are read as words from the ``Start`` column on, since
older versions print the permissions with ``%-5.5d``, which does not cut them.
The trailer ``N users connected.`` is not a record.

===================  ===========  ============================================
field                type         meaning
===================  ===========  ============================================
``username``         str          the manager user
``ip_address``       str          the client's address
``start``            int or None  session start (Unix time)
``elapsed``          int or None  seconds since the session started
``file_descriptor``  int or None  the session's file descriptor
``http_count``       int or None  HTTP use count (``HttpCnt``)
``read_perms``       int or None  read permission bit mask
``write_perms``      int or None  write permission bit mask
===================  ===========  ============================================

Columns absent from the header are None.

Example input::

      Username         IP Address                                               Start       Elapsed     FileDes   HttpCnt   ReadPerms   WritePerms
      amijson          127.0.0.1                                                1795680214  1           48        0         2147483647  2147483647
    1 users connected.

Example output::

    [{"username": "amijson", "ip_address": "127.0.0.1", "start": 1795680214,
      "elapsed": 1, "file_descriptor": 48, "http_count": 0,
      "read_perms": 2147483647, "write_perms": 2147483647}]
"""

from amijson.parsers.columns import (ascii_digits, column_spans, find_header, int_or_none, is_count_line,
                                      strip_ansi, truncation_warning)

COMMANDS = {"manager show connected": "default"}

_NAMES = [
    "Username",
    "IP Address",
    "Start",
    "Elapsed",
    "FileDes",
    "HttpCnt",
    "ReadPerms",
    "Read",
    "WritePerms",
    "Write",
]
_KEYS = {
    "Start": "start",
    "Elapsed": "elapsed",
    "FileDes": "file_descriptor",
    "HttpCnt": "http_count",
    "ReadPerms": "read_perms",
    "Read": "read_perms",
    "WritePerms": "write_perms",
    "Write": "write_perms",
}


def _is_trailer(line):
    return is_count_line(line, ("users", "user"), "connected.")


def _is_ipv4(text):
    parts = text.split(".")
    return len(parts) == 4 and all(map(ascii_digits, parts))


def parse(text, variant=None, warnings=None):
    """One record per connected manager session."""
    lines = [l.rstrip() for l in strip_ansi(text or "").splitlines()]
    header_index = find_header(lines, ("Username",), "session", warnings, _is_trailer)
    if header_index < 0:
        return []
    spans = column_spans(lines[header_index], _NAMES)
    position = {name: (start, end) for name, start, end in spans}
    numbers = [name for name, _s, _e in spans if name in _KEYS]
    records = []
    for line in lines[header_index + 1:]:
        if not line.strip() or _is_trailer(line.strip()):
            continue
        record = {
            "username": None,
            "ip_address": None,
            "start": None,
            "elapsed": None,
            "file_descriptor": None,
            "http_count": None,
            "read_perms": None,
            "write_perms": None,
        }
        n = len(records)
        for name, key in (("Username", "username"), ("IP Address", "ip_address")):
            if name not in position:
                continue
            start, end = position[name]
            # the column ends two characters (the separator) before the next
            cell = line[start:end - 2] if end is not None else line[start:]
            value = cell.strip()
            record[key] = value
            width = (end - start - 2) if end is not None else None
            if width and len(value) >= width and not (key == "ip_address" and _is_ipv4(value)):
                truncation_warning(warnings, "records[%d].%s" % (n, key), width)
        if numbers:
            words = line[position[numbers[0]][0]:].split()
            for name, word in zip(numbers, words):
                record[_KEYS[name]] = int_or_none(word)
        records.append(record)
    return records
