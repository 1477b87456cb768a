"""Parser for ``bridge show all``.

Usage::

    from amijson.parsers import bridge_show
    records = bridge_show.parse(text)

Layouts (by the header): ``Bridge-ID Name Chans Type Technology Duration``
(``%-36s %-36s %5s %-15s %-15s %s``, Asterisk 20.13/21.8/22.3 and later);
without ``Name`` (13 to 20.12); without ``Name`` and ``Duration`` (12). The
columns do not cut long values, so a row is read as: the bridge id (first
word), then from the right the duration, technology, type and channel count;
what is left between is the name.

================  ===========  ===============================================
field             type         meaning
================  ===========  ===============================================
``bridge_id``     str          the bridge's unique id
``name``          str or None  the bridge's name; None for ``<unknown>`` or
                               when the version has no Name column
``channels``      int or None  number of channels in the bridge
``type``          str or None  bridge subclass (``basic``, ``holding``, ...);
                               None for ``<unknown>``
``technology``    str or None  bridge technology (``simple_bridge``, ...);
                               None for ``<unknown>``
``duration``      int or None  seconds since creation (``HH:MM:SS``); None
                               when the version has no Duration column
================  ===========  ===============================================

Example input::

    Bridge-ID                            Name                                 Chans Type            Technology      Duration
    6312365e-e6b8-472c-a65c-bdc84d25987d <unknown>                                2 basic           simple_bridge   00:00:02

Example output::

    [{"bridge_id": "6312365e-e6b8-472c-a65c-bdc84d25987d", "name": null,
      "channels": 2, "type": "basic", "technology": "simple_bridge",
      "duration": 2}]
"""

from amijson.parsers.columns import ascii_digits, find_header, hms_to_seconds, strip_ansi

COMMANDS = {"bridge show all": "default"}


def _none(value):
    return None if value in (None, "", "<unknown>") else value


def parse(text, variant=None, warnings=None):
    """One record per bridge row."""
    lines = [l.rstrip() for l in strip_ansi(text or "").splitlines()]
    header_index = find_header(lines, ("Bridge-ID",), "bridge", warnings)
    if header_index < 0:
        return []
    columns = lines[header_index].split()
    has_name = "Name" in columns
    has_duration = "Duration" in columns
    right_names = ["channels", "type", "technology"]
    if has_duration:
        right_names.append("duration")
    records = []
    for line in lines[header_index + 1:]:
        words = line.split()
        if not words:
            continue
        bridge_id = words[0]
        rest = line.strip()[len(bridge_id):].strip()
        parts = rest.rsplit(None, len(right_names)) if rest else []
        if len(parts) < len(right_names):
            if warnings is not None:
                warnings.append("unrecognised line ignored: %r" % line.strip())
            continue
        right = parts[-len(right_names):]
        middle = " ".join(parts[:-len(right_names)]).strip()
        values = dict(zip(right_names, right))
        channels = values["channels"]
        records.append(
            {
                "bridge_id": bridge_id,
                "name": _none(middle) if has_name else None,
                "channels": int(channels) if ascii_digits(channels) else None,
                "type": _none(values["type"]),
                "technology": _none(values["technology"]),
                "duration": hms_to_seconds(values["duration"]) if has_duration else None,
            }
        )
    return records
