"""Parser for ``core show version``.

Usage::

    from amijson.parsers import core_show_version
    records = core_show_version.parse(text)

Asterisk prints ``Asterisk <version> built by <user> @ <host> on a <machine>
running <os> on <date>``. Output: one record.

==============  ===========  ==================================================
field           type         meaning
==============  ===========  ==================================================
``version``     str          the version (the word after ``Asterisk``)
``built_by``    str or None  the user that built it
``build_host``  str or None  the host it was built on
``machine``     str or None  the machine type (``x86_64``; ``unknown`` is kept)
``os``          str or None  the operating system
``build_date``  str or None  the build date, as printed
==============  ===========  ==================================================

Fields that are not in the line are None; ``version`` is always set.

Example input::

    Asterisk 22.10.1 built by nobody @ buildd.debian.org on a unknown running Linux on 2026-07-20 21:35:32 UTC

Example output::

    [{"version": "22.10.1", "built_by": "nobody",
      "build_host": "buildd.debian.org", "machine": "unknown", "os": "Linux",
      "build_date": "2026-07-20 21:35:32 UTC"}]
"""

from amijson.parsers.columns import strip_ansi

COMMANDS = {"core show version": "default"}

# (separator that starts the field, field name), in the order printed
_PARTS = (
    (" built by ", "built_by"),
    (" @ ", "build_host"),
    (" on a ", "machine"),
    (" running ", "os"),
    (" on ", "build_date"),
)


def parse(text, variant=None, warnings=None):
    """One record ``{version, built_by, build_host, machine, os, build_date}``."""
    lines = [l.strip() for l in strip_ansi(text or "").splitlines() if l.strip()]
    if not lines:
        return []
    line = next((l for l in lines if l.startswith("Asterisk ")), lines[0])
    if line.startswith("Asterisk "):
        rest = line[len("Asterisk "):]
    else:
        rest = line
        if warnings is not None:
            warnings.append("version line does not start with 'Asterisk': %r" % line)
    record = {
        "version": None,
        "built_by": None,
        "build_host": None,
        "machine": None,
        "os": None,
        "build_date": None,
    }
    current = "version"
    for separator, name in _PARTS:
        head, found, tail = rest.partition(separator)
        if not found:
            continue
        record[current] = head.strip() or None
        current, rest = name, tail
    record[current] = rest.strip() or None
    if record["version"] is None:
        record["version"] = ""
    return [record]
