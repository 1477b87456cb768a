"""Parser for ``pjsip show endpoints`` and ``pjsip list endpoints`` (res_pjsip,
Asterisk 13 to 22).

Usage::

    from amijson.parsers import pjsip_endpoints
    records = pjsip_endpoints.parse(text, variant="show")   # or "list"

Output: one record per ``Endpoint:`` row.

==================  ===========  ============================================
field               type         meaning
==================  ===========  ============================================
``endpoint``        str          the endpoint's id
``caller_id``       str or None  the caller id number printed after ``/``
``state``           str          device state (``Not in use``,
                                 ``Unavailable``, ``In use``, ...)
``channels``        int          channels now on the endpoint
``max_channels``    int or None  ``device_state_busy_at``; None for ``inf``
                                 (no limit)
==================  ===========  ============================================

With ``show`` (not ``list``) each record also has the rows printed under it:

==================  ======  =================================================
``aors``            list    ``{aor: str, max_contacts: int}``
``auths``           list    ``{direction: "out"|"in", auth: str,
                            username: str or None}`` (``OutAuth:``/``InAuth:``)
``contacts``        list    ``{aor, uri, hash, status: str, rtt_ms: float or
                            None (nan)}``
``transports``      list    ``{transport: str, type: str, cos: int, tos: int,
                            bind_address: str}``
``identifies``      list    ``{identify: str, endpoint: str, match: [str]}``
                            (``Match:`` lines, e.g. ``"10.0.0.0/24"``; a
                            ``Header:``/``RequestURI:`` line adds ``header``
                            / ``request_uri``)
``channel_list``    list    channel names (``PJSIP/101-00000000``), from the
                            ``Channel:`` rows (``<name>/<application>``)
==================  ======  =================================================

Layout: a blank line, a header block (`` Endpoint:  <Endpoint/CID....>
<State.....>  <Channels.>`` then, for ``show``, one header line per child row
type), a line of ``=``, a blank line, the rows, ``Objects found: N`` (not a
record). ``No objects found.`` gives ``[]``. Endpoint rows are
``%*s:  %-*.*s  %-12.12s  %d of %.0f``; their columns are read at the header's
``<...>`` positions. An ``endpoint/caller id`` that fills its 51-character
field may have been cut: a warning says so (the same for AOR ids, contact URIs
and channel names).

Example input (``pjsip show endpoints``)::

     Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>
            Aor:  <Aor............................................>  <MaxContact>
          Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>
    ==========================================================================================

     Endpoint:  101/101                                              Not in use    0 of inf
            Aor:  101                                                1
          Contact:  101/sip:101@127.0.0.1:5070                 1042d25ffa NonQual        -nan

    Objects found: 1

Example output::

    [{"endpoint": "101", "caller_id": "101", "state": "Not in use",
      "channels": 0, "max_channels": null,
      "aors": [{"aor": "101", "max_contacts": 1}], "auths": [],
      "contacts": [{"aor": "101", "uri": "sip:101@127.0.0.1:5070",
                    "hash": "1042d25ffa", "status": "NonQual", "rtt_ms": null}],
      "transports": [], "identifies": [], "channel_list": []}]
"""

from amijson.parsers.pjsip_aors import aor_row
from amijson.parsers.columns import ascii_digits, int_or_none, truncation_warning
from amijson.parsers.pjsip_contacts import (
    contact_row,
    header_fields,
    is_empty_answer,
    label_of,
    lines_of,
)

COMMANDS = {
    "pjsip show endpoints": "show",
    "pjsip list endpoints": "list",
}

_CHILD_HEADERS = ("I/OAuth", "Aor", "Contact", "Transport", "Identify", "Channel")


def _endpoint_row(line, colon, spans):
    """``(record, truncated_width_or_None)`` for an ``Endpoint:`` row."""
    start = colon + 3
    if len(spans) >= 3:
        name_end, state_start, channels_start = spans[0][1], spans[1][0], spans[2][0]
    else:  # no header: the layout res_pjsip has always used
        name_end, state_start, channels_start = start + 51, start + 53, start + 67
    name = line[start:name_end].strip()
    state = line[state_start:channels_start].strip()
    channels_text = line[channels_start:].strip()
    # A name longer than its field is never printed (%.*s), but be careful
    # with a line that does not fit the header: fall back to the words.
    if " of " not in channels_text:
        return None, None
    used, _, limit = channels_text.partition(" of ")
    record = {
        "endpoint": name,
        "caller_id": None,
        "state": state or None,
        "channels": int_or_none(used),
        "max_channels": _limit(limit),
    }
    endpoint, slash, caller_id = name.partition("/")
    if slash:
        record["endpoint"] = endpoint
        record["caller_id"] = caller_id or None
    width = name_end - start
    truncated = None
    if len(name) >= width:
        truncated = ("caller_id" if slash else "endpoint", width - (len(endpoint) + 1 if slash else 0))
    return record, truncated


def _limit(text):
    """``device_state_busy_at`` as Asterisk prints it (``%.0f``): an int, or None for ``inf``."""
    return int_or_none(text)


def _new_children(record):
    record.update(aors=[], auths=[], contacts=[], transports=[], identifies=[], channel_list=[])


def parse(text, variant=None, warnings=None):
    """Records ``{endpoint, caller_id, state, channels, max_channels}`` (plus the
    child lists for ``show``)."""
    lines = lines_of(text)
    if is_empty_answer(lines):
        return []
    fields, first = header_fields(lines)
    if variant is None:
        variant = "show" if any(name in fields for name in _CHILD_HEADERS) else "list"
    show = variant == "show"
    records = []
    identify = None

    def warn(where, width):
        truncation_warning(warnings, "records[%d].%s" % (len(records) - 1, where), width)

    for line in lines[first:]:
        if line.strip().startswith("ParameterName"):
            break  # ``pjsip show endpoint <id>``: the object's details follow
        label, colon = label_of(line)
        if label is None:
            continue
        if label == "Endpoint":
            record, truncated = _endpoint_row(line, colon, fields.get("Endpoint", []))
            if record is None:
                continue
            if show:
                _new_children(record)
            records.append(record)
            identify = None
            if truncated:
                warn(*truncated)
            continue
        if not show or not records:
            continue
        record = records[-1]
        value = line[colon + 1:].strip()
        if label in ("OutAuth", "InAuth"):
            auth, slash, username = value.partition("/")
            record["auths"].append({
                "direction": label[:-4].lower(),
                "auth": auth,
                "username": username or None,
            })
        elif label == "Aor":
            aor, truncated = aor_row(line, colon, fields.get("Aor", []))
            if aor is not None:
                record["aors"].append(aor)
                warn("aors[%d].aor" % (len(record["aors"]) - 1), truncated)
        elif label == "Contact":
            contact, truncated = contact_row(line, colon, fields.get("Contact", []))
            if contact is not None:
                record["contacts"].append(contact)
                warn("contacts[%d].uri" % (len(record["contacts"]) - 1), truncated)
        elif label == "Transport":
            tokens = value.split()
            if len(tokens) >= 4:
                record["transports"].append({
                    "transport": tokens[0],
                    "type": tokens[1],
                    "cos": int(tokens[2]) if ascii_digits(tokens[2]) else None,
                    "tos": int(tokens[3]) if ascii_digits(tokens[3]) else None,
                    "bind_address": " ".join(tokens[4:]) or None,
                })
        elif label == "Identify":
            name, _, endpoint = value.partition("/")
            identify = {"identify": name, "endpoint": endpoint or None, "match": []}
            record["identifies"].append(identify)
        elif label == "Match" and identify is not None:
            identify["match"].append(value)
        elif label == "Header" and identify is not None:
            identify["header"] = value
        elif label == "RequestURI" and identify is not None:
            identify["request_uri"] = value
        elif label == "Channel":
            tokens = value.split()
            if tokens:
                name_appl = tokens[0]
                name = name_appl.rpartition("/")[0] if "/" in name_appl else name_appl
                record["channel_list"].append(name)
                spans = fields.get("Channel", [])
                if spans:
                    width = spans[0][1] - 1 - colon  # CLI_LAST_TABSTOP - indent
                    start = colon + 2
                    if width > 0 and len(name_appl) >= width and line[start:start + width] == name_appl[:width]:
                        warn("channel_list[%d]" % (len(record["channel_list"]) - 1), width)
    return records
