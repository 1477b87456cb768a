"""Parser for ``iax2 show peers [registered] [like <pattern>]`` (chan_iax2).

Usage::

    from amijson.parsers import iax2_show_peers
    records = iax2_show_peers.parse(text)

Output: one record per peer row.

=================  ============  ============================================
field              type          meaning
=================  ============  ============================================
``name``           str           the peer's name (cut at 15 characters with
                                 its ``/username``: a warning says so)
``username``       str or None   the part after ``/``
``host``           str or None   address; None for ``(Unspecified)``
``dynamic``        bool          ``(D)`` after the host (``host=dynamic``);
                                 ``(S)`` is a static host
``mask``           str or None   the peer's netmask
``port``           int or None   None for ``0`` or blank
``status``         str           ``OK (3 ms)``, ``LAGGED (2500 ms)``,
                                 ``UNREACHABLE``, ``UNKNOWN``, ``Unmonitored``
``latency_ms``     int or None   the ``N`` of ``OK (N ms)``/``LAGGED (N ms)``
``description``    str or None   None when blank (cut at 32 characters)
=================  ============  ============================================

Rows do not line up with the header (``Name/Username Host Mask Port Status
Description``: from Host on, its words sit one column right of the values, on
Asterisk 16), so a row is read as the name (``%-15.15s``, two spaces) and then
words: host, ``(D)`` or ``(S)``, mask, port, the status (``peer_status()``, no
maximum width: ``OK (3 ms)`` is three words) and the description after it. The trailer ``<n> iax2 peers [<n> online, <n> offline,
<n> unmonitored]`` is not a record.

Example input::

    Name/Username    Host                                           Mask                                      Port           Status      Description
    trunk-iax        127.0.0.1                                (S)  255.255.255.255                           4669           OK (3 ms)
    1 iax2 peers [1 online, 0 offline, 0 unmonitored]

Example output::

    [{"name": "trunk-iax", "username": null, "host": "127.0.0.1",
      "dynamic": false, "mask": "255.255.255.255", "port": 4669,
      "status": "OK (3 ms)", "latency_ms": 3, "description": null}]
"""

from amijson.parsers.columns import ascii_digits, peer_latency, peer_status_text, strip_ansi, truncation_warning

COMMANDS = {
    "iax2 show peers": "default",
    "iax2 show peers like": "like",
    "iax2 show peers registered": "registered",
}

NAME_WIDTH = 15         # %-15.15s
DESCRIPTION_WIDTH = 32  # %-32.32s


def _is_trailer(line):
    words = line.split()
    return len(words) >= 3 and ascii_digits(words[0]) and words[1:3] == ["iax2", "peers"]


def parse(text, variant=None, warnings=None):
    """Records, one per peer row."""
    header = False
    records = []
    for raw in strip_ansi(text or "").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if not header:
            if line.startswith("Name/Username"):
                header = True
            elif warnings is not None:
                warnings.append("unrecognised line ignored: %r" % line.strip())
            continue
        if _is_trailer(line):
            continue
        name_field = line[:NAME_WIDTH].rstrip()
        words = line[NAME_WIDTH:].split(None, 4)
        if len(words) < 4 or words[1] not in ("(D)", "(S)"):
            if warnings is not None:
                warnings.append("unrecognised line ignored: %r" % line.strip())
            continue
        host, flag, mask, port = words[:4]
        rest = words[4] if len(words) > 4 else ""
        status = peer_status_text(rest)
        description = rest[len(status):].strip()
        name, slash, username = name_field.partition("/")
        records.append({
            "name": name,
            "username": username if slash and username else None,
            "host": None if host == "(Unspecified)" else host,
            "dynamic": flag == "(D)",
            "mask": mask,
            "port": int(port) if ascii_digits(port) and int(port) else None,
            "status": status or None,
            "latency_ms": peer_latency(status),
            "description": description or None,
        })
        where = "records[%d]." % (len(records) - 1)
        if len(name_field) >= NAME_WIDTH:
            if slash:
                truncation_warning(warnings, where + "username", NAME_WIDTH - len(name) - 1)
            else:
                truncation_warning(warnings, where + "name", NAME_WIDTH)
        if len(description) >= DESCRIPTION_WIDTH:
            truncation_warning(warnings, where + "description", DESCRIPTION_WIDTH)
    return records
