"""``amijson [options] events [FILTER ...]``: AMI events, as one document or as a stream.

The run logs in with the event mask its filters need, asks Asterisk to send only what
they may match (the legacy ``Filter`` action, a regular expression made from escaped
values, which 16 and 22 both take), matches every event itself (``amijson.eventfilter``:
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
"""

import sys
import time

from amijson.deadline import DEFAULT_TIMEOUT, Deadline
from amijson.document import Document, fallback_warnings, message_to_json
from amijson.errors import EXIT_CODES, AmijsonError
from amijson.eventfilter import EventFilter
from amijson.inputs import integer, seconds, shown
from amijson.records import Records
from amijson.wire import MessageRun, ProtocolError

FORMATS = ("json", "ndjson", "sse")
CONNECT_ALLOWANCE = 10.0  # seconds the default deadline gives, beyond --for, to connect, log in and off
DEFAULT_BUFFER_MIB = 8  # a stream's buffer for a slow reader (--buffer)
TICK = 0.25  # longest wait on the socket: how soon a window's end, a heartbeat or a gone reader is noticed
RECONNECT_FIRST = 0.5  # seconds before the first attempt to log in again (--reconnect); doubling from there
RECONNECT_MOST = 10.0  # ... up to this
RECONNECT_ON = frozenset(("connect", "protocol"))  # a connection lost, refused or broken; never auth or timeout
HTTP_TICK = 4.0  # longest WaitEvent (whole seconds, as Asterisk counts them), for the same reasons
LOGOFF_GRACE = 1.0  # seconds kept, past the watch, to send Logoff
# How long a stream with no deadline waits, once logged off, for a slow reader to take what
# the buffer still holds (the AMI session is over by then: only this process waits).
FINISH_WAIT = 30.0
MAX_WARNINGS = 50  # fallback warnings listed; past that, one line counts the rest

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
        if "profiles" in options or "," in options.get("host", ""):
            raise AmijsonError("usage", "events from several PBXes at once are not built yet: one --host or "
                               "--profile at a time")
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


class ReadClassCheck:
    """Whether the user's read classes cover the events asked for. Asterisk sends a session
    only the events of its read classes (manager.conf's read =), whatever its event mask,
    so without this a user lacking one would wait, silent, for events that never come. No
    action tells a session its own classes: ``manager show user`` (the CLI, through the
    Command action) does, and takes the ``command`` write class; without it the check is
    not made, and a warning says so. Sans-IO: the request to send, then the reply in."""

    def __init__(self, user, needed):
        from amijson import manageruser
        from amijson.request import Request
        self.user = user
        self.needed = needed  # {class: [event names]}
        self.request = Request.cli(manageruser.command(user))

    def cannot_check(self, why):
        return ("%s's read classes could not be checked (%s): Asterisk sends a session only the events of its read "
                "classes, so events of a class it lacks would never come" % (self.user, why))

    def answer(self, reply):
        """A warning when the reply cannot tell; a ``permission`` error naming the classes
        to add when one is missing; None when all are there."""
        from amijson import manageruser
        from amijson.conversation import command_lines
        from amijson.exchange import is_error
        if is_error(reply):
            message = reply.get("Message") or "Error"
            if message == "Permission denied":
                return self.cannot_check("`manager show user` needs the command write class, which %s lacks"
                                         % self.user)
            return self.cannot_check("`manager show user` failed: %s" % message)
        shown = manageruser.parse(command_lines(reply))
        if shown is None:
            return self.cannot_check("`manager show user %s` gave no read perm line" % self.user)
        missing = manageruser.missing(self.needed, shown["read"])
        if not missing:
            return None
        events = sorted({name for name_class in missing for name in self.needed[name_class]})
        raise AmijsonError("permission", "%s does not get %s events: Asterisk sends a session only the events of "
                           "its read classes, and read = %s lacks %s; add %s to [%s]'s read = in manager.conf "
                           "(read = %s), then `manager reload`"
                           % (self.user, ", ".join(events), ",".join(shown["read"]) or "(none)", ", ".join(missing),
                              ", ".join(missing), self.user, ",".join(shown["read"] + missing)))


def read_class_check(settings, watch):
    """The check to make for this run, or None: nothing named needs a class, or the
    profile's allow-list does not let amijson run ``manager show user`` (a warning)."""
    needed = watch.needed_read_classes()
    if not needed:
        return None, None
    check = ReadClassCheck(settings.user, needed)
    if settings.allow is not None:
        try:
            settings.allow.check_command(check.request.command)
        except AmijsonError:
            return None, check.cannot_check("the profile's allow-list does not allow `%s`" % check.request.command)
    return check, None


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


class _Stopped(Exception):
    """SIGTERM arrived: the watch ends as SIGINT ends it."""


def run(options, operands, environ, stdin, stdout, deadline):
    """(the document to print or None when a stream wrote itself, exit code, secrets)."""
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
        watch_end = _deadlines(watch, options, environ, settings, deadline)
        read_check, cannot_check = read_class_check(settings, watch)
        if cannot_check:
            tally.warnings.append(cannot_check)
        sink = _sink(watch, stdout, settings)
        _watch(settings, watch, sink, tally, deadline, watch_end, document, read_check)
    except AmijsonError as exc:
        error = exc
    except KeyboardInterrupt:
        tally.bound = "sigint"
    except _Stopped:
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


def _deadlines(watch, options, environ, settings, deadline):
    """Set the run's deadline (see the module docstring); the time the watch must end by
    to leave time for the Logoff, or None when nothing but a bound or the reader ends it."""
    given = (options.get("timeout") is not None or environ.get("AMIJSON_TIMEOUT")
             or settings.timeout != DEFAULT_TIMEOUT)
    if given:
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


def _watch(settings, watch, sink, tally, deadline, watch_end, document, read_check):
    """Connect, log in, and hand matching events to ``sink`` until a bound (``tally.bound``);
    Logoff and close in every case. SIGTERM ends the watch as SIGINT does. ``read_check``
    (a ReadClassCheck, or None): asked with the first login."""
    from amijson.conversation import check_credentials
    check_credentials(settings)
    http = settings.via == "http"
    document.route = ("http" if http else "ami") + ("+tls" if settings.tls else "")
    document.server = {"host": settings.host, "port": settings.port, "banner": None, "ami_version": None}
    import signal
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a test calling main in a thread): no handler
        previous = None
    try:
        (_watch_http if http else _watch_tcp)(settings, watch, sink, tally, deadline, watch_end, document,
                                              read_check)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm(signum, frame):
    raise _Stopped()


def server_filters(watch):
    """The expressions for Asterisk's Filter action. Asterisk lets an event by when any of
    them matches, so the --until event, kept whatever the filters say, needs its own
    alternatives beside the filters'; when either side has none (any event may match it),
    no Filter is sent at all."""
    regexes = watch.filters.server_filters()
    if watch.until is not None:
        more = watch.until.server_filters()
        regexes = regexes + [regex for regex in more if regex not in regexes] if regexes and more else []
    return regexes


def _server_filters(watch):
    """The Filter actions to send: (action name, headers) pairs, and their expressions."""
    filters = server_filters(watch)
    return [("Filter", [("Operation", "Add"), ("Filter", regex)]) for regex in filters], filters


def _watch_tcp(settings, watch, sink, tally, deadline, watch_end, document, read_check):
    """AMI over TCP (or TLS), in one session; with --reconnect, in one after another: a
    connection lost once logged in is made again, after a pause that doubles from
    RECONNECT_FIRST up to RECONNECT_MOST while the attempts fail, and the gap is said
    (a warning, and a marker in a stream) with its time span."""
    clock = []  # the watch's _Clock, made at the first login: the window counts from there
    lost = [None, 0]  # when the connection was lost (time.time()), failed attempts since

    def logged_in():
        if lost[0] is not None:
            back = time.time()
            tally.reconnects += 1
            span = {"lost": _iso(lost[0]), "back": _iso(back), "seconds": round(back - lost[0], 3)}
            tally.warnings.append("connection lost at %(lost)s, logged in again at %(back)s: the events of "
                                  "those %(seconds)g s are missing" % span)
            sink.reconnected(span)
            lost[:] = [None, 0]

    while True:
        # A reconnection with no deadline of the run's left gets a connection allowance of its own.
        connect_by = deadline if lost[0] is None or watch_end is not None else Deadline(CONNECT_ALLOWANCE)
        try:
            return _session_tcp(settings, watch, sink, tally, connect_by, watch_end, document, clock, logged_in,
                                read_check)
        except AmijsonError as exc:
            if not watch.reconnect or not clock or exc.code not in RECONNECT_ON:
                raise
            if lost[0] is None:
                lost[0] = time.time()
            pause = min(RECONNECT_MOST, RECONNECT_FIRST * 2 ** lost[1])
            lost[1] += 1
            if settings.debug and sys.stderr is not None:
                sys.stderr.write("amijson: %s; again in %g s (--reconnect)\n" % (exc.message, pause))
            resume = time.monotonic() + pause
            while True:  # the pause keeps watching the clock: the window, the deadline, the reader
                wait = clock[0].wait(sink, tally, most=resume - time.monotonic())
                if wait is None:
                    return
                if time.monotonic() >= resume:
                    break
                time.sleep(wait)


def _iso(when):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + ".%03dZ" % (when % 1 * 1000)


def _session_tcp(settings, watch, sink, tally, deadline, watch_end, document, clock, logged_in, read_check):
    """One AMI session over TCP (or TLS): Login, the Filters and (the first time) the read
    classes' Command in one write, then every read's events, until a bound (returns) or a
    failure (raises). The Command's reply is read among the events, as the Filters' are:
    it costs no round trip of its own, and a missing class fails the run as it arrives."""
    from amijson.conversation import login_method, open_transcript
    from amijson.session import AmiSession
    from amijson.transport import connect
    connection = connect(settings.host, settings.port, deadline, settings.connect_timeout, tls=settings.tls,
                         cafile=settings.cafile, insecure=settings.insecure)
    session = AmiSession(connection, settings.fallback_encoding, open_transcript(settings), settings.max_size << 20)
    try:
        try:
            actions, filters = _server_filters(watch)
            checking = read_check is not None and not clock  # a login again (--reconnect) asks no more
            if checking:
                actions.append((read_check.request.action, read_check.request.headers))
            ids = session.log_in_with(settings.user, settings.secret, actions, login_method(settings.auth, session),
                                      watch.event_mask())
        finally:
            document.server["banner"], document.server["ami_version"] = session.identity()
        filter_ids = dict(zip(ids, filters))
        check = (ids[-1], read_check) if checking else None
        if not clock:
            clock.append(_Clock(watch, watch_end, deadline))
            tally.started = time.monotonic()
        logged_in()
        clock = clock[0]
        items = session.pending
        session.pending = []
        while not _take(items, watch, sink, tally, settings.fallback_encoding,
                        lambda message: _reply(message, filter_ids, tally, check=check)):
            wait = clock.wait(sink, tally)
            if wait is None:
                return
            connection.deadline = Deadline(wait)
            items = []
            try:
                data = connection.recv("waiting for events")
            except AmijsonError as exc:
                if exc.code != "timeout":  # a tick's end, not the run's: the clock tells
                    raise
                continue
            if session.transcript:
                session.transcript("<", data)
            if not data:
                raise AmijsonError("connect", "Asterisk closed the connection after %d events (%d matched)"
                                   % (tally.seen, tally.matched))
            try:
                items = session.parser.feed(data)
            except ProtocolError as exc:  # a message past --max-size, a broken frame
                raise AmijsonError("protocol", str(exc))
    finally:
        # The goodbye gets a moment of its own, whatever the deadline has left.
        connection.deadline = Deadline(LOGOFF_GRACE)
        session.logoff()
        session.close()


def _watch_http(settings, watch, sink, tally, deadline, watch_end, document, read_check):
    """AMI over HTTP: Login, the Filters, then WaitEvent after WaitEvent. Asterisk queues a
    session's events until asked and answers a WaitEvent once one is queued (it looks each
    second) or at its Timeout; it cuts that Timeout to the session's httptimeout (manager.conf,
    60 s by default) less 10, and ends a session not asked for that long."""
    from amijson.ami_http import WAIT_EVENT_MOST, HttpAmiSession
    from amijson.conversation import login_method, open_transcript
    session = HttpAmiSession(settings, deadline, open_transcript(settings))
    try:
        try:
            session.login(settings.user, settings.secret, login_method(settings.auth, session), watch.event_mask())
        finally:
            document.server["banner"], document.server["ami_version"] = session.identity()
        actions, filters = _server_filters(watch)
        for (name, headers), regex in zip(actions, filters):
            _reply(session.call(name, headers).response, {"": regex}, tally, "")
        if read_check is not None:  # one more request, before any WaitEvent
            request = read_check.request
            _reply(session.call(request.action, request.headers).response, {}, tally, "", check=("", read_check))
        clock = _Clock(watch, watch_end, deadline)
        tally.started = time.monotonic()
        while True:
            wait = clock.wait(sink, tally, most=HTTP_TICK)
            if wait is None:
                return
            seconds = max(1, min(WAIT_EVENT_MOST, int(wait)))
            # The request may take its Timeout and a second more (Asterisk looks each second).
            session.deadline = deadline.within(seconds + 5) if watch_end is not None else Deadline(seconds + 5)
            if session.connection is not None:
                session.connection.deadline = session.deadline
            action_id, messages = session.post("WaitEvent", [("Timeout", str(seconds))])
            ours = [message for message in messages if (message.get("ActionID") or "").strip() != action_id]
            if _take(ours, watch, sink, tally, settings.fallback_encoding, lambda message: None):
                return
    finally:
        session.deadline = Deadline(LOGOFF_GRACE)
        session.logoff_deadline = session.deadline
        session.logoff()
        session.close()


class _Clock:
    """When the watch must look up from reading: the window's end, the deadline, a
    heartbeat, a reader gone."""

    def __init__(self, watch, watch_end, deadline):
        self.window_end = time.monotonic() + watch.window if watch.window is not None else None
        self.watch_end = watch_end
        self.deadline = deadline
        self.watch = watch

    def wait(self, sink, tally, most=None):
        """Seconds to wait for more, or None when the watch is over (``tally.bound`` says
        why); a ``timeout`` error when the deadline passed first."""
        now = time.monotonic()
        if sink.gone:
            tally.bound = "reader_gone"
            return None
        if self.window_end is not None and now >= self.window_end:
            tally.bound = "for"
            return None
        if self.watch_end is not None and now >= self.watch_end:
            raise AmijsonError("timeout", "deadline of %gs passed %s"
                               % (self.deadline.seconds, _waiting_for(self.watch, tally)))
        sink.tick(now)
        wait = TICK if most is None else most
        for end in (self.window_end, self.watch_end):
            if end is not None:
                wait = min(wait, end - now)
        return max(wait, 0.001)


def _take(items, watch, sink, tally, encoding, reply):
    """Match each event of ``items`` and hand the matching ones to ``sink``; ``reply`` gets
    every message that is not an event. True once a bound is reached (``tally.bound``)."""
    filters, until, count = watch.filters, watch.until, watch.count
    for item in items:
        for message in (item.messages() if type(item) is MessageRun else (item,)):
            if message.kind != "event":
                reply(message)
                continue
            tally.seen += 1
            last = until is not None and until.matches(message)
            if not last and not filters.matches(message):
                continue
            tally.matched += 1
            if message.fell_back:
                tally.fell_back += 1
                if tally.fell_back <= MAX_WARNINGS:
                    tally.warnings.extend(fallback_warnings(message, "records[%d]" % (tally.matched - 1), encoding))
            sink.event(tally.matched, message.get("Event"), message_to_json(message))
            if last:
                tally.bound = "until"
                return True
            if count is not None and tally.matched >= count:
                tally.bound = "count"
                return True
    return False


def _waiting_for(watch, tally):
    if watch.count is not None:
        return "with %d of %d events matched (--count)" % (tally.matched, watch.count)
    if watch.until is not None:
        return "before an event matched --until"
    return "while watching events"


def _reply(message, filter_ids, tally, action_id=None, check=None):
    """A reply during the watch: a Filter's (Asterisk took it, or said why not), the read
    classes' Command's (``check``: its ActionID and ReadClassCheck; a missing class raises
    ``permission``), or one that concerns no action of ours (ignored). ``filter_ids``:
    ActionID -> expression; ``action_id``: the ActionID to look up, when not the message's own."""
    if action_id is None:
        action_id = (message.get("ActionID") or "").strip()
    if check is not None and action_id == check[0]:
        warning = check[1].answer(message)
        if warning:
            tally.warnings.append(warning)
        return
    regex = filter_ids.get(action_id)
    if regex is None:
        return
    if (message.get("Response") or "").lower() == "success":
        tally.server_filters.append(regex)
    else:
        tally.warnings.append("Asterisk's Filter action refused %s (%s): every event comes over the wire, and "
                              "is matched here all the same" % (shown(regex), message.get("Message") or "no reason"))
