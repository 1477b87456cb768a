"""Named queries: the common questions, the same records on every route.

    amijson channels | calls | uptime | version | endpoints [PATTERN] | contacts
            | queues [QUEUE] | peers [PATTERN] | db [FAMILY] | modules [KEYWORD]
            | bridges | status

Each query is one ``Query`` entry in ``QUERIES``, declared as data: the AMI
action that answers it best (or ``None`` where no action does, and the CLI
command runs over AMI's Command action instead), the CLI command that answers it
otherwise, its filter (a header of the action, a word of the command), and a
mapping per source turning that source's records into the query's one schema.
A new query is one entry; the usage text lists it from there. Whatever route
answers, records have the same keys; a field the route cannot know is ``null``.
A list whose records need one more action per item is a ``Detailed`` entry
(``endpoints``, ``contacts``). A query answered by several requests (``status``) is a ``Combined`` entry: its
parts are Queries of their own, run in one session (one login, the actions sent
together; through rx one ``asterisk -rx`` each, all at once), and a function
combines their records into the query's one record.
Values are normalised: durations in seconds, counts as integers, Asterisk's
``<unknown>``/``(None)`` placeholders and empty strings as ``null``, device
states as the words the CLI prints (``Not in use``, ``Unavailable``...).

Record schemas (every key always present):

channels   channel, uniqueid, linkedid, context, extension, priority, state,
           application, application_data, caller_id_num, caller_id_name,
           connected_line_num, connected_line_name, account_code, duration, bridge_id
queues     queue, strategy, calls, max_calls, holdtime, talktime, completed,
           abandoned, service_level, service_level_perf, weight,
           members [{name, interface, state_interface, status, paused, dynamic,
           penalty, calls_taken}], callers [{position, channel, wait, priority,
           caller_id_num, caller_id_name}]
endpoints  endpoint, state, channels, caller_id, aors, contacts
contacts   aor, uri, status, rtt_ms
db         key, family, name, value
bridges    bridge_id, name, channels, type, technology, duration
version    version, ami_version, built_by, build_host, machine, os, build_date
peers      the sip show peers parser's record: name, username, host, dynamic,
           force_rport, comedia, acl, port, status, latency_ms, description, realtime
           (SIPpeers over AMI: the whole name; username null, the event lacks it)
status     version, uptime_seconds, reload_seconds, channels, calls, calls_processed,
           endpoints, endpoints_available, endpoints_unavailable, contacts_unreachable,
           queues, queue_callers, longest_wait_seconds, sip_peers and iax2_peers (each
           with _monitored, _unmonitored, _online, _offline) (one record: amijson.status)
An AMI action answers where one gives the record (its values whole, where a CLI
table cuts them at a column's width); the CLI command where it must:
endpoints, contacts: PJSIPShowEndpoints, then PJSIPShowEndpoint for each endpoint, in one
session (a ``Detailed`` entry, amijson/detailed.py: only that action has the caller ID and the
static contacts' states; PJSIPShowContacts omits static contacts)
calls, uptime, modules: the CLI parser's record (no action gives it; none lists modules)
queues and endpoints come in name order on every route
endpoints PATTERN, peers PATTERN: the records whose name matches (``*``, ``?``:
fields.glob_match), matched here on every route, never sent to Asterisk
"""

from amijson import pjsip
from amijson.detailed import Detailed
from amijson.errors import AmijsonError
from amijson.fields import DEVICE_STATES, FieldMap, caller_id, glob_match, hms, integer, listing, text  # noqa: F401
from amijson.records import Records
from amijson.request import Request
from amijson.status import (peer_summary_from_cli, peer_summary_from_event, queue_summary_from_cli,  # noqa: F401
                            queue_summary_from_event, status_record)

# --- channels ------------------------------------------------------------------

channel_from_event = FieldMap(
    ("channel", text, "Channel"),
    ("uniqueid", text, "Uniqueid"),
    ("linkedid", text, "Linkedid"),
    ("context", text, "Context"),
    ("extension", text, "Exten"),
    ("priority", integer, "Priority"),
    ("state", text, "ChannelStateDesc"),
    ("application", text, "Application"),
    ("application_data", text, "ApplicationData"),
    ("caller_id_num", text, "CallerIDNum"),
    ("caller_id_name", text, "CallerIDName"),
    ("connected_line_num", text, "ConnectedLineNum"),
    ("connected_line_name", text, "ConnectedLineName"),
    ("account_code", text, "AccountCode"),
    ("duration", hms, "Duration"),
    ("bridge_id", text, "BridgeId"),
)

channel_from_concise = FieldMap(
    ("channel", text, "channel"),
    ("uniqueid", text, "uniqueid"),
    ("linkedid", None, None),
    ("context", text, "context"),
    ("extension", text, "extension"),
    ("priority", integer, "priority"),
    ("state", text, "state"),
    ("application", text, "application"),
    ("application_data", text, "data"),
    ("caller_id_num", text, "caller_id_num"),
    ("caller_id_name", None, None),
    ("connected_line_num", None, None),
    ("connected_line_name", None, None),
    ("account_code", text, "account_code"),
    ("duration", integer, "duration"),
    ("bridge_id", text, "bridge_id"),
)


# --- queues --------------------------------------------------------------------

def queues_from_events(events):
    queues = {}
    order = []
    from amijson.parsers.columns import float_or_none  # the CLI parser's reading of the same field
    for e in events:
        kind = e.get("Event")
        name = e.get("Queue")
        if kind == "QueueParams":
            maximum = integer(e.get("Max"))
            queues[name] = {
                "queue": name,
                "strategy": text(e.get("Strategy")),
                "calls": integer(e.get("Calls")),
                "max_calls": maximum or None,  # 0 means unlimited
                "holdtime": integer(e.get("Holdtime")),
                "talktime": integer(e.get("TalkTime")),
                "completed": integer(e.get("Completed")),
                "abandoned": integer(e.get("Abandoned")),
                "service_level": integer(e.get("ServiceLevel")),
                "service_level_perf": float_or_none(e.get("ServicelevelPerf")),
                "weight": integer(e.get("Weight")),
                "members": [],
                "callers": [],
            }
            order.append(name)
        elif kind == "QueueMember" and name in queues:
            status = integer(e.get("Status"))
            queues[name]["members"].append({
                "name": text(e.get("Name")),
                "interface": text(e.get("Location")),
                "state_interface": text(e.get("StateInterface")),
                "status": DEVICE_STATES[status] if status is not None and 0 <= status < len(DEVICE_STATES) else None,
                "paused": e.get("Paused") == "1",
                "dynamic": (e.get("Membership") or "").lower() == "dynamic",
                "penalty": integer(e.get("Penalty")),
                "calls_taken": integer(e.get("CallsTaken")),
            })
        elif kind == "QueueEntry" and name in queues:
            queues[name]["callers"].append({
                "position": integer(e.get("Position")),
                "channel": text(e.get("Channel")),
                "wait": integer(e.get("Wait")),
                "priority": integer(e.get("Priority")),
                "caller_id_num": caller_id(e.get("CallerIDNum")),
                "caller_id_name": caller_id(e.get("CallerIDName")),
            })
    return [queues[name] for name in order]


def queue_from_cli(r):
    return {
        "queue": r.get("queue"),
        "strategy": text(r.get("strategy")),
        "calls": integer(r.get("calls")),
        "max_calls": r.get("max_calls") or None,
        "holdtime": integer(r.get("holdtime")),
        "talktime": integer(r.get("talktime")),
        "completed": integer(r.get("completed")),
        "abandoned": integer(r.get("abandoned")),
        "service_level": integer(r.get("service_level")),
        "service_level_perf": r.get("service_level_perf"),
        "weight": integer(r.get("weight")),
        "members": [{
            "name": text(m.get("name")),
            "interface": text(m.get("interface")),
            "state_interface": text(m.get("state_interface")) or text(m.get("interface")),
            "status": text(m.get("status")),
            "paused": bool(m.get("paused")),
            "dynamic": bool(m.get("dynamic")),
            "penalty": m.get("penalty") or 0,
            "calls_taken": integer(m.get("calls_taken")),
        } for m in r.get("members") or []],
        "callers": [{
            "position": integer(c.get("position")),
            "channel": text(c.get("channel")),
            "wait": integer(c.get("wait")),
            "priority": integer(c.get("priority")),
            "caller_id_num": None,
            "caller_id_name": None,
        } for c in r.get("callers") or []],
    }


# --- endpoints, contacts, db, bridges, version -----------------------------------

def endpoint_from_event(e):
    return {
        "endpoint": text(e.get("ObjectName")),
        "state": text(e.get("DeviceState")),
        "channels": integer(e.get("ActiveChannels")),
        "caller_id": None,
        "aors": listing(e.get("Aor")),
        "contacts": listing(e.get("Contacts"), strip_prefix=True),
    }


def endpoint_from_cli(r):
    return {
        "endpoint": text(r.get("endpoint")),
        "state": text(r.get("state")),
        "channels": integer(r.get("channels")),
        "caller_id": text(r.get("caller_id")),
        "aors": [a.get("aor") if isinstance(a, dict) else a for a in r.get("aors") or []],
        "contacts": [c.get("uri") if isinstance(c, dict) else c for c in r.get("contacts") or []],
    }


def contact_from_cli(r):
    return {"aor": text(r.get("aor")), "uri": text(r.get("uri")), "status": text(r.get("status")),
            "rtt_ms": r.get("rtt_ms")}


def db_from_event(e):
    key = e.get("Key") or ""
    family, _, name = key.strip("/").rpartition("/")
    return {"key": key, "family": family or None, "name": name, "value": e.get("Val")}


def db_from_cli(r):
    return {"key": r.get("key"), "family": r.get("family"), "name": r.get("name"), "value": r.get("value")}


def bridge_from_event(e):
    return {
        "bridge_id": text(e.get("BridgeUniqueid")),
        "name": text(e.get("BridgeName")),
        "channels": integer(e.get("BridgeNumChannels")),
        "type": text(e.get("BridgeType")),
        "technology": text(e.get("BridgeTechnology")),
        "duration": None,
    }


def bridge_from_cli(r):
    return {key: r.get(key) for key in ("bridge_id", "name", "channels", "type", "technology", "duration")}


def _yes(value):
    return (value or "").strip().lower() == "yes"


def _auto_string(auto, on):
    """chan_sip's force_rport_string/comedia_string: ``Auto (Yes)``... ``No``."""
    word = "Yes" if _yes(on) else "No"
    return "Auto (%s)" % word if _yes(auto) else word


def sip_peer_from_event(e):
    """A SIPpeers PeerEntry as the ``sip show peers`` parser's record (its
    ``username`` is not in the event: null), with the whole name and description."""
    status = text(e.get("Status"))
    host = text(e.get("IPaddress"))
    port = integer(e.get("IPport"))
    from amijson.parsers.columns import peer_latency  # the parser's reading of the same status
    return {
        "name": text(e.get("ObjectName")),
        "username": None,
        "host": None if host == "-none-" else host,
        "dynamic": _yes(e.get("Dynamic")),
        "force_rport": _auto_string(e.get("AutoForcerport"), e.get("Forcerport")),
        "comedia": _auto_string(e.get("AutoComedia"), e.get("Comedia")),
        "acl": _yes(e.get("ACL")),
        "port": port or None,
        "status": status,
        "latency_ms": peer_latency(status or ""),
        "description": text(e.get("Description")),
        "realtime": "Cached RT" if _yes(e.get("RealtimeDevice")) else None,
    }


def version_from_reply(reply):
    return [{"version": text(reply.get("AsteriskVersion")), "ami_version": text(reply.get("AMIversion")),
             "built_by": None, "build_host": None, "machine": None, "os": None, "build_date": None}]


def version_from_cli(r):
    out = {key: r.get(key) for key in ("version", "built_by", "build_host", "machine", "os", "build_date")}
    out["ami_version"] = None
    return out


class Query:
    """One named question, declared as data (one entry of ``QUERIES``).

    ``command``      the CLI command that answers it: on rx, and over AMI's Command
                     action where no action does
    ``filtered``     the CLI command with a filter, ``{}`` standing for it, or None
                     when the query takes no filter
    ``argument``     what the filter is, for the usage text (``QUEUE``)
    ``action``       the AMI action that answers it best, or None
    ``filter_header`` the action's header that takes the filter; None where the
                     action has none (a filtered question then runs the CLI command)
    ``from_cli``     mapping of each CLI parser record (None: the parser's records as they are)
    ``from_event``   mapping of each of the action's list events, or
    ``from_events``  a function of all of them (records that gather several events), or
    ``from_reply``   a function of the action's reply (an action that answers in one message)
    ``empty_errors`` AMI errors that mean "an empty list"
    ``missing_hint`` what to tell a caller whose Asterisk has no such CLI command
    ``order_by``     the key whose value orders the records on every route (Asterisk
                     lists some containers in hash order over AMI, sorted on the CLI),
                     or None where every route already gives Asterisk's one order
    ``fields``       every record's keys (a FieldMap's, in order, when ``from_cli`` is
                     one): what a Nagios threshold may name, checked before connecting
    ``one_record``   True where the answer is one record (a fact about the PBX), not a list
    ``name_key``     the key a PATTERN filter matches (``*`` and ``?``, see
                     ``fields.glob_match``), or None: amijson keeps the records whose
                     name matches; the pattern is never sent to Asterisk (whose ``like``
                     takes a regular expression)
    """

    def __init__(self, command, from_cli=None, action=None, from_event=None, from_events=None,
                 from_reply=None, filtered=None, argument=None, filter_header=None, empty_errors=(),
                 order_by=None, missing_hint=None, fields=None, one_record=False, name_key=None):
        self.command = command
        self.name_key = name_key
        self.fields = tuple(fields if fields is not None else
                            (key for key, _convert, _source in getattr(from_cli, "fields", ())))
        self.one_record = one_record
        self.filtered = filtered
        self.argument = argument
        self.action = action
        self.filter_header = filter_header
        self.from_cli = from_cli
        self.from_event = from_event
        self.from_events = from_events
        self.from_reply = from_reply
        self.empty_errors = empty_errors
        self.order_by = order_by
        self.missing_hint = missing_hint
        if name_key is not None:
            self.argument = "PATTERN"

    def usage(self, name):
        return "%s [%s]" % (name, self.argument) if self.argument else name

    def cli_command(self, argument=None):
        return self.command if argument is None else self.filtered.format(argument)

    def request(self, name, args, route):
        """The Request on a route (``ami`` or ``rx``) for the operands ``args``."""
        if len(args) > 1:
            raise AmijsonError("usage", "%s takes at most one filter argument" % name)
        argument = args[0] if args else None
        if argument is not None and self.argument is None:
            raise AmijsonError("usage", "%s takes no filter" % name)
        if argument == "":
            # A web form's empty field must not widen the question to everything.
            raise AmijsonError("usage", "%s: the %s filter is empty; leave it out to ask for all"
                               % (name, self.argument))
        if self.name_key is not None and argument is not None:  # matched here, on the whole list's records
            request = self.request(name, (), route)
            request.pattern = argument
            return request
        if route == "ami" and self.action and (argument is None or self.filter_header):
            mapper = self.from_event if hasattr(self.from_event, "table") else None
            return Request(self.action, [(self.filter_header, argument)] if argument is not None else [],
                           list_mapper=mapper)
        return Request.cli(self.cli_command(argument))

    def shape(self, request, answer, parsed=None):
        """Turn the answer's raw records (events, or the CLI output) into the
        query's records; ``parsed``: (parser name, records) already made while
        the output arrived."""
        if request.command is None:
            if self.from_reply is not None:
                answer.records = Records(self.from_reply(answer.response or {}))
            elif self.from_events is not None:
                answer.records = Records(self.from_events(answer.records))
            else:
                answer.records = answer.records.map(self.from_event)
        elif parsed is not None and answer.output is not None:
            answer.parser, answer.records = parsed  # mapped piece by piece as the output came
        else:
            from amijson import parsers
            answer.parser, records = parsers.parse(request.command, "\n".join(answer.output or []),
                                                   answer.warnings)
            answer.records = records if self.from_cli is None else records.map(self.from_cli)
        if self.order_by is not None:
            key = self.order_by
            answer.records = Records(sorted(answer.records, key=lambda r: (r[key] is None, r[key] or "")))
        if getattr(request, "pattern", None) is not None:
            _keep_matching(answer, self.name_key, request.pattern)

    def output_parse(self, request):
        """A parsers.OutputParse for the CLI command, mapping each piece as it
        comes, or None where the records cannot be made piece by piece."""
        if request.command is None or not (self.from_cli is None or hasattr(self.from_cli, "table")):
            return None
        from amijson.parsers import OutputParse
        return OutputParse.for_command(request.command, self.from_cli)


def _keep_matching(answer, key, pattern):
    """Keep the records whose ``key`` matches ``pattern``; a warning about a record
    (``records[N].FIELD ...``) follows its record to its new place, or goes with it."""
    kept, where = [], {}
    for index, record in enumerate(answer.records):
        if glob_match(pattern, record[key]):
            where[index] = len(kept)
            kept.append(record)
    warnings = []
    for warning in answer.warnings:
        if warning.startswith("records[") and "]" in warning:
            number, rest = warning[len("records["):].split("]", 1)
            if number.isdecimal():
                if int(number) not in where:
                    continue
                warning = "records[%d]%s" % (where[int(number)], rest)
        warnings.append(warning)
    answer.warnings[:] = warnings
    answer.records = Records(kept)


class Combined:
    """A named question answered by several requests in one run, declared as data.

    ``parts``    (name, Query) pairs: each part asks Asterisk on its own (its AMI
                 action or CLI command, its mappings, its empty errors), as a
                 one-request query would; none takes a filter
    ``combine``  a function of {part name: that part's records (a list), or None
                 where this PBX lacks the part's source} giving the one record

    Over AMI (TCP or HTTP) the parts run in one session; through rx, one
    ``asterisk -rx`` each. A part Asterisk does not know (an unknown action or
    CLI command: its module is not loaded) is None and a warning names it; any
    other refusal of a part fails the run."""

    filtered = None
    argument = None
    empty_errors = ()
    missing_hint = None
    one_record = True

    def __init__(self, parts, combine, fields):
        self.parts = parts
        self.combine = combine
        self.fields = fields  # the one record's keys, in order

    def usage(self, name):
        return name

    def request(self, name, args, route):
        """The ``Batch`` on a route (``ami`` or ``rx``): each part's Request, in order."""
        if args:
            raise AmijsonError("usage", "%s takes no filter" % name)
        from amijson.request import Batch
        return Batch([query.request(part, (), route) for part, query in self.parts])

    def shape(self, batch, answer, parsed=None):
        """The one record, from the Answer of each part (``answer.parts``)."""
        found = {}
        for (part, query), request, piece in zip(self.parts, batch.requests, answer.parts):
            found[part] = _part_records(query, request, piece, answer)
        answer.records = Records([self.combine(found)])

    def output_parse(self, request):
        return None


def _part_records(query, request, piece, answer):
    """A part's records as a list, or None when the PBX lacks its source; its
    warnings go to ``answer``'s, named after the part's action or command."""
    what = request.command or request.action
    error = piece.error
    records = None
    if error is not None:
        if error.message in query.empty_errors:
            records = []
        elif error.message.startswith(UNKNOWN_SOURCE):
            answer.warnings.append("%s: %s (its fields are null)" % (what, error.message))
        else:
            error.message = "%s: %s" % (what, error.message)
            raise answer.failed(error)
    else:
        try:
            query.shape(request, piece)
            records = list(piece.records)
        except AmijsonError:
            raise
        except Exception as exc:  # a parser bug costs this part's fields only
            answer.warnings.append("%s: parser failed on this output (%s: %s); its fields are null"
                                   % (what, type(exc).__name__, exc))
    answer.warnings.extend("%s: %s" % (what, warning) for warning in piece.warnings)
    return records


# What Asterisk answers an action or CLI command it does not know: the module
# behind it is not loaded (app_queue, res_pjsip), on every release since 1.6.
UNKNOWN_SOURCE = ("Invalid/unknown command", "No such command")


VERSION_FIELDS = ("version", "ami_version", "built_by", "build_host", "machine", "os", "build_date")
ENDPOINT_FIELDS = ("endpoint", "state", "channels", "caller_id", "aors", "contacts")
CONTACT_FIELDS = ("aor", "uri", "status", "rtt_ms")
QUEUE_FIELDS = ("queue", "strategy", "calls", "max_calls", "holdtime", "talktime", "completed", "abandoned",
                "service_level", "service_level_perf", "weight", "members", "callers")
# The status query counts contact states: the CLI command on every route (its parts are
# single requests), whose cut names do not change a count.
CONTACTS_CLI = Query("pjsip show contacts", contact_from_cli, fields=CONTACT_FIELDS)
QUERIES = {
    "channels": Query("core show channels concise", channel_from_concise,
                      "CoreShowChannels", from_event=channel_from_event),
    "calls": Query("core show calls", fields=("active_calls", "max_calls", "calls_processed", "system_uptime"),
                   one_record=True),
    "uptime": Query("core show uptime seconds", fields=("system_uptime", "last_reload"), one_record=True),
    "version": Query("core show version", version_from_cli, "CoreSettings", from_reply=version_from_reply,
                     fields=VERSION_FIELDS, one_record=True),
    # The caller ID and static contacts' states are only in PJSIPShowEndpoint (one endpoint):
    # over AMI it is asked for each endpoint PJSIPShowEndpoints lists (amijson.detailed).
    "endpoints": Detailed(Query("pjsip show endpoints", endpoint_from_cli, order_by="endpoint",
                                fields=ENDPOINT_FIELDS, name_key="endpoint"),
                          "PJSIPShowEndpoints", "ObjectName", "PJSIPShowEndpoint", "Endpoint",
                          pjsip.endpoints_from_details, extra=pjsip.channels_when_missing,
                          empty_errors=("No endpoints found",)),
    "contacts": Detailed(CONTACTS_CLI, "PJSIPShowEndpoints", "ObjectName", "PJSIPShowEndpoint", "Endpoint",
                         pjsip.contacts_from_details, empty_errors=("No endpoints found",)),
    "queues": Query("queue show", queue_from_cli, "QueueStatus", from_events=queues_from_events,
                    filtered="queue show {}", argument="QUEUE", filter_header="Queue", order_by="queue",
                    fields=QUEUE_FIELDS),
    # SIPpeers has the whole name (the CLI cuts it at 25 characters) and the CLI's order.
    "peers": Query("sip show peers", None, "SIPpeers", from_event=sip_peer_from_event, name_key="name",
                   missing_hint="chan_sip is not loaded; it was removed in Asterisk 21. "
                   "For PJSIP endpoints ask 'endpoints' (and 'contacts')",
                   fields=("name", "username", "host", "dynamic", "force_rport", "comedia", "acl", "port",
                           "status", "latency_ms", "description", "realtime")),
    "db": Query("database show", db_from_cli, "DBGetTree", from_event=db_from_event,
                filtered="database show {}", argument="FAMILY", filter_header="Family",
                empty_errors=("Database entry not found",), fields=("key", "family", "name", "value")),
    "modules": Query("module show", filtered="module show like {}", argument="KEYWORD",
                     fields=("module", "description", "use_count", "status", "support_level")),
    "bridges": Query("bridge show all", bridge_from_cli, "BridgeList", from_event=bridge_from_event,
                     fields=("bridge_id", "name", "channels", "type", "technology", "duration")),
}
# One record for a monitoring system, from six requests in one session. uptime and
# reload come from the CLI on every route: CoreStatus' dates are local wall-clock
# time, to the second, with no zone and no "now" beside them, and the Command
# action is needed anyway (active calls and contact states have no action).
QUERIES["status"] = Combined((
    ("version", QUERIES["version"]),
    ("uptime", QUERIES["uptime"]),
    ("channels", Query("core show channels count")),
    # device states only: the action, which needs no command class (ActiveChannels unused)
    ("endpoints", Query("pjsip show endpoints", endpoint_from_cli, "PJSIPShowEndpoints",
                        from_event=endpoint_from_event, empty_errors=("No endpoints found",))),
    ("contacts", CONTACTS_CLI),
    ("queues", Query("queue show", queue_summary_from_cli, "QueueSummary", from_event=queue_summary_from_event)),
    # chan_sip (gone from 21 on) and chan_iax2: their peers' states
    ("sip_peers", Query("sip show peers", peer_summary_from_cli, "SIPpeers", from_event=peer_summary_from_event)),
    ("iax2_peers", Query("iax2 show peers", peer_summary_from_cli, "IAXpeerlist",
                         from_event=peer_summary_from_event)),
), status_record, tuple(status_record({})))

