"""``--format prometheus``: the text exposition format (version 0.0.4), for
node_exporter's textfile collector (``--output FILE`` writes it atomically).

Every metric has HELP and TYPE; every series has a ``pbx`` label (the profile
name, or the host), so one file may hold a whole fleet. The run itself:

``asterisk_up{pbx,query}``                 1 when the PBX answered, 0 when it did not (the file
                                           is written all the same)
``amijson_error{pbx,query,code}``          1, only when it did not: ``code`` is ``error.code``
``amijson_warnings{pbx,query}``            how many warnings the run had (``--format json`` shows them)
``amijson_records{pbx,query}``             records of a list query
``amijson_run_duration_seconds{pbx,query}`` the whole run (no ``pbx`` for a fleet: one run asks all)

The ``query`` label on these lets one folder hold a file per query. ``status``
gives ``asterisk_info{version}``, ``asterisk_uptime_seconds``,
``asterisk_reload_seconds``, ``asterisk_channels``, ``asterisk_calls``,
``asterisk_calls_processed_total``, ``asterisk_endpoints`` (``_available``,
``_unavailable``), ``asterisk_contacts_unreachable``, ``asterisk_queues``,
``asterisk_queues_callers``, ``asterisk_queues_longest_wait_seconds``, and
``asterisk_sip_peers`` and ``asterisk_iax2_peers`` (each with ``_monitored``,
``_unmonitored``, ``_online``, ``_offline``).
Labelled series: ``endpoints`` gives ``asterisk_endpoint_state{endpoint,state}``
(1, the current state) and ``asterisk_endpoint_channels{endpoint}``; ``peers``
gives ``asterisk_sip_peer_status{peer,status}`` (1; the status without its
``(N ms)``) and ``asterisk_sip_peer_latency_seconds{peer}``;
``contacts`` gives ``asterisk_contact_status{aor,uri,status}`` and
``asterisk_contact_rtt_seconds{aor,uri}``; ``queues`` gives, per ``queue``,
``asterisk_queue_callers``, ``_longest_wait_seconds``, ``_members``,
``_members_paused``, ``_completed_total``, ``_abandoned_total``,
``_holdtime_seconds``, ``_talktime_seconds`` and ``_service_level_ratio``. The
other one-record queries give ``asterisk_QUERY_FIELD`` per numeric field
(``_seconds``, ``_total`` where it is one) and ``asterisk_QUERY_info`` for their
text fields. A value Asterisk did not give (null) is left out, never written as 0.
"""

from amijson.formats import COUNTERS, ONE_RECORD, SECONDS, TEXT_FIELDS

GAUGE, COUNTER = "gauge", "counter"

STATUS = (  # field, metric, type, help
    ("uptime_seconds", "asterisk_uptime_seconds", GAUGE, "Seconds since Asterisk started."),
    ("reload_seconds", "asterisk_reload_seconds", GAUGE, "Seconds since Asterisk last reloaded its configuration."),
    ("channels", "asterisk_channels", GAUGE, "Active channels."),
    ("calls", "asterisk_calls", GAUGE, "Active calls."),
    ("calls_processed", "asterisk_calls_processed_total", COUNTER, "Calls processed since Asterisk started."),
    ("endpoints", "asterisk_endpoints", GAUGE, "PJSIP endpoints configured."),
    ("endpoints_available", "asterisk_endpoints_available", GAUGE, "PJSIP endpoints not Unavailable."),
    ("endpoints_unavailable", "asterisk_endpoints_unavailable", GAUGE, "PJSIP endpoints Unavailable."),
    ("contacts_unreachable", "asterisk_contacts_unreachable", GAUGE, "PJSIP contacts Unreachable."),
    ("queues", "asterisk_queues", GAUGE, "Queues configured."),
    ("queue_callers", "asterisk_queues_callers", GAUGE, "Callers waiting in any queue."),
    ("longest_wait_seconds", "asterisk_queues_longest_wait_seconds", GAUGE,
     "Seconds the longest-waiting caller in any queue has waited (0 when none waits)."),
) + tuple(
    (prefix + suffix, "asterisk_" + prefix + suffix, GAUGE, help_text % driver)
    for prefix, driver in (("sip_peers", "chan_sip"), ("iax2_peers", "chan_iax2"))
    for suffix, help_text in (
        ("", "%s peers configured."),
        ("_monitored", "%s peers qualified (qualify=yes)."),
        ("_unmonitored", "%s peers not qualified (qualify=no)."),
        ("_online", "Qualified %s peers that answer (OK or LAGGED)."),
        ("_offline", "Qualified %s peers that do not answer (UNREACHABLE or UNKNOWN)."))
)

QUEUE = (  # metric, type, help, value of a queue record (None: left out)
    ("asterisk_queue_callers", GAUGE, "Callers waiting in the queue.", lambda q: len(q.get("callers") or [])),
    ("asterisk_queue_longest_wait_seconds", GAUGE, "Seconds the longest-waiting caller has waited (0 when none).",
     lambda q: max([c.get("wait") or 0 for c in q.get("callers") or []] or [0])),
    ("asterisk_queue_members", GAUGE, "Members of the queue.", lambda q: len(q.get("members") or [])),
    ("asterisk_queue_members_paused", GAUGE, "Members of the queue now paused.",
     lambda q: sum(1 for m in q.get("members") or [] if m.get("paused"))),
    ("asterisk_queue_completed_total", COUNTER, "Calls the queue completed.", lambda q: q.get("completed")),
    ("asterisk_queue_abandoned_total", COUNTER, "Calls abandoned in the queue.", lambda q: q.get("abandoned")),
    ("asterisk_queue_holdtime_seconds", GAUGE, "Average hold time of the queue's calls.", lambda q: q.get("holdtime")),
    ("asterisk_queue_talktime_seconds", GAUGE, "Average talk time of the queue's calls.", lambda q: q.get("talktime")),
    ("asterisk_queue_service_level_ratio", GAUGE, "Calls answered within the queue's service level, as a ratio.",
     lambda q: None if q.get("service_level_perf") is None else q["service_level_perf"] / 100.0),
)


class Exposition:
    """Metric families in the order first added, each with its samples (a label set once)."""

    def __init__(self):
        self.families = {}

    def add(self, name, kind, help_text, labels, value):
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        family = self.families.setdefault(name, (kind, help_text, {}))
        key = tuple(labels.items())
        family[2].setdefault(key, value)

    def text(self):
        lines = []
        for name, (kind, help_text, samples) in self.families.items():
            lines.append("# HELP %s %s" % (name, help_text.replace("\\", "\\\\").replace("\n", "\\n")))
            lines.append("# TYPE %s %s" % (name, kind))
            for labels, value in samples.items():
                shown = ",".join('%s="%s"' % (key, _label_value(item)) for key, item in labels)
                lines.append("%s{%s} %s" % (name, shown, _number(value)) if shown else "%s %s" % (name, _number(value)))
        return "\n".join(lines) + "\n" if lines else ""


def _label_value(value):
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value):
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN never comes from a record; say so plainly if it does
        return "NaN"
    return repr(float(value))


def render(answers, query, duration, fleet, failure=None):
    """The exposition text for ``answers`` (``amijson.formats.Result``)."""
    out = Exposition()
    query = query or ""  # no query named (a usage error): the label is empty
    if not answers:  # the run ended before any PBX was asked (a usage or config error)
        error = failure or {"code": "internal"}
        out.add("amijson_error", GAUGE, _ERROR_HELP, {"query": query, "code": error["code"]}, 1)
    for answer in answers:
        run = {"pbx": answer.pbx, "query": query}
        out.add("asterisk_up", GAUGE, "1 when the PBX answered amijson's query, 0 when it did not.", run,
                0 if answer.error is not None else 1)
        if answer.error is not None:
            out.add("amijson_error", GAUGE, _ERROR_HELP, dict(run, code=answer.error.get("code")), 1)
        out.add("amijson_warnings", GAUGE, "Warnings in amijson's answer (--format json shows them).", run,
                len(answer.warnings))
        if answer.error is None and query not in ONE_RECORD:
            out.add("amijson_records", GAUGE, "Records of a list query.", run, len(answer.records))
    for answer in answers:
        if answer.error is None:
            _records(out, answer, query)
    labels = {"query": query} if fleet or not answers else {"pbx": answers[0].pbx, "query": query}
    out.add("amijson_run_duration_seconds", GAUGE, "Seconds the amijson run took (every PBX of a fleet run).",
            labels, round(duration, 6))
    return out.text()


_ERROR_HELP = "1 when the query failed; code is amijson's error.code (connect, auth, timeout...)."


def _records(out, answer, query):
    pbx = {"pbx": answer.pbx}
    if query == "status":
        for record in answer.records[:1]:
            if record.get("version") is not None:
                out.add("asterisk_info", GAUGE, "Asterisk's version, as a label.", dict(pbx, version=record["version"]), 1)
            for field, name, kind, help_text in STATUS:
                out.add(name, kind, help_text, pbx, record.get(field))
    elif query in ONE_RECORD:
        for record in answer.records[:1]:
            _fields(out, pbx, query, record)
    elif query == "endpoints":
        for record in answer.records:
            endpoint = dict(pbx, endpoint=record.get("endpoint"))
            out.add("asterisk_endpoint_state", GAUGE, "1 for the endpoint's current device state.",
                    dict(endpoint, state=record.get("state")), 1)
            out.add("asterisk_endpoint_channels", GAUGE, "Active channels of the endpoint.", endpoint,
                    record.get("channels"))
    elif query == "contacts":
        for record in answer.records:
            contact = dict(pbx, aor=record.get("aor"), uri=record.get("uri"))
            out.add("asterisk_contact_status", GAUGE, "1 for the contact's current status.",
                    dict(contact, status=record.get("status")), 1)
            rtt = record.get("rtt_ms")
            out.add("asterisk_contact_rtt_seconds", GAUGE, "Round-trip time of the contact's last qualify.", contact,
                    None if not isinstance(rtt, (int, float)) else rtt / 1000.0)
    elif query == "peers":
        for record in answer.records:
            peer = dict(pbx, peer=record.get("name"))
            status = record.get("status")
            out.add("asterisk_sip_peer_status", GAUGE, "1 for the chan_sip peer's current status "
                    "(OK, LAGGED, UNREACHABLE, UNKNOWN, Unmonitored; no latency in the label).",
                    dict(peer, status=None if status is None else status.split(" (", 1)[0]), 1)
            latency = record.get("latency_ms")
            out.add("asterisk_sip_peer_latency_seconds", GAUGE, "The chan_sip peer's last qualify round trip.", peer,
                    None if not isinstance(latency, int) else latency / 1000.0)
    elif query == "queues":
        for record in answer.records:
            queue = dict(pbx, queue=record.get("queue"))
            for name, kind, help_text, value in QUEUE:
                out.add(name, kind, help_text, queue, value(record))


def _fields(out, pbx, query, record):
    """A one-record query without a mapping of its own: each numeric field, and the text ones as info."""
    texts = {}
    for field, value in record.items():
        if field in TEXT_FIELDS or isinstance(value, str):
            texts[field] = value
            continue
        name = "asterisk_%s_%s" % (query, field)
        kind = GAUGE
        if field in SECONDS and not name.endswith("_seconds"):
            name += "_seconds"
        if field in COUNTERS:
            name, kind = name + "_total", COUNTER
        out.add(name, kind, "The %s field %s." % (query, field), pbx, value)
    if texts:
        out.add("asterisk_%s_info" % query, GAUGE, "The %s record's text fields, as labels." % query,
                dict(pbx, **{field: value for field, value in texts.items()
                             if value is not None and field.isidentifier()}), 1)
