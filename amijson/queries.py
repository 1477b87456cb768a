"""Named queries: the common questions, the same records on every route.

    amijson channels | calls | uptime | version | endpoints | contacts | queues
            | peers | db [FAMILY] | modules [KEYWORD] | bridges

Each query is defined once, in ``QUERIES``: the AMI action that answers it best
(or ``None`` where no action does, and the CLI command runs over AMI's Command
action instead), the CLI command that answers it otherwise, and a function per
source turning that source's records into the query's one schema. Whatever route
answers, records have the same keys; a field the route cannot know is ``null``.
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
contacts: the CLI command on every route (PJSIPShowContacts omits static contacts)
calls, uptime, modules, peers: the CLI parser's record (same command on every route)
"""

from amijson.errors import AmijsonError
from amijson.request import Request

PLACEHOLDERS = frozenset(("", "<unknown>", "(None)", "(none)", "<none>"))
# ast_devstate2str() wording, indexed by the numeric state AMI sends.
DEVICE_STATES = ("Unknown", "Not in use", "In use", "Busy", "Invalid", "Unavailable",
                 "Ringing", "Ring+Inuse", "On Hold")


def text(value):
    """A string value, or None for Asterisk's placeholders and empty strings."""
    if value is None or value in PLACEHOLDERS:
        return None
    stripped = value.strip()
    return None if stripped in PLACEHOLDERS else stripped


_PLACEHOLDER_TO_NONE = dict.fromkeys(PLACEHOLDERS).get


def _all_str(column):
    try:
        "".join(column)
    except TypeError:
        return False
    return True


def _texts(column):
    try:
        joined = "|".join(column)
    except TypeError:  # not all strings
        return list(map(text, column))
    if (joined.count("|") == len(column) - 1 and joined.isascii() and joined.isprintable()
            and " |" not in joined and "| " not in joined and joined[:1] != " " and joined[-1:] != " "):
        # Printable ASCII, each value between two "|": none has a space at an end
        # to strip, and a placeholder would show as one of these.
        if "||" not in joined and joined[:1] != "|" and joined[-1:] != "|" and column[0] \
                and not any(placeholder in joined for placeholder in PLACEHOLDERS if placeholder):
            return list(column)
        return list(map(_PLACEHOLDER_TO_NONE, column, column))
    stripped = list(map(str.strip, column))
    return list(map(_PLACEHOLDER_TO_NONE, stripped, stripped))


text.column = _texts


def integer(value):
    """An AMI count to an int; None when it is not an optionally negative run of
    ASCII digits: int() alone takes "+5", "1_0" and other scripts' digits ("٣").
    The CLI parsers' int_or_none reads the same; it is not imported here, so a
    query over AMI does not load the parsers package."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip(" \t\n\r\x0b\x0c")  # ASCII whitespace: strip() also takes NBSP
    digits = text[1:] if text[:1] == "-" else text
    return int(text) if digits.isascii() and digits.isdecimal() else None


def _integers(column):
    from amijson.table import decimals  # column forms run only where tables are
    kinds = set(map(type, column))
    if kinds <= {int, type(None)} and bool not in kinds:
        return list(column)
    if kinds == {str} and decimals(column):  # int() of each is then what integer() gives
        return list(map(int, column))
    return list(map(integer, column))


integer.column = _integers


def hms(value):
    """AMI's HH:MM:SS durations to seconds (ints pass through)."""
    if value is None or isinstance(value, int):
        return value
    # the parsers package loads only where output is parsed (after asterisk -rx starts)
    from amijson.parsers.columns import hms_to_seconds
    return hms_to_seconds(str(value))


def _hms_column(column):
    from amijson.table import decimals
    if _all_str(column):
        parts = ":".join(column).split(":")
        if len(parts) == 3 * len(column) and decimals(parts):  # all HH:MM:SS
            numbers = list(map(int, parts))
            return [h * 3600 + m * 60 + s for h, m, s in zip(numbers[0::3], numbers[1::3], numbers[2::3])]
    return list(map(hms, column))


hms.column = _hms_column


def listing(value, strip_prefix=False):
    """A comma list (``101,102,``) to a list; ``aor/uri`` items to the uri."""
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if strip_prefix:
        items = [v.split("/", 1)[1] if "/" in v and not v.startswith("sip") else v for v in items]
    return items


class FieldMap:
    """A record mapping declared as data: ``(key, convert, source)`` per output
    field, the value being ``convert(record.get(source))``, or null where
    ``source`` is None. Called on one record, or ``table()`` on a whole
    ``Table`` at once (each converter's ``.column`` form, where it has one)."""

    def __init__(self, *fields):
        self.fields = fields
        self.sources = [source for _key, _convert, source in fields if source is not None]

    def __call__(self, record):
        return {key: None if source is None else convert(record.get(source))
                for key, convert, source in self.fields}

    def table(self, table):
        from amijson.table import Table, convert_column
        return Table([key for key, _convert, _source in self.fields],
                     [[None] * table.count if source is None else convert_column(convert, table.column(source))
                      for _key, convert, source in self.fields])


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
    from amijson.jsonout import expand_items
    from amijson.parsers.columns import float_or_none  # the CLI parser's reading of the same field
    for e in expand_items(events):  # runs of events opened into dicts
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
                "caller_id_num": text(e.get("CallerIDNum")),
                "caller_id_name": text(e.get("CallerIDName")),
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


def version_from_reply(reply):
    return [{"version": text(reply.get("AsteriskVersion")), "ami_version": text(reply.get("AMIversion")),
             "built_by": None, "build_host": None, "machine": None, "os": None, "build_date": None}]


def version_from_cli(r):
    out = {key: r.get(key) for key in ("version", "built_by", "build_host", "machine", "os", "build_date")}
    out["ami_version"] = None
    return out


def same(record):
    return record


class Query:
    """One named question. ``action`` (name, filter header) answers it over AMI
    with ``from_events``; otherwise ``command`` runs over AMI's Command action or
    rx, and its parser's records go through ``from_cli``."""

    def __init__(self, command, from_cli, action=None, from_events=None, filter_header=None,
                 empty_errors=(), from_reply=None):
        self.command = command
        self.from_cli = from_cli
        self.action = action
        self.from_events = from_events
        self.from_reply = from_reply
        self.filter_header = filter_header
        self.empty_errors = empty_errors  # AMI errors that mean "an empty list"


def _per_record(mapper):
    return lambda records: map_records(mapper, records)


def map_records(mapper, records):
    """``mapper`` over records: dicts one by one; a Table, or JsonItems that
    can give one, a column at a time when ``mapper`` is a FieldMap."""
    from amijson.jsonout import JsonItems
    from amijson.table import Table
    if type(records) is Table:
        if type(mapper) is FieldMap:
            return [mapper.table(records).items()]
        return list(map(mapper, records.dicts()))
    out = []
    for record in records:
        if type(record) is JsonItems:
            if record.table is not None and type(mapper) is FieldMap:
                out.append(mapper.table(record.table(mapper.sources)).items())
            else:
                out.extend(map(mapper, record.expand()))
        else:
            out.append(mapper(record))
    return out


QUERIES = {
    "channels": Query("core show channels concise", channel_from_concise,
                      "CoreShowChannels", _per_record(channel_from_event)),
    "calls": Query("core show calls", same),
    "uptime": Query("core show uptime seconds", same),
    "version": Query("core show version", version_from_cli, "CoreSettings", from_reply=version_from_reply),
    "endpoints": Query("pjsip show endpoints", endpoint_from_cli, "PJSIPShowEndpoints",
                       _per_record(endpoint_from_event), empty_errors=("No endpoints found",)),
    # PJSIPShowContacts lists only registered (dynamic) contacts; the CLI lists static
    # ones too, so the CLI command answers on every route.
    "contacts": Query("pjsip show contacts", contact_from_cli),
    "queues": Query("queue show", queue_from_cli, "QueueStatus", queues_from_events, filter_header="Queue"),
    "peers": Query("sip show peers", same),
    "db": Query("database show", db_from_cli, "DBGetTree", _per_record(db_from_event), filter_header="Family",
                empty_errors=("Database entry not found",)),
    "modules": Query("module show like", same),
    "bridges": Query("bridge show all", bridge_from_cli, "BridgeList", _per_record(bridge_from_event)),
}


def _cli_command(query, argument):
    if query.command == "module show like":
        return "module show like %s" % argument if argument else "module show"
    return "%s %s" % (query.command, argument) if argument else query.command


def request_for(name, args, route):
    """The Request for a named query on a route (``ami`` or ``rx``)."""
    query = QUERIES[name]
    if len(args) > 1:
        raise AmijsonError("usage", "%s takes at most one filter argument" % name)
    argument = args[0] if args else None
    if argument is not None and query.filter_header is None and query.command not in (
            "module show like", "queue show", "database show"):
        raise AmijsonError("usage", "%s takes no filter" % name)
    if route == "ami" and query.action:
        headers = [(query.filter_header, argument)] if argument and query.filter_header else []
        return Request(query.action, headers)
    return Request.cli(_cli_command(query, argument))


def output_parse(name, request):
    """A parsers.OutputParse for the query's CLI command, mapping each piece
    (or None where its records cannot be made piece by piece)."""
    query = QUERIES[name]
    if request.command is None or not (type(query.from_cli) is FieldMap or query.from_cli is same):
        return None
    from amijson.parsers import OutputParse
    return OutputParse.for_command(request.command, query.from_cli if query.from_cli is not same else None)


def shape(name, request, answer, parsed=None):
    """Turn the answer's raw records (events, or the CLI output) into the
    query's records; ``parsed``: (parser name, records) already made while
    the output arrived."""
    query = QUERIES[name]
    if parsed is not None and request.command is not None and answer.output is not None:
        answer.parser, answer.records = parsed
        return
    if request.command is None:
        if query.from_reply is not None:
            answer.records = query.from_reply(answer.response or {})
        else:
            answer.records = query.from_events(answer.records)
        return
    from amijson import parsers
    parser_name, records = parsers.parse(request.command, "\n".join(answer.output or []), answer.warnings,
                                         table=True)
    answer.parser = parser_name
    answer.records = map_records(query.from_cli, records)


def is_empty_answer(name, error_message):
    return error_message in QUERIES[name].empty_errors
