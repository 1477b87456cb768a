"""The one JSON document amijson prints, for success and for every failure.

Routes never write it: each returns an ``amijson.answer.Answer``, and the
runner alone takes that into the document (``Document.take``).

Top-level keys (schema: ``amijson/document.schema.json``):

``ok``        true when the action or command succeeded
``route``     how Asterisk was reached: ``ami``, ``ami+tls``, ``http``, ``http+tls`` or ``rx``
``server``    ``{host, port, banner, ami_version}`` over AMI; ``{socket, executable, banner,
              version}`` through rx (the control socket, or the executable run instead);
              null where not reached
``request``   ``{action, headers, command}``, secrets and keys redacted (a query made of
              parts, ``status``: action and command null, each request in ``parts``)
``response``  the reply's headers, or null
``records``   list items in order (``[]`` when none)
``complete``  the list's closing event, or null
``parser``    the CLI parser that made ``records`` from a command's output, or null
``output``    a CLI command's output lines, or null
``outcome``   what came of an action whose result Asterisk tells later, in an event
              (Originate with Async, AGI: ``amijson.deferred``): ``{awaited, result, event}``;
              null for any other request
``warnings``  strings: what the caller should know but did not fail the run
``error``     null, or ``{code, message}``
``events``    the events verb's summary (how it ended, the counts, the filters), else null

Values stay strings as Asterisk sent them. A key sent more than once becomes an
array; keys known to repeat (``Output``, ``Variable``, ``ChanVariable`` and its
prefixed forms) are arrays even with one value, so their type never flips.
"""

from amijson.records import Records

REDACTED = "********"  # what stands for a secret, in the document and in --debug
# Keys whose value is a credential in any action. Login's MD5 ``Key`` never
# appears in a request (amijson logs in itself); DBGet's ``Key`` is data.
SECRET_KEYS = frozenset(("secret",))


def always_list(lower_key):
    return (lower_key in ("output", "variable")
            or lower_key.endswith("chanvariable")
            or lower_key.startswith("chanvariable("))


def message_to_json(message, skip=()):
    """A message's headers as a JSON object (see the module docstring)."""
    if not skip and not message.repeats and not _needs_lists(tuple(message.fields)):
        return message.fields  # the common case: every key once, none that must be a list
    out = {}
    names = {}  # lowercase key -> the spelling first seen
    for key, value in message.pairs:
        lower = key.lower()
        if lower in skip:
            continue
        name = names.get(lower)
        if name is None:
            names[lower] = key
            out[key] = [value] if always_list(lower) else value
        else:
            current = out[name]
            if isinstance(current, list):
                current.append(value)
            else:
                out[name] = [current, value]
    return out


_LIST_KEYS_SEEN = {}  # key sequence -> whether it holds a key that is always a list


def _needs_lists(names):
    found = _LIST_KEYS_SEEN.get(names)
    if found is None:
        found = _LIST_KEYS_SEEN[names] = any(always_list(name.lower()) for name in names)
    return found


class EventBlock:
    """A run of AMI list events (``wire.MessageRun``) as a block of records (see
    ``amijson.records``): a long list's items arrive as runs, and when each
    message is a plain object here (``plain_run``), the run's JSON text, made
    while it was read, stands for them; dicts are made only if someone asks."""

    __slots__ = ("run", "count", "_mapped")

    def __init__(self, run):
        self.run = run
        self.count = run.count
        self._mapped = None  # (mapper, its Table of this block), made once

    def mapped(self, mapper):
        if self._mapped is None or self._mapped[0] is not mapper:
            self._mapped = (mapper, mapper.table(self.table(mapper.sources)))
        return self._mapped[1]

    def dicts(self):
        return [message_to_json(m) for m in self.run.messages()]

    def items(self):
        from amijson.jsonout import JsonItems  # only long lists come as runs
        return JsonItems(self.run.json, self.count, self.dicts)

    def table(self, keys):
        return run_table(self.run, keys)


def plain_run(run):
    """True when no key of the run's messages must be a list in JSON: its text
    is then what ``message_to_json`` would write for each."""
    return not _needs_lists(tuple(run.template.fields))


def run_table(run, keys):
    """The columns ``keys`` of a run's messages, as a Table (values as strings;
    a key the run does not have is all None)."""
    from amijson.table import Table
    return Table(keys, run.columns(keys))


# How a warning names a value decoded with the fallback encoding: "WHERE" FELL_BACK "ENCODING".
# The rx route writes it too, and --format text reads it back (formats/text.py: as_sent).
FELL_BACK = ": bytes not valid UTF-8, decoded as "


def fallback_warnings(message, where, encoding):
    return ["%s.%s%s%s" % (where, key, FELL_BACK, encoding) for key in dict.fromkeys(message.fell_back)]


def _shown_headers(headers):
    shown = {}
    for key, value in headers:
        value = REDACTED if key.lower() in SECRET_KEYS else value
        if key in shown:
            previous = shown[key]
            shown[key] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            shown[key] = value
    return shown


class Document:
    """Collects the document while a run goes on, so a failure still reports
    what was known (server, request, the reply) when it happened."""

    def __init__(self):
        self.route = None
        self.server = None
        self.request = None
        self.response = None
        self.records = Records()
        self.complete = None
        self.output = None
        self.output_items = None  # document.output already as JSON (JsonItems), when made as it came
        self.parser = None
        self.outcome = None
        self.warnings = []
        self.error = None
        self.events = None  # the events verb's summary (amijson.events)

    def set_request(self, action, headers, command=None):
        self.request = {"action": action, "headers": _shown_headers(headers), "command": command}

    def set_requests(self, requests):
        """Several requests of one run (a query made of parts): no one action or command,
        each request in ``parts``."""
        self.request = {"action": None, "headers": {}, "command": None,
                        "parts": [{"action": request.action, "headers": _shown_headers(request.headers),
                                   "command": request.command} for request in requests]}

    def take(self, answer):
        """The fields an ``amijson.answer.Answer`` brings, from the route that answered."""
        self.route = answer.route
        self.server = answer.server
        self.response = answer.response
        self.records = answer.records
        self.complete = answer.complete
        self.output = answer.output
        self.parser = answer.parser
        self.outcome = answer.outcome
        self.warnings.extend(answer.warnings)

    def fail(self, code, message):
        self.error = {"code": code, "message": message}

    def to_dict(self):
        return {
            "ok": self.error is None,
            "route": self.route,
            "server": self.server,
            "request": self.request,
            "response": self.response,
            "records": self.records.json_list(),
            "complete": self.complete,
            "output": self.output_items if self.output_items is not None else self.output,
            "parser": self.parser,
            "outcome": self.outcome,
            "warnings": self.warnings,
            "error": self.error,
            "events": self.events,
        }
