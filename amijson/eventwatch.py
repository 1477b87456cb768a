"""Watching AMI events for ``amijson events`` (``amijson.events`` says what to watch and
how the run ends): the session over AMI TCP (with ``--reconnect``) or over HTTP
(``WaitEvent`` after ``WaitEvent``), Asterisk's own ``Filter``, the check of the user's
read classes, and each event handed to the document or the stream."""

import sys
import time

from amijson.deadline import Deadline
from amijson.document import fallback_warnings, message_to_json
from amijson.errors import AmijsonError
from amijson.inputs import shown
from amijson.wire import MessageRun, ProtocolError

CONNECT_ALLOWANCE = 10.0  # seconds the default deadline gives, beyond --for, to connect, log in and off
TICK = 0.25  # longest wait on the socket: how soon a window's end, a heartbeat or a gone reader is noticed
RECONNECT_FIRST = 0.5  # seconds before the first attempt to log in again (--reconnect); doubling from there
RECONNECT_MOST = 10.0  # ... up to this
RECONNECT_ON = frozenset(("connect", "protocol"))  # a connection lost, refused or broken; never auth or timeout
HTTP_TICK = 4.0  # longest WaitEvent (whole seconds, as Asterisk counts them), for the same reasons
LOGOFF_GRACE = 1.0  # seconds kept, past the watch, to send Logoff
COALESCE_BELOW = 16384  # bytes: a read that brought less is followed by a pause before the next ...
COALESCE_PAUSE = 0.0005  # ... of this many seconds (as amijson.session does for long replies)
MAX_WARNINGS = 50  # fallback warnings listed; past that, one line counts the rest


class Stopped(Exception):
    """SIGTERM arrived: the watch ends as SIGINT ends it."""


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



def watch_events(settings, watch, sink, tally, deadline, watch_end, document, read_check):
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
    raise Stopped()


def _first_filters(settings, plan, ami_version):
    """(the actions to send with the Login, the labels of its Filters, the form): the
    Filters when the banner tells the form, else a CoreSettings whose answer will
    (amijson.serverfilter)."""
    from amijson import serverfilter
    form = serverfilter.form_for_banner(ami_version)
    if form == serverfilter.ASK and not (serverfilter.can_ask(settings) and plan.wanted()):
        form = serverfilter.LEGACY
    if form == serverfilter.ASK:
        return [("CoreSettings", [])], [], form
    actions, labels = plan.actions(form)
    return actions, labels, form


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
    session = AmiSession(connection, settings.fallback_encoding, open_transcript(settings), settings.max_size << 20,
                         runs=False)
    try:
        try:
            from amijson.serverfilter import ASK, FilterPlan
            plan = FilterPlan(watch)
            actions, filters, form = _first_filters(settings, plan, session.read_banner().version)
            checking = read_check is not None and not clock  # a login again (--reconnect) asks no more
            if checking:
                actions.append((read_check.request.action, read_check.request.headers))
            ids = session.log_in_with(settings.user, settings.secret, actions, login_method(settings.auth, session),
                                      watch.event_mask())
        finally:
            document.server["banner"], document.server["ami_version"] = session.identity()
        replies = _Replies(tally, dict(zip(ids, filters)), (ids[-1], read_check) if checking else None)
        if form == ASK:
            replies.ask(ids[0], plan, session.send_actions)
        if not clock:
            clock.append(_Clock(watch, watch_end, deadline))
            tally.started = time.monotonic()
        logged_in()
        clock = clock[0]
        items = session.pending
        session.pending = []
        small = False  # the last read brought little: the next waits COALESCE_PAUSE first
        while not _take(items, watch, sink, tally, settings.fallback_encoding, replies):
            wait = clock.wait(sink, tally)
            if wait is None:
                return
            connection.deadline = Deadline(wait)
            items = []
            if small:
                # Asterisk writes an event at a time: in a storm, reading as soon as anything
                # came is a wake-up, a read and a write for every few events. A pause this
                # short after a small read lets the next take what came meanwhile in one piece.
                time.sleep(COALESCE_PAUSE)
            try:
                data = connection.recv("waiting for events")
            except AmijsonError as exc:
                if exc.code != "timeout":  # a tick's end, not the run's: the clock tells
                    raise
                small = False  # quiet: the next read waits for nothing first
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
            small = len(data) < COALESCE_BELOW
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
    from amijson.exchange import is_error
    session = HttpAmiSession(settings, deadline, open_transcript(settings))
    try:
        try:
            session.login(settings.user, settings.secret, login_method(settings.auth, session), watch.event_mask())
        finally:
            document.server["banner"], document.server["ami_version"] = session.identity()
        from amijson import serverfilter
        plan = serverfilter.FilterPlan(watch)
        # Over HTTP the Server header names Asterisk's version; else CoreSettings, if it may be asked.
        form = serverfilter.form_for_version(session.identity()[0], unknown=serverfilter.ASK)
        if form == serverfilter.ASK:
            form = serverfilter.LEGACY
            if serverfilter.can_ask(settings) and plan.wanted():
                reply = session.call("CoreSettings", []).response
                form = serverfilter.form_for_version(None if is_error(reply) else reply.get("AsteriskVersion"))
        actions, filters = plan.actions(form)
        for (name, headers), label in zip(actions, filters):
            _Replies(tally, {"": label})(session.call(name, headers).response, "")
        if read_check is not None:  # one more request, before any WaitEvent
            request = read_check.request
            _Replies(tally, {}, ("", read_check))(session.call(request.action, request.headers).response, "")
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
    """Match each event of ``items`` and hand the matching ones to ``sink``, then let it
    write them (``sink.flush``: one hand-over per read, not one per event); ``reply`` gets
    every message that is not an event. True once a bound is reached (``tally.bound``)."""
    try:
        return _match(items, watch, sink, tally, encoding, reply)
    finally:
        sink.flush()


def _match(items, watch, sink, tally, encoding, reply):
    # The hot loop of a storm (scripts/bench --events): every lookup that does not change
    # per event is made once, outside it.
    until, count = watch.until, watch.count
    matches = watch.filters.matches if watch.filters else None  # no filter: every event
    event = sink.event
    for item in items:
        for message in (item.messages() if type(item) is MessageRun else (item,)):
            if message.kind != "event":
                reply(message)
                continue
            tally.seen += 1
            last = until is not None and until.matches(message)
            if not last and matches is not None and not matches(message):
                continue
            tally.matched += 1
            if message.fell_back:
                tally.fell_back += 1
                if tally.fell_back <= MAX_WARNINGS:
                    tally.warnings.extend(fallback_warnings(message, "records[%d]" % (tally.matched - 1), encoding))
            event(tally.matched, message.get("Event"), message_to_json(message))
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


class _Replies:
    """The replies read during a watch (every message that is not an event): a Filter's
    (Asterisk took it, or said why not), the read classes' Command's (``check``: its
    ActionID and ReadClassCheck; a missing class raises ``permission``), CoreSettings'
    (``ask``: the Filters its AsteriskVersion calls for are sent then), or one that
    concerns no action of ours (ignored). ``filter_ids``: ActionID -> the Filter's label."""

    def __init__(self, tally, filter_ids, check=None):
        self.tally = tally
        self.filter_ids = filter_ids
        self.check = check
        self.asked = None  # (CoreSettings' ActionID, FilterPlan, a function sending actions)

    def ask(self, action_id, plan, send):
        self.asked = (action_id, plan, send)

    def __call__(self, message, action_id=None):
        """``action_id``: the one to look up, when not the message's own (HTTP)."""
        if action_id is None:
            action_id = (message.get("ActionID") or "").strip()
        check, tally = self.check, self.tally
        if check is not None and action_id == check[0]:
            warning = check[1].answer(message)
            if warning:
                tally.warnings.append(warning)
            return
        if self.asked is not None and action_id == self.asked[0]:
            from amijson.exchange import is_error
            from amijson.serverfilter import form_for_version
            _, plan, send = self.asked
            self.asked = None
            form = form_for_version(None if is_error(message) else message.get("AsteriskVersion"))
            actions, labels = plan.actions(form)
            self.filter_ids.update(zip(send(actions), labels))
            return
        label = self.filter_ids.get(action_id)
        if label is None:
            return
        if (message.get("Response") or "").lower() == "success":
            if label not in tally.server_filters:  # a login again (--reconnect) sends them again
                tally.server_filters.append(label)
        else:
            tally.warnings.append("Asterisk's Filter action refused %s (%s): every event comes over the wire, and "
                                  "is matched here all the same" % (shown(label), message.get("Message") or "no reason"))
