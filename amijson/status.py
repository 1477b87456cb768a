"""The ``status`` record: one record for a monitoring system, made from the
records of the ``status`` query's parts (``queries.QUERIES["status"]``), and the
mappings of the parts that only ``status`` asks.

No I/O: ``status_record`` is a function of the parts' records, each a list of
dicts, or None where the PBX lacks that part's source (its module not loaded).
"""

from amijson.fields import integer, text


def queue_summary_from_event(e):
    """A QueueSummary event: callers waiting now, and the longest one's wait (seconds)."""
    return {"queue": text(e.get("Queue")), "callers": integer(e.get("Callers")),
            "longest_wait": integer(e.get("LongestHoldTime"))}


def queue_summary_from_cli(r):
    """The same from a ``queue show`` record: its callers and their waits."""
    callers = r.get("callers") or []
    return {"queue": r.get("queue"), "callers": len(callers),
            "longest_wait": max((c.get("wait") or 0 for c in callers), default=0)}


def peer_summary_from_event(e):
    """A chan_sip or chan_iax2 peer from its PeerEntry event (SIPpeers, IAXpeerlist)."""
    return {"peer": text(e.get("ObjectName")), "status": text(e.get("Status"))}


def peer_summary_from_cli(r):
    """The same from a ``sip show peers`` or ``iax2 show peers`` record."""
    return {"peer": r.get("name"), "status": r.get("status")}


UNREACHABLE_CONTACTS = frozenset(("Unavail", "Unreachable"))  # the CLI's short label, AMI's long one
UNMONITORED = "Unmonitored"  # peer_status() in chan_sip and chan_iax2: qualify=no
ONLINE = ("OK (", "LAGGED (")  # a qualified peer that answered: OK (N ms), LAGGED (N ms)


def peer_counts(prefix, peers):
    """``{PREFIX, PREFIX_monitored, PREFIX_unmonitored, PREFIX_online, PREFIX_offline}``
    of chan_sip's or chan_iax2's peers (None: the module is not loaded, every count null).
    A peer with qualify=no is unmonitored; a monitored one is online when its status is
    ``OK (N ms)`` or ``LAGGED (N ms)``, offline when ``UNREACHABLE`` or ``UNKNOWN`` (not
    answered yet, or not registered), so online + offline = monitored."""
    if peers is None:
        return dict.fromkeys((prefix, prefix + "_monitored", prefix + "_unmonitored", prefix + "_online",
                              prefix + "_offline"))
    unmonitored = sum(1 for p in peers if p.get("status") == UNMONITORED)
    online = sum(1 for p in peers if (p.get("status") or "").startswith(ONLINE))
    monitored = len(peers) - unmonitored
    return {prefix: len(peers), prefix + "_monitored": monitored, prefix + "_unmonitored": unmonitored,
            prefix + "_online": online, prefix + "_offline": monitored - online}


def status_record(parts):
    """The ``status`` record from its parts' records (None: the PBX lacks that source).

    version                  version: CoreSettings' AsteriskVersion, or ``core show version``
    uptime_seconds           uptime: ``core show uptime seconds``, System uptime
    reload_seconds           uptime: its Last reload
    channels, calls,         channels: ``core show channels count`` (active channels,
    calls_processed          active calls, calls processed)
    endpoints                endpoints: PJSIPShowEndpoints or ``pjsip show endpoints``,
                             how many
    endpoints_unavailable    those whose device state is Unavailable
    endpoints_available      the others (endpoints - endpoints_unavailable)
    contacts_unreachable     contacts: ``pjsip show contacts``, status Unavail
    queues                   queues: QueueSummary or ``queue show``, how many
    queue_callers            callers waiting in all of them
    longest_wait_seconds     the longest any of them has waited; 0 when none waits
    sip_peers, sip_peers_monitored, sip_peers_unmonitored, sip_peers_online,
    sip_peers_offline        sip_peers: SIPpeers or ``sip show peers`` (chan_sip), counted
                             by ``peer_counts``
    iax2_peers, iax2_peers_monitored, iax2_peers_unmonitored, iax2_peers_online,
    iax2_peers_offline       iax2_peers: IAXpeerlist or ``iax2 show peers`` (chan_iax2), the same

    A field whose part is None is null: no res_pjsip, no app_queue, no chan_sip
    (gone from Asterisk 21 on), no chan_iax2. A count over an empty list is 0."""
    version, uptime, counts = (_first(parts.get(name)) for name in ("version", "uptime", "channels"))
    endpoints, contacts, queues = parts.get("endpoints"), parts.get("contacts"), parts.get("queues")
    unavailable = _count(endpoints, lambda e: e.get("state") == "Unavailable")
    record = {
        "version": version.get("version"),
        "uptime_seconds": uptime.get("system_uptime"),
        "reload_seconds": uptime.get("last_reload"),
        "channels": counts.get("active_channels"),
        "calls": counts.get("active_calls"),
        "calls_processed": counts.get("calls_processed"),
        "endpoints": _count(endpoints),
        "endpoints_available": None if endpoints is None else len(endpoints) - unavailable,
        "endpoints_unavailable": unavailable,
        "contacts_unreachable": _count(contacts, lambda c: c.get("status") in UNREACHABLE_CONTACTS),
        "queues": _count(queues),
        "queue_callers": None if queues is None else sum(q.get("callers") or 0 for q in queues),
        "longest_wait_seconds": None if queues is None else max((q.get("longest_wait") or 0 for q in queues),
                                                                 default=0),
    }
    record.update(peer_counts("sip_peers", parts.get("sip_peers")))
    record.update(peer_counts("iax2_peers", parts.get("iax2_peers")))
    return record


def _first(records):
    return records[0] if records else {}


def _count(records, which=None):
    if records is None:
        return None
    return len(records) if which is None else sum(1 for record in records if which(record))
