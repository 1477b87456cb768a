"""Parser for ``core show channels [concise|verbose|count]``.

Usage::

    from amijson.parsers import core_show_channels
    warnings = []
    records = core_show_channels.parse(text, variant="concise", warnings=warnings)

Variants and record schemas
---------------------------

``default`` (``core show channels``): a table with the header
``Channel Location State Application(Data)`` (columns ``%-64.64s %-32.32s
%-7.7s %-30.30s`` since 18.18/20.3/21, ``%-20.20s %-20.20s %-7.7s %-30.30s``
before). One record per channel:

===============  ===========  ================================================
field            type         meaning
===============  ===========  ================================================
``channel``      str          channel name (may be cut: see warnings)
``location``     str or None  ``exten@context:priority``; None for ``(None)``
``context``      str or None  context part of the location
``extension``    str or None  extension part of the location
``priority``     int or None  priority part of the location
``state``        str          ``Up``, ``Down``, ``Ring``, ...
``application``  str or None  application; None for ``(None)``
``data``         str or None  the application's data (inside the brackets)
===============  ===========  ================================================

The trailer lines (``N active channels``, ``N active calls`` or ``N of M max
active calls (x% of capacity)``, ``N calls processed``) are not records.

``concise`` (``core show channels concise``): ``!``-separated lines, split from
both ends so that a ``!`` inside the application data survives. Fields:

===================  ===========  ============================================
field                type         meaning
===================  ===========  ============================================
``channel``          str          channel name
``context``          str          dialplan context
``extension``        str          dialplan extension
``priority``         int          dialplan priority
``state``            str          channel state
``application``      str or None  application; None for ``(None)``
``data``             str          application data ("" when none)
``caller_id_num``    str          caller id number
``account_code``     str          account code
``peer_account``     str or None  peer account code (None: Asterisk 1.6 has
                                  no such field; a 1.6 output is recognised by
                                  a line of 13 fields, so a 1.6 output where
                                  every line's data has a ``!`` is read as 1.8)
``ama_flags``        int          AMA flags
``duration``         int or None  seconds; None for ``-``
``bridge_id``        str          (Asterisk 12+) bridge unique id, "" if none
``bridged_channel``  str or None  (instead of ``bridge_id``: 1.6 to 11) the
                                  bridged channel's name, None for ``(None)``
``uniqueid``         str          channel unique id
===================  ===========  ============================================

``verbose`` (``core show channels verbose``): a table with the header
``Channel Context Extension Priority State Application Data CallerID Duration
Accountcode PeerAccount BridgeID`` (``BridgedTo`` before 12, no
``PeerAccount`` in 1.6). Records have the concise fields except ``ama_flags``
and ``uniqueid``; ``duration`` is converted from ``HH:MM:SS`` to seconds,
``(Empty)`` data is "", ``(None)`` data is None.

``count`` (``core show channels count``): one record

===================  ===========  ============================================
``active_channels``  int or None  ``N active channels``
``active_calls``     int or None  ``N active calls``
``max_calls``        int or None  M of ``N of M max active calls``, else None
``calls_processed``  int or None  ``N calls processed``
===================  ===========  ============================================

Warnings: a value that fills its fixed-width column exactly may have been cut
by Asterisk; a warning such as ``records[3].channel may be truncated at 20
characters (fixed-width column); use 'core show channels concise'`` is added.

Example input (``core show channels concise``)::

    Local/bang@t-00000002;2!t!bang!2!Up!Dial!Local/wait@t,,,x!y!z!!!!3!1!6312365e-e6b8-472c-a65c-bdc84d25987d!1795680213.5

Example output::

    [{"channel": "Local/bang@t-00000002;2", "context": "t",
      "extension": "bang", "priority": 2, "state": "Up",
      "application": "Dial", "data": "Local/wait@t,,,x!y!z",
      "caller_id_num": "", "account_code": "", "peer_account": "",
      "ama_flags": 3, "duration": 1,
      "bridge_id": "6312365e-e6b8-472c-a65c-bdc84d25987d",
      "uniqueid": "1795680213.5"}]

Example input (``core show channels``)::

    Channel              Location             State   Application(Data)
    SIP/100-00000001     s@default:1          Up      Dial(SIP/200,30)
    1 active channel
    1 active call
    3 calls processed

Example output::

    [{"channel": "SIP/100-00000001", "location": "s@default:1",
      "context": "default", "extension": "s", "priority": 1, "state": "Up",
      "application": "Dial", "data": "SIP/200,30"}]
"""

from itertools import repeat

from amijson.parsers.columns import column_spans, hms_to_seconds, int_or_none, strip_ansi, truncation_warning
from amijson.table import Table, decimals
from amijson.parsers.core_show_calls import call_count_line

# Variants whose records each come from one line (see parsers.OutputParse).
LINEWISE = ("concise",)

COMMANDS = {
    "core show channels": "default",
    "core show channels concise": "concise",
    "core show channels verbose": "verbose",
    "core show channels count": "count",
}

_HINT = "use 'core show channels concise'"

_DEFAULT_NAMES = ["Channel", "Location", "State", "Application(Data)"]
_DEFAULT_LAST_WIDTH = 30

_VERBOSE_NAMES = [
    "Channel",
    "Context",
    "Extension",
    "Priority",
    "Prio",
    "State",
    "Application",
    "Data",
    "CallerID",
    "Duration",
    "Accountcode",
    "PeerAccount",
    "BridgeID",
    "BridgedTo",
]
_VERBOSE_KEYS = {
    "Channel": "channel",
    "Context": "context",
    "Extension": "extension",
    "Priority": "priority",
    "Prio": "priority",
    "State": "state",
    "Application": "application",
    "Data": "data",
    "CallerID": "caller_id_num",
    "Duration": "duration",
    "Accountcode": "account_code",
    "PeerAccount": "peer_account",
    "BridgeID": "bridge_id",
    "BridgedTo": "bridged_channel",
}
# Right-aligned or fixed numeric columns: no truncation warnings for them.
_NO_TRUNCATION_CHECK = ("priority", "duration", "state")


def _warn(warnings, message):
    if warnings is not None:
        warnings.append(message)



def _warn_truncated(warnings, index, cells, widths, columns):
    """Name each ``(header, key)`` whose cell fills its fixed width: it may be cut."""
    for name, key in columns:
        width = widths.get(name)
        if width and len(cells.get(name, "")) >= width:
            truncation_warning(warnings, "records[%d].%s" % (index, key), width, _HINT)

def _lines(text):
    return [line.rstrip() for line in strip_ansi(text or "").splitlines()]


def _widths(header, spans, last_default):
    """Column widths from the header: the distance to the next column less the
    separating space; the last column's width from the header's padding, or
    ``last_default`` when the padding was stripped."""
    widths = {}
    for name, start, end in spans:
        if end is not None:
            widths[name] = end - start - 1
        else:
            padded = len(header) - start
            widths[name] = padded if padded > len(name) else last_default
    return widths


def _cells(line, spans):
    """``{name: raw text}`` (right-stripped only) for a fixed-width line."""
    cells = {}
    for name, start, end in spans:
        piece = line[start:end - 1] if end is not None else line[start:]
        cells[name] = piece.rstrip()
    return cells


def _find_header(lines, first_word, needed):
    for index, line in enumerate(lines):
        words = line.split()
        if words and words[0] == first_word and all(n in words for n in needed):
            return index
    return -1


def _counts(lines):
    totals = {}
    for line in lines:
        for key, value in call_count_line(line.strip()):
            totals[key] = value
    return totals


# ---------------------------------------------------------------- default --


def _split_location(location):
    """``exten@context:prio`` to (extension, context, priority)."""
    if location is None:
        return None, None, None
    head, colon, prio = location.rpartition(":")
    if not colon:
        head, prio = location, ""
    exten, at, context = head.rpartition("@")
    if not at:
        exten, context = head, None
    return exten, context, int_or_none(prio)


def _split_appdata(text):
    """``App(data)`` to (application, data); a cut value may lack ``)``."""
    if text in ("", "(None)"):
        return None, None
    app, paren, data = text.partition("(")
    if not paren:
        return text, None
    if data.endswith(")"):
        data = data[:-1]
    return app, data


def _parse_default(lines, warnings):
    index = _find_header(lines, "Channel", ["Location"])
    if index < 0:
        _unparsed(lines, warnings)
        return []
    header = lines[index]
    # keep the header's own padding for the last column's width
    spans = column_spans(header, _DEFAULT_NAMES)
    widths = _widths(header, spans, _DEFAULT_LAST_WIDTH)
    records = []
    for line in lines[index + 1:]:
        if not line.strip() or call_count_line(line.strip()):
            continue
        cells = _cells(line, spans)
        location = cells.get("Location", "").strip()
        location = None if location in ("", "(None)") else location
        exten, context, prio = _split_location(location)
        app, data = _split_appdata(cells.get("Application(Data)", "").strip())
        record = {
            "channel": cells.get("Channel", "").strip(),
            "location": location,
            "context": context,
            "extension": exten,
            "priority": prio,
            "state": cells.get("State", "").strip(),
            "application": app,
            "data": data,
        }
        _warn_truncated(warnings, len(records), cells, widths,
                        (("Channel", "channel"), ("Location", "location"), ("Application(Data)", "data")))
        records.append(record)
    return records


# ---------------------------------------------------------------- verbose --


def _parse_verbose(lines, warnings):
    index = _find_header(lines, "Channel", ["Context", "Extension"])
    if index < 0:
        _unparsed(lines, warnings)
        return []
    header = lines[index]
    spans = column_spans(header, _VERBOSE_NAMES)
    widths = _widths(header, spans, 20)
    present = [name for name, _s, _e in spans]
    records = []
    for line in lines[index + 1:]:
        if not line.strip() or call_count_line(line.strip()):
            continue
        cells = _cells(line, spans)
        record = {
            "channel": "",
            "context": "",
            "extension": "",
            "priority": None,
            "state": "",
            "application": None,
            "data": None,
            "caller_id_num": "",
            "duration": None,
            "account_code": "",
            "peer_account": None,
        }
        if "BridgedTo" in present:
            record["bridged_channel"] = None
        else:
            record["bridge_id"] = ""
        for name in present:
            key = _VERBOSE_KEYS[name]
            value = cells.get(name, "").strip()
            if key == "priority":
                value = int_or_none(value)
            elif key == "duration":
                value = hms_to_seconds(value)
            elif key == "application":
                value = None if value == "(None)" else value
            elif key == "data":
                value = {"(Empty)": "", "(None)": None}.get(value, value)
            elif key == "bridged_channel":
                value = None if value in ("", "(None)") else value
            record[key] = value
        _warn_truncated(warnings, len(records), cells, widths,
                        [(name, _VERBOSE_KEYS[name]) for name in present
                         if _VERBOSE_KEYS[name] not in _NO_TRUNCATION_CHECK])
        records.append(record)
    return records


# ---------------------------------------------------------------- concise --


def _is_bridge_id(value):
    """A bridge unique id (a UUID, or any id without a ``/``) or empty."""
    if value == "":
        return True
    if value == "(None)" or "/" in value:
        return False
    return True


CONCISE_KEYS = ("channel", "context", "extension", "priority", "state", "application", "data", "caller_id_num",
                "account_code", "peer_account", "ama_flags", "duration", "bridge_id", "uniqueid")
_APPLICATION = {"(None)": None}.get


def _concise_table(rows):
    """The common concise output (Asterisk 12+, no "!" inside any data) split
    a column at a time: the records ``_parse_concise`` makes, or None when any
    line needs its line-by-line reading."""
    rows = list(filter(None, rows))
    if set(map(str.count, rows, repeat("!"))) != {13}:
        return None
    fields = "!".join(rows).split("!")
    columns = [fields[index::14] for index in range(14)]
    bridges = "\n".join(columns[12])
    if "/" in bridges or "(None)" in bridges:  # bridged channel names: before Asterisk 12
        return None
    for index in (3, 10, 11):  # priority, ama_flags, duration
        column = list(map(str.strip, columns[index]))
        columns[index] = list(map(int, column)) if decimals(column) else list(map(int_or_none, column))
    columns[5] = list(map(_APPLICATION, columns[5], columns[5]))
    return Table(CONCISE_KEYS, columns)


def _parse_concise(lines, warnings):
    rows = []
    for line in lines:
        line = line.rstrip()
        fields = line.split("!")
        if len(fields) < 13:
            if line.strip():
                _warn(warnings, "unrecognised line ignored: %r" % line.strip())
            continue
        rows.append(fields)
    # 14 fields since 1.8 (with peeraccount), 13 in 1.6. A "!" in the data
    # adds fields, so the output is 1.6's when any line has exactly 13.
    short = any(len(fields) == 13 for fields in rows)
    # The 13th field is the bridge id in 12+ (a UUID or empty) and the
    # bridged channel (a name or "(None)") before: decided for the whole
    # output.
    old = short or any(not _is_bridge_id(fields[-2]) for fields in rows)
    right_count = 6 if short else 7
    records = []
    for fields in rows:
        channel, context, exten, prio, state, app = fields[:6]
        right = fields[-right_count:]
        data = "!".join(fields[6:-right_count])
        if short:  # Asterisk 1.6: no peeraccount
            cid, acct, ama, dur, bridge, uniqueid = right
            peer = None
        else:
            cid, acct, peer, ama, dur, bridge, uniqueid = right
        record = {
            "channel": channel,
            "context": context,
            "extension": exten,
            "priority": int_or_none(prio),
            "state": state,
            "application": None if app == "(None)" else app,
            "data": data,
            "caller_id_num": cid,
            "account_code": acct,
            "peer_account": peer,
            "ama_flags": int_or_none(ama),
            "duration": int_or_none(dur),
        }
        if old:
            record["bridged_channel"] = None if bridge in ("", "(None)") else bridge
        else:
            record["bridge_id"] = bridge
        record["uniqueid"] = uniqueid
        records.append(record)
    return records


# ------------------------------------------------------------------ count --


def _parse_count(lines, warnings):
    totals = _counts(lines)
    if not totals:
        _unparsed(lines, warnings)
        return []
    return [
        {
            "active_channels": totals.get("active_channels"),
            "active_calls": totals.get("active_calls"),
            "max_calls": totals.get("max_calls"),
            "calls_processed": totals.get("calls_processed"),
        }
    ]


def _unparsed(lines, warnings):
    text = " / ".join(line.strip() for line in lines if line.strip())
    if text:
        _warn(warnings, "no channel table found in the output: %r" % text[:200])


def parse(text, variant=None, warnings=None):
    """Records for ``core show channels`` output of the given variant."""
    records = parse_table(text, variant, warnings)
    return records.dicts() if type(records) is Table else records


def parse_table(text, variant=None, warnings=None):
    """``parse``, but a long concise output comes as a ``Table``."""
    raw = strip_ansi(text or "")
    lines = raw.splitlines()
    if variant == "concise":
        rows = list(map(str.rstrip, lines))
        table = _concise_table(rows)
        if table is not None:
            return table
        return _parse_concise(rows, warnings)
    # header lines keep their padding (it gives the last column's width)
    lines = [l.rstrip("\r") for l in lines]
    if variant == "count":
        return _parse_count(lines, warnings)
    if variant == "verbose":
        return _parse_verbose(lines, warnings)
    return _parse_default(lines, warnings)
