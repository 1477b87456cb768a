"""Parser for ``sip show peers [like <pattern>]`` (chan_sip, Asterisk 11 to 20;
Asterisk 21 and later have no chan_sip).

Usage::

    from amijson.parsers import sip_show_peers
    records = sip_show_peers.parse(text)

Output: one record per peer row.

=================  ============  ============================================
field              type          meaning
=================  ============  ============================================
``name``           str           the peer's name (cut at 25 characters with
                                 its ``/username``: a warning says so)
``username``       str or None   the part after ``/``
``host``           str or None   address; None for ``(Unspecified)``
``dynamic``        bool          ``D`` in the Dyn column (``host=dynamic``)
``force_rport``    str           as printed: ``Yes``, ``No``, ``Auto (Yes)``,
                                 ``Auto (No)``
``comedia``        str           as printed, same values
``acl``            bool          ``A`` in the ACL column (permit/deny set)
``port``           int or None   None for ``0`` or blank
``status``         str           ``OK (1 ms)``, ``LAGGED (2500 ms)``,
                                 ``UNREACHABLE``, ``UNKNOWN``, ``Unmonitored``
``latency_ms``     int or None   the ``N`` of ``OK (N ms)``/``LAGGED (N ms)``
``description``    str or None   None when blank (cut at 32 characters)
``realtime``       str or None   ``Cached RT`` for a realtime peer when the
                                 Realtime column is shown; None otherwise
=================  ============  ============================================

Rows are ``%-25.25s %-39.39s %-3.3s %-10.10s %-10.10s %-3.3s %-8s %-11s
%-32.32s %s``, the same from Asterisk 11 to 20. Columns are read at the
header's positions (``Name/username Host Dyn Forcerport Comedia ACL Port Status
Description Realtime``); ``Status`` has no maximum width, so a long status
(``LAGGED (2500 ms)``) pushes Description and Realtime right and they are read
after it. The trailer ``<n> sip peers [Monitored: ...]`` is not a record.

Example input::

    Name/username             Host                                    Dyn Forcerport Comedia    ACL Port     Status      Description
    101/101                   192.168.1.101                            D  Auto (No)  Auto (No)      5060     OK (12 ms)
    1 sip peers [Monitored: 1 online, 0 offline Unmonitored: 0 online, 0 offline]

Example output::

    [{"name": "101", "username": "101", "host": "192.168.1.101",
      "dynamic": true, "force_rport": "Auto (No)", "comedia": "Auto (No)",
      "acl": false, "port": 5060, "status": "OK (12 ms)", "latency_ms": 12,
      "description": null, "realtime": null}]
"""

from amijson.parsers.columns import (ascii_digits, column_spans, peer_latency, peer_status_text, strip_ansi,
                                     truncation_warning)

COMMANDS = {
    "sip show peers": "default",
    "sip show peers like": "like",
}

_COLUMNS = ("Name/username", "Host", "Dyn", "Forcerport", "Comedia", "ACL", "Port",
            "Status", "Description", "Realtime")


def _is_trailer(line):
    words = line.split()
    return len(words) >= 3 and ascii_digits(words[0]) and words[1:3] == ["sip", "peers"]


def _description_width(spans):
    """The Description column's width: up to the Realtime column, or (when
    that column is not shown) the format's ``%-32.32s``."""
    if "Description" not in spans:
        return None
    start, end = spans["Description"]
    return end - start - 1 if end is not None else 32


def parse(text, variant=None, warnings=None):
    """Records, one per peer row."""
    spans = None
    records = []

    def warn(field, width):
        truncation_warning(warnings, "records[%d].%s" % (len(records) - 1, field), width)

    description_width = None
    for raw in strip_ansi(text or "").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if spans is None:
            if line.startswith("Name/username"):
                spans = {name: (start, end) for name, start, end in column_spans(line, _COLUMNS)}
                description_width = _description_width(spans)
            elif warnings is not None:
                warnings.append("unrecognised line ignored: %r" % line.strip())
            continue
        if _is_trailer(line):
            continue

        def field(name, shift=0):
            if name not in spans:
                return ""
            start, end = spans[name]
            return line[start + shift:(end + shift) if end is not None else None]

        def width(name):
            start, end = spans[name]
            return (end - start - 1) if end is not None else None

        name_field = field("Name/username").rstrip()
        name, slash, username = name_field.partition("/")
        host = field("Host").strip()
        port = field("Port").strip()
        status = ""
        shift = 0
        if "Status" in spans:
            status = peer_status_text(line[spans["Status"][0]:])
            status_width = width("Status")
            if status_width is not None:
                shift = max(0, len(status) - status_width)
        description_field = field("Description", shift)
        description = description_field.strip()
        realtime = field("Realtime", shift).strip()
        records.append({
            "name": name,
            "username": username if slash and username else None,
            "host": None if host in ("", "(Unspecified)") else host,
            "dynamic": field("Dyn").strip() == "D",
            "force_rport": field("Forcerport").strip() or None,
            "comedia": field("Comedia").strip() or None,
            "acl": field("ACL").strip() == "A",
            "port": int(port) if ascii_digits(port) and int(port) else None,
            "status": status or None,
            "latency_ms": peer_latency(status),
            "description": description or None,
            "realtime": realtime or None,
        })
        name_width = width("Name/username")
        if name_width and len(name_field) >= name_width:
            if slash:
                warn("username", name_width - len(name) - 1)
            else:
                warn("name", name_width)
        host_width = width("Host")
        if host_width and len(host) >= host_width:
            warn("host", host_width)
        if description_width and len(description_field.rstrip()) >= description_width:
            warn("description", description_width)
    return records
