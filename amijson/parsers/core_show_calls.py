"""Parser for ``core show calls [uptime [seconds]]``.

Usage::

    from amijson.parsers import core_show_calls
    records = core_show_calls.parse(text, variant="uptime")

Output: one record.

========================  ===========  ==========================================
field                     type         meaning
========================  ===========  ==========================================
``active_calls``          int or None  ``N active calls`` (or ``N of M max ...``)
``max_calls``             int or None  M of ``N of M max active calls``; None when
                                       Asterisk has no ``maxcalls`` limit
``calls_processed``       int or None  ``N calls processed``
``system_uptime``         int or None  seconds, from ``System uptime: ...`` (only
                                       with ``uptime``); None when absent
========================  ===========  ==========================================

Example input (``core show calls uptime``)::

    2 of 100 max active calls ( 2.00% of capacity)
    6 calls processed
    System uptime: 1 day, 2 hours, 3 minutes, 4 seconds

Example output::

    [{"active_calls": 2, "max_calls": 100, "calls_processed": 6,
      "system_uptime": 93784}]
"""

from amijson.parsers.columns import ascii_digits, plural_duration_to_seconds, strip_ansi

COMMANDS = {
    "core show calls": "default",
    "core show calls uptime": "uptime",
    "core show calls uptime seconds": "uptime_seconds",
}


def call_count_line(line):
    """``(key, value)`` for one of Asterisk's channel/call counter lines, or
    None. Keys: ``active_channels``, ``active_calls``, ``max_calls`` (the line
    ``N of M max active calls`` gives two pairs: a list is returned then),
    ``calls_processed``. Always a list of pairs, empty when not such a line."""
    words = line.split()
    if not words or not ascii_digits(words[0]):
        return []
    count = int(words[0])
    rest = [w.lower() for w in words[1:]]
    if rest in (["active", "channel"], ["active", "channels"]):
        return [("active_channels", count)]
    if rest in (["active", "call"], ["active", "calls"]):
        return [("active_calls", count)]
    if rest in (["call", "processed"], ["calls", "processed"]):
        return [("calls_processed", count)]
    if (
        len(rest) >= 4
        and rest[0] == "of"
        and ascii_digits(rest[1])
        and rest[2] == "max"
        and rest[3] == "active"
    ):
        return [("active_calls", count), ("max_calls", int(rest[1]))]
    return []


def parse(text, variant=None, warnings=None):
    """One record ``{active_calls, max_calls, calls_processed, system_uptime}``."""
    record = {
        "active_calls": None,
        "max_calls": None,
        "calls_processed": None,
        "system_uptime": None,
    }
    seen = False
    for raw in strip_ansi(text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        pairs = call_count_line(line)
        if pairs:
            for key, value in pairs:
                if key in record:
                    record[key] = value
            seen = True
            continue
        if line.lower().startswith("system uptime"):
            value = line.partition(":")[2]
            record["system_uptime"] = plural_duration_to_seconds(value)
            seen = True
            continue
        if warnings is not None:
            warnings.append("unrecognised line ignored: %r" % line)
    if not seen:
        return []
    return [record]
