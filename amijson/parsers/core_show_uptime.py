"""Parser for ``core show uptime [seconds]``.

Usage::

    from amijson.parsers import core_show_uptime
    records = core_show_uptime.parse(text)

Output: one record.

=================  ===========  =============================================
field              type         meaning
=================  ===========  =============================================
``system_uptime``  int or None  seconds since Asterisk started
``last_reload``    int or None  seconds since the last reload; None when the
                                line is absent
=================  ===========  =============================================

The human form (``1 year, 2 weeks, 3 days, 4 hours, 5 minutes, 6 seconds``,
singular units too; a year counts 365 days, a week 7 days) and the ``seconds``
form (``System uptime: 93784``) both give seconds.

Example input::

    System uptime: 1 day, 2 hours, 3 minutes, 4 seconds
    Last reload: 45 seconds

Example output::

    [{"system_uptime": 93784, "last_reload": 45}]
"""

from amijson.parsers.columns import plural_duration_to_seconds, strip_ansi

COMMANDS = {
    "core show uptime": "default",
    "core show uptime seconds": "seconds",
}

_KEYS = {"system uptime": "system_uptime", "last reload": "last_reload"}


def parse(text, variant=None, warnings=None):
    """One record ``{system_uptime, last_reload}`` (none for empty output)."""
    record = {"system_uptime": None, "last_reload": None}
    seen = False
    for raw in strip_ansi(text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        label, colon, value = line.partition(":")
        key = _KEYS.get(label.strip().lower())
        if not colon or key is None:
            if warnings is not None:
                warnings.append("unrecognised line ignored: %r" % line)
            continue
        seconds = plural_duration_to_seconds(value)
        if seconds is None and warnings is not None:
            warnings.append("could not read a duration from %r" % line)
        record[key] = seconds
        seen = True
    return [record] if seen else []
