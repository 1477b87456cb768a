"""``amijson [options] events [FILTER ...]``: AMI events, as one document or as a stream.

The run logs in with the event mask its filters need, asks Asterisk to send only what
they may match (the ``Filter`` action, in the form the release takes: ``MatchCriteria``
or a regular expression made from escaped values, ``amijson.serverfilter``), matches
every event itself (``amijson.eventfilter``:
our matching is the truth, Asterisk's only spares the wire) and hands the matching ones
to the document or the stream (``amijson.eventstream``) until a bound is reached:

* ``--count N``: N matching events;
* ``--until FILTER`` (repeatable; all must hold): the first event that matches it, kept
  whether or not it matches the FILTERs;
* ``--for SECONDS``: a window, counted from the login.

Reaching a bound is success. ``--timeout`` is the whole run's deadline, and its passing
is exit 5 with the events so far. Unless a timeout is given, ``--for S`` makes it S plus
``CONNECT_ALLOWANCE``, and a stream (``--format ndjson`` or ``sse``) has none once it
has logged in: it runs until a bound, or until its reader goes away (EPIPE), SIGTERM or
SIGINT, which end it quietly (exit 0, Logoff sent). The document needs a bound.
``--profiles`` and ``--host a,b`` merge several PBXes' events (``amijson.eventfleet``).
"""

import time

from amijson.document import Document
from amijson.errors import AmijsonError
from amijson.eventfilter import EventFilter
from amijson.eventwatch import (CONNECT_ALLOWANCE, LOGOFF_GRACE, MAX_WARNINGS, Stopped, read_class_check,
                                watch_events)
from amijson.inputs import integer, seconds, shown
from amijson.records import Records

FORMATS = ("json", "ndjson", "sse")
DEFAULT_BUFFER_MIB = 8  # a stream's buffer for a slow reader (--buffer)
# How long a stream with no deadline waits, once logged off, for a slow reader to take what
# the buffer still holds (the AMI session is over by then: only this process waits).
FINISH_WAIT = 30.0

# The class Asterisk sends an event under (manager.conf's read=; the same in 16 and 22).
# When the filters name their events exactly and all are here, the login asks for these
# classes only; any other event name and the mask is "on".
EVENT_CLASSES = {
    "newchannel": "call", "newstate": "call", "hangup": "call", "hanguprequest": "call",
    "softhanguprequest": "call", "newcallerid": "call", "newconnectedline": "call",
    "newaccountcode": "call", "dialbegin": "call", "dialend": "call", "dialstate": "call",
    "hold": "call", "unhold": "call", "bridgecreate": "call", "bridgedestroy": "call",
    "bridgeenter": "call", "bridgeleave": "call", "localbridge": "call", "originateresponse": "call",
    "newexten": "dialplan", "varset": "dialplan",
    "dtmfbegin": "dtmf", "dtmfend": "dtmf",
    "userevent": "user", "cdr": "cdr", "cel": "cel",
    "fullybooted": "system", "peerstatus": "system", "contactstatus": "system", "reload": "system",
    "queuecallerjoin": "agent", "queuecallerleave": "agent", "queuememberstatus": "agent",
    "agentcalled": "agent", "agentconnect": "agent", "agentcomplete": "agent",
}

# The events verb's options; any of them with another verb is a usage error (cli.py).
OPTIONS = ("count", "until", "for", "buffer", "reconnect")


class Watch:
    """What the command line asks: filters, bounds, output."""

    def __init__(self, options, operands):
        self.format = options.get("format") or "json"
        if self.format not in FORMATS:
            raise AmijsonError("usage", "events print --format %s, not %s" % ("|".join(FORMATS), shown(self.format)))
        for option in ("warning", "critical", "output"):
            if options.get(option):
                raise AmijsonError("usage", "--%s is not for events" % option)
        if self.format != "json" and (options.get("records_only") or options.get("pretty")):
            raise AmijsonError("usage", "--records and --pretty are for the JSON document, not --format %s"
                               % self.format)
        self.operands = list(operands)
        self.filters = EventFilter(operands)
        self.until_operands = list(options.get("until") or [])
        self.until = EventFilter(self.until_operands, "--until") if self.until_operands else None
        self.count = integer("--count", options["count"], 1, 10 ** 9) if options.get("count") is not None else None
        self.window = seconds("--for", options["for"]) if options.get("for") is not None else None
        self.buffer = integer("--buffer", options["buffer"], 1, 1024) if options.get("buffer") is not None \
            else DEFAULT_BUFFER_MIB
        if options.get("buffer") is not None and self.format == "json":
            raise AmijsonError("usage", "--buffer is for a stream (--format ndjson or sse)")
        if self.format == "json" and self.count is None and self.until is None and self.window is None:
            raise AmijsonError("usage", "events need a bound for the document: --count N, --until FILTER or "
                               "--for SECONDS (or a stream: --format ndjson|sse)")
        self.mask = options.get("events")
        self.reconnect = bool(options.get("reconnect"))

    @property
    def streaming(self):
        return self.format != "json"

    def event_mask(self):
        """The login's ``Events:``: --events as given, else the classes of the events the
        filters (and --until) name, else ``on``."""
        if self.mask:
            return self.mask
        names = self.filters.event_names()
        if names is not None and self.until is not None:
            until_names = self.until.event_names()
            names = None if until_names is None else names | until_names
        if names is None or not names <= set(EVENT_CLASSES):
            return "on"
        return ",".join(sorted({EVENT_CLASSES[name] for name in names}))


    def needed_read_classes(self):
        """{class: [the events named that Asterisk sends under it]}: the read classes the
        user must have for the events the filters and --until name exactly, where
        EVENT_CLASSES knows their class (an event it does not know is not checked)."""
        needed = {}
        for event_filter in (self.filters, self.until):
            include = event_filter.by_header.get("event", ((), ()))[0] if event_filter is not None else ()
            for glob in include:
                name = glob.text.lower()
                if glob.exact and name in EVENT_CLASSES and glob.text not in needed.get(EVENT_CLASSES[name], ()):
                    needed.setdefault(EVENT_CLASSES[name], []).append(glob.text)
        return needed


class Tally:
    """How the watch went: what ended it and the counts, for the summary."""

    def __init__(self):
        self.bound = None  # count, until, for, timeout, reader_gone, sigterm, sigint, error
        self.matched = 0
        self.seen = 0
        self.started = time.monotonic()
        self.server_filters = []  # the Filter expressions Asterisk accepted
        self.warnings = []
        self.fell_back = 0
        self.reconnects = 0

    def summary(self, dropped, error):
        return {"ok": error is None, "bound": self.bound, "matched": self.matched, "seen": self.seen,
                "dropped": dropped, "reconnects": self.reconnects, "seconds": round(time.monotonic() - self.started, 3),
                "server_filters": self.server_filters, "warnings": self.warnings,
                "error": None if error is None else {"code": error.code, "message": error.message}}


def run(options, operands, environ, stdin, stdout, deadline):
    """(the document to print or None when a stream wrote itself, exit code, secrets)."""
    import gc

    gc.enable()  # the command turns it off for short runs; a stream may run for hours
    if "profiles" in options or "," in options.get("host", ""):  # several PBXes, merged
        from amijson import eventfleet
        return eventfleet.run(options, operands, environ, stdin, stdout, deadline)
    document = Document()
    tally = Tally()
    sink = watch = settings = watch_end = None
    error = None
    try:
        watch = Watch(options, operands)
        from amijson.settings import resolve
        settings = resolve(options, environ, stdin, deadline)
        tally.warnings.extend(settings.warnings)
        if settings.allow is not None:  # a profile's allow-list (amijson.allowlist): allow_events = yes
            settings.allow.check_events()
        if settings.via == "rx":
            raise AmijsonError("usage", "the rx route (the control socket) carries no events: they come over "
                               "AMI, --via ami (or auto), and AMI over HTTP, --via http")
        if watch.reconnect and settings.via == "http":
            raise AmijsonError("usage", "--reconnect is for AMI over TCP (--via ami); over HTTP each WaitEvent "
                               "is a request of its own")
        watch_end = _deadlines(watch, settings, deadline)
        read_check, cannot_check = read_class_check(settings, watch)
        if cannot_check:
            tally.warnings.append(cannot_check)
        sink = _sink(watch, stdout, settings)
        watch_events(settings, watch, sink, tally, deadline, watch_end, document, read_check)
    except AmijsonError as exc:
        error = exc
    except KeyboardInterrupt:
        tally.bound = "sigint"
    except Stopped:
        tally.bound = "sigterm"
    except Exception as exc:  # a bug: still a document or a summary, the traceback to stderr only
        from amijson.errors import print_traceback
        print_traceback()
        error = AmijsonError("internal", "internal error: %s: %s" % (type(exc).__name__, exc))
    if error is not None and tally.bound is None:
        tally.bound = "timeout" if error.code == "timeout" else "error"
    dropped = sink.dropped if sink is not None else 0
    if tally.fell_back > MAX_WARNINGS:
        tally.warnings.append("%d more values were not valid UTF-8" % (tally.fell_back - MAX_WARNINGS))
    secrets = [settings.secret] if settings is not None else []
    streaming = watch.streaming if watch is not None else (options.get("format") in ("ndjson", "sse"))
    if streaming:
        if tally.bound in ("sigint", "sigterm", "reader_gone"):
            error = None  # a stream's reader or its owner ended it: that is how streams end
        summary = tally.summary(dropped, error)
        if sink is None:
            from amijson.eventstream import Stream
            sink = Stream(options.get("format"), stdout, 1 << 20, secrets)
        if tally.bound != "reader_gone":
            sink.finish(summary, FINISH_WAIT if watch_end is None else max(deadline.remaining(), LOGOFF_GRACE))
        return None, error.exit_code if error is not None else 0, secrets
    if tally.bound in ("sigint", "sigterm"):
        error = AmijsonError("interrupted", "interrupted (%s) before the run finished" % tally.bound.upper())
    document.warnings.extend(tally.warnings)
    document.events = tally.summary(dropped, error)
    del document.events["warnings"], document.events["ok"], document.events["error"]
    document.events["filters"] = watch.operands if watch is not None else list(operands)
    document.events["until"] = watch.until_operands if watch is not None else []
    if sink is not None:
        document.records = Records(sink.records)
    if error is not None:
        document.fail(error.code, error.message)
    if options.get("records_only") and error is None:
        return document.records.json_list(), 0, secrets
    return document.to_dict(), error.exit_code if error is not None else 0, secrets


def _deadlines(watch, settings, deadline):
    """Set the run's deadline (see the module docstring); the time the watch must end by
    to leave time for the Logoff, or None when nothing but a bound or the reader ends it."""
    if settings.timeout_given:  # --timeout, AMIJSON_TIMEOUT or timeout= in the config file
        if watch.window is not None and watch.window >= settings.timeout:
            raise AmijsonError("usage", "--for %g is not shorter than --timeout %g: the deadline would end "
                               "the window" % (watch.window, settings.timeout))
        return deadline.reserve(LOGOFF_GRACE).end
    if watch.window is not None:
        deadline.set(watch.window + CONNECT_ALLOWANCE)
        return deadline.reserve(LOGOFF_GRACE).end
    if watch.streaming:
        return None  # the deadline covers connecting and the login only
    return deadline.reserve(LOGOFF_GRACE).end


def _sink(watch, stdout, settings):
    from amijson.eventstream import Collected, Stream
    if watch.streaming:
        return Stream(watch.format, stdout, watch.buffer << 20, [settings.secret] if settings.secret else [])
    return Collected(settings.max_size << 20)
