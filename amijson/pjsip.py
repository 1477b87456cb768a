"""The ``endpoints`` and ``contacts`` records from res_pjsip's AMI events.

PJSIPShowEndpoints lists every endpoint with its state, AORs and contacts, whole;
only PJSIPShowEndpoint (one endpoint) carries the caller ID (``EndpointDetail``'s
``Callerid``) and the state of every contact of its AORs, static ones included
(``ContactStatusDetail``): PJSIPShowContacts lists only the contacts sorcery
stores (registered ones), never the static ``contact =`` lines of an AOR. The CLI
prints the same facts in its own words, which the records use: the caller ID's
number only, a contact's short status label, the round trip in milliseconds.
Read from res/res_pjsip/{pjsip_configuration,pjsip_options,location}.c and
main/callerid.c, the same in Asterisk 16.28 and 22.
"""

from amijson.fields import integer, listing, text
from amijson.request import Request

# pjsip_options.c: status_map (AMI) and short_status_map (the CLI), index by index.
CONTACT_STATUS = {"Unreachable": "Unavail", "Reachable": "Avail", "Unknown": "Unknown",
                  "NonQualified": "NonQual", "Removed": "Removed"}


def caller_id_number(value):
    """The number of an endpoint's ``Callerid`` (``"Alice" <101>``, ``<101>``, ``101``,
    ``Alice``), as the CLI prints it after the endpoint's name; None when there is none.

    Asterisk prints the caller ID with ast_callerid_merge: ``"name" <number>`` with both,
    else the name or the number alone, else ``<unknown>``. ast_callerid_parse reads a lone
    value as the number when it is made of ``0-9*#+`` (after dropping spaces, ``-``, ``(``
    and ``)``), as a name otherwise; a number was stored that way, so it reads back so."""
    value = (value or "").strip()
    if value in ("", "<unknown>"):
        return None
    start = value.rfind("<")
    if start >= 0:
        number = value[start + 1:]
        end = number.rfind(">")
        return (number[:end] if end >= 0 else number) or None
    shrunk = "".join(ch for ch in value if ch not in "( )-")
    return shrunk if shrunk and all(ch in "0123456789*#+" for ch in shrunk) else None


def round_trip_ms(value):
    """``RoundtripUsec`` (microseconds, ``N/A`` unless the contact is reachable) in ms,
    as the CLI prints it (``usec / 1000.0`` to three places); None for ``N/A``."""
    usec = integer(value)
    return None if usec is None else usec / 1000.0


def contact_from_detail(event):
    status = text(event.get("Status"))
    return {"aor": text(event.get("AOR")), "uri": text(event.get("URI")),
            "status": CONTACT_STATUS.get(status, status), "rtt_ms": round_trip_ms(event.get("RoundtripUsec"))}


def _of(events, kind):
    return [event for event in events if event.get("Event") == kind]


def channels_when_missing(listed):
    """CoreShowChannels when an EndpointList leaves ``ActiveChannels`` empty: Asterisk 16's
    active_channels_to_str returns at once when it finds the endpoint's snapshot (an
    inverted test), so 16 never fills it; 22 prints the snapshot's count."""
    if any(integer(event.get("ActiveChannels")) is None for event in listed):
        return [Request("CoreShowChannels", [])]
    return []


def _channel_counts(extras):
    """Channels per endpoint name, from CoreShowChannels: chan_pjsip names a channel
    ``PJSIP/<endpoint>-<8 hex digits>`` and adds it to that endpoint's snapshot."""
    counts = {}
    for records in extras:
        for event in _of(records, "CoreShowChannel"):
            channel = event.get("Channel") or ""
            if channel.startswith("PJSIP/") and "-" in channel:
                name = channel[len("PJSIP/"):].rsplit("-", 1)[0]
                counts[name] = counts.get(name, 0) + 1
    return counts


def endpoints_from_details(listed, details, extras):
    """The ``endpoints`` records (queries.ENDPOINT_FIELDS) of the endpoints in ``listed``
    (EndpointList events), each with its PJSIPShowEndpoint events in ``details``."""
    counts = _channel_counts(extras)
    records = []
    for event in listed:
        name = text(event.get("ObjectName"))
        found = details.get(event.get("ObjectName"), [])
        endpoint = (_of(found, "EndpointDetail") or [{}])[0]
        channels = integer(event.get("ActiveChannels"))
        records.append({
            "endpoint": name,
            "state": text(event.get("DeviceState")),
            "channels": channels if channels is not None else counts.get(name, 0),
            "caller_id": caller_id_number(endpoint.get("Callerid")),
            "aors": listing(event.get("Aor")),
            "contacts": [contact["uri"] for contact in map(contact_from_detail, _of(found, "ContactStatusDetail"))],
        })
    return records


def contacts_from_details(listed, details, extras):
    """The ``contacts`` records: every contact of every endpoint's AORs, once each (an
    AOR two endpoints share is listed under both), in the CLI's order (its container
    sorts by ``aor/uri``, location.c's cli_contact_sort)."""
    found = {}
    for events in details.values():
        for event in _of(events, "ContactStatusDetail"):
            contact = contact_from_detail(event)
            found.setdefault((contact["aor"], contact["uri"]), contact)
    return [found[key] for key in sorted(found, key=lambda key: "%s/%s" % key)]
