"""The HTTP route: AMI over Asterisk's HTTP server (``POST /rawman``), into a Document.

Asterisk serves the manager over HTTP when ``manager.conf`` says
``webenabled = yes`` and ``http.conf`` enables its server (port 8088, 8089 with
TLS; ``prefix`` puts the path under ``/PREFIX/rawman``). Each request carries
one action as form fields; the answer is the action's reply and, for a list,
every list event, as the same ``Key: Value`` text as over TCP, in one body.
Events of other sources never enter it (an HTTP session only hands them out on
``WaitEvent``). The session lives in a cookie (``mansession_id``): Login (after
an MD5 Challenge, when used), the action, then Logoff, over one connection
while the server keeps it open, over a new one when it does not.
"""

from amijson.conversation import ManagerSession, answer_over, converse_batch, open_transcript
from amijson.errors import AmijsonError
from amijson.exchange import ActionExchange, ActionIdCounter
from amijson.httpwire import BodyTooLarge, HttpError, ResponseReader, cookie_value, form_body, format_request
from amijson.session import check_login, check_size, login_headers
from amijson.transport import connect
from amijson.wire import AmiParser, ProtocolError, format_action

COOKIE = "mansession_id"
LOGOFF_RESERVE = 0.5  # seconds of the run kept for Logoff
BODY_PIECE = 64 * 1024  # a body goes to the AMI parser in pieces of this size (see _receive)
# Longest WaitEvent asked for, in seconds: Asterisk cuts it to its session's time left
# (manager.conf's httptimeout, 60 by default, less 10) anyway.
WAIT_EVENT_MOST = 30


def rawman_path(prefix):
    """``/rawman``, or ``/PREFIX/rawman`` for http.conf's ``prefix``."""
    prefix = (prefix or "").strip("/")
    return "/%s/rawman" % prefix if prefix else "/rawman"


class HttpAmiSession(ManagerSession):
    """Login, one action and logoff over HTTP; each request's body parsed as AMI."""

    def __init__(self, settings, deadline, transcript=None):
        self.settings = settings
        # Logoff keeps the last part of the run: a session left logged in lingers on
        # Asterisk for http.conf's session timeout, even when the run timed out.
        self.logoff_deadline = deadline
        self.deadline = deadline.reserve(LOGOFF_RESERVE)
        self.path = rawman_path(settings.http_prefix)
        self.url = "%s://%s:%s%s" % ("https" if settings.tls else "http", settings.host, settings.port, self.path)
        host = settings.host if ":" not in settings.host else "[%s]" % settings.host
        self.host_header = "%s:%s" % (host, settings.port)
        self.transcript = transcript
        self.max_bytes = settings.max_size << 20
        self.ids = ActionIdCounter()
        self.connection = None
        self.reader = None
        self.cookie = None
        self.server = None  # the Server header: Asterisk's version, as the banner tells it over TCP
        self.logged_in = False
        self.exchange = None

    def _connect(self):
        settings = self.settings
        self.connection = connect(settings.host, settings.port, self.deadline, settings.connect_timeout,
                                  tls=settings.tls, cafile=settings.cafile, insecure=settings.insecure)
        self.reader = ResponseReader(max_body=self.max_bytes)

    def is_verified_tls(self):
        if self.connection is None:
            self._connect()
        return self.connection.is_verified_tls()

    def post(self, name, headers, redact=(), action_id=None):
        """Send one action; return (its ActionID, the messages of the answer's body)."""
        action_id, data = self._prepare(name, headers, redact, action_id)
        if self.connection is None:
            self._connect()
        self.connection.send(data)
        return action_id, self._receive(name)

    def _prepare(self, name, headers, redact=(), action_id=None):
        """(ActionID, the POST's bytes) of one action, shown in the transcript."""
        action_id = action_id or self.ids.next()
        fields = [("Action", name), ("ActionID", action_id)] + list(headers)
        try:
            shown = format_action(name, fields[1:])  # refuses CR and LF, as over TCP
            data = self._request(fields)
        except ValueError as exc:
            raise AmijsonError("usage", str(exc))
        if self.transcript:
            self.transcript(">", shown, redact)
        return action_id, data

    def _receive(self, name, pipelined=False):
        """The messages of the body of the next response on the connection."""
        response = self._read_response(name, pipelined)
        if not response.keep_alive:
            self.close()
        cookie = cookie_value(response.header("set-cookie"), COOKIE)
        if cookie:
            self.cookie = cookie
        self.server = response.header("server") or self.server
        if self.transcript:
            self.transcript("<", response.body)
            self.transcript.flush()  # a body is whole: its last line too
        if response.status == 404:
            raise AmijsonError("connect", "no AMI over HTTP at %s (404 %s): Asterisk serves it when manager.conf "
                               "says webenabled = yes and http.conf enables its server; --http-prefix gives "
                               "http.conf's prefix" % (self.url, response.reason))
        if response.status != 200:
            raise AmijsonError("protocol", "%s answered HTTP %d %s to %s"
                               % (self.url, response.status, response.reason, name))
        parser = AmiParser(expect_banner=False, fallback_encoding=self.settings.fallback_encoding,
                           max_message=self.max_bytes)
        body = response.body
        try:
            # A piece at a time, as over TCP: a 5,000-channel body (2.6 MB) fed whole
            # took 13 ms to parse where 64 KiB pieces take 9.5 (its runs' copies and
            # matches then work in memory the cache holds).
            items = []
            for start in range(0, len(body), BODY_PIECE):
                items += parser.feed(body[start:start + BODY_PIECE])
            return items + parser.feed(b"\r\n\r\n")
        except ProtocolError as exc:
            raise AmijsonError("protocol", str(exc))

    def _request(self, fields):
        """The POST of one action's form ``fields``, in the session's cookie once it has one."""
        cookie = [("Cookie", "%s=%s" % (COOKIE, self.cookie))] if self.cookie else []
        return format_request("POST", self.path, self.host_header, cookie, form_body(fields))

    def _read_response(self, name, pipelined=False):
        """The next response on the connection. A response refused (broken framing, past
        --max-size) closes the connection first: the rest of it is unread, and a Logoff
        sent behind it would wait there, so logoff() opens a new one. ``pipelined``: it
        may have come already, with the one before it."""
        what = "waiting for the HTTP reply to %s" % name
        received = 0
        if pipelined:
            response = self.reader.feed(b"")
            if response is not None:
                return response
        while True:
            data = self.connection.recv(what)
            try:
                response = self.reader.feed(data) if data else self.reader.end()
            except HttpError as exc:
                self.close()
                if isinstance(exc, BodyTooLarge):
                    # check_size's words: a body counts against --max-size as decoded, and one
                    # announced larger (Content-Length, a chunk size) fails before it is read.
                    raise AmijsonError("protocol", "Asterisk %s more than %d MiB %s; --max-size raises the limit"
                                       % ("announced" if exc.announced else "sent", self.max_bytes >> 20, what))
                if not received and data.startswith(b"Asterisk Call Manager/"):
                    raise AmijsonError("protocol", "%s:%s speaks AMI over TCP, not HTTP: use --via ami there, "
                                       "or --http-port with the port of Asterisk's HTTP server (http.conf's bindport)"
                                       % (self.settings.host, self.settings.port))
                raise AmijsonError("protocol", "%s: %s" % (self.url, exc))
            if response is not None:
                return response
            received += len(data)
            try:
                check_size(received, self.max_bytes, what)
                if self.settings.budget is not None:
                    self.settings.budget.take(len(data), what)
            except AmijsonError:
                self.close()
                raise

    def call(self, name, headers, redact=(), keep_run=None):
        """One action's ActionExchange, whole: a body holds the reply and its whole list."""
        action_id, messages = self.post(name, headers, redact)
        return self._exchange(name, action_id, messages, keep_run)

    def call_all(self, actions):
        """Each action's ActionExchange ((name, headers) pairs, in order). Where the server
        kept the connection open after the login, the requests go in one write (HTTP/1.1
        pipelining; Asterisk 16 and 22 answer them in order) and the answers are read one
        after another. A server that closes after every answer (Asterisk 11) gets them one
        a connection, as does the rest of them when it closes after all."""
        exchanges = []
        if self.connection is not None:
            prepared = [self._prepare(name, headers) for name, headers in actions]
            self.connection.send(b"".join(data for _action_id, data in prepared))
            for (name, _headers), (action_id, _data) in zip(actions, prepared):
                exchanges.append(self._exchange(name, action_id, self._receive(name, pipelined=True)))
                if self.connection is None:
                    break
        exchanges += [self.call(name, headers) for name, headers in actions[len(exchanges):]]
        return exchanges

    def _exchange(self, name, action_id, messages, keep_run=None, awaited=None):
        """The ActionExchange of one answer's ``messages``; with ``awaited``, it may still
        wait for that event (``wait_for``)."""
        exchange = self.exchange = ActionExchange(action_id, keep_run, awaited=awaited)
        for message in messages:
            if exchange.handle(message):
                return exchange
        if awaited is not None and exchange.response is not None and not exchange.is_list:
            return exchange
        if exchange.response is None:
            raise AmijsonError("protocol", "the HTTP reply to %s from %s (Server: %s) held no AMI response: "
                               "not Asterisk's manager" % (name, self.url, self.server or "not named"))
        raise AmijsonError("protocol", "the HTTP reply to %s ended before its list completed" % name)

    def identity(self):
        """(the Server header, None): HTTP has no banner; its Server header names Asterisk."""
        return self.server, None

    def login_and_call(self, user, secret, name, headers, auth, events, keep_run=None, output_sink=None,
                       later=None):
        # output_sink goes unused: the whole body comes at once, nothing arrives to overlap.
        if later is None:
            self.login(user, secret, auth, events)
            return self.call(name, headers, keep_run=keep_run)
        from amijson.deferred import arrange
        action_id = self.ids.next()
        awaited, events, before = arrange(later, action_id, headers, events)
        self.login(user, secret, auth, events)
        for other, other_headers in before:
            self.call(other, other_headers)  # a Filter refused (no system class) only lets more events by
        action_id, messages = self.post(name, headers, action_id=action_id)
        return self.wait_for(name, self._exchange(name, action_id, messages, keep_run, awaited))

    def wait_for(self, name, exchange):
        """Complete ``exchange`` with its awaited event. An HTTP session holds its events
        until asked: ``WaitEvent`` answers once any event is queued (Asterisk looks each
        second), or at its Timeout, with every event since the last one it handed out
        that the session's mask and filters let through; so it is asked again until ours
        came. Its Timeout stays within what is left of the run."""
        while not exchange.done:
            seconds = max(1, min(WAIT_EVENT_MOST, int(self.deadline.remaining())))
            _action_id, messages = self.post("WaitEvent", [("Timeout", str(seconds))])
            for message in messages:
                if exchange.handle(message):
                    break
        return exchange

    def login_and_call_all(self, user, secret, actions, auth, events):
        self.login(user, secret, auth, events)
        return self.call_all(actions)

    def login(self, user, secret, auth, events):
        challenge = self.call("Challenge", [("AuthType", "MD5")]).response if auth == "md5" else None
        headers, redact = login_headers(user, secret, events, challenge)
        reply = self.call("Login", headers, redact).response
        self.exchange = None
        check_login(reply, user)
        self.logged_in = True

    def logoff(self):
        """End the session on Asterisk's side at once (else it lingers for http.conf's
        session timeout); never raises. The answer is not waited for: Asterisk acts on
        the request as it reads it. A server that closed after the last answer gets a
        new connection for it."""
        if not self.logged_in:
            return
        self.logged_in = False
        self.deadline = self.logoff_deadline
        request = self._request([("Action", "Logoff"), ("ActionID", self.ids.next())])
        for _attempt in range(2):  # the kept connection, then a new one if that one is gone
            try:
                if self.connection is None:
                    self._connect()
                self.connection.deadline = self.deadline
                self.connection.send(request)
                return
            except Exception:  # closed under us, or the server is gone: try a fresh connection once
                self.close()

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run(settings, request, deadline, environ=None, reader=None):
    """The Answer to ``request`` over Asterisk's HTTP server; AmijsonError, carrying
    the Answer so far, when it fails."""
    return answer_over(settings, request, "http", _opener(settings, deadline))


def run_batch(settings, batch, deadline, environ=None):
    """The Answer to a ``Batch`` (one Answer per request in its ``parts``) in one HTTP
    session: one login, the actions pipelined."""
    return answer_over(settings, batch, "http", _opener(settings, deadline), converse_batch)


def _opener(settings, deadline):
    return lambda: HttpAmiSession(settings, deadline, open_transcript(settings))
