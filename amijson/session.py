"""One AMI session: banner, login, one action (or several), logoff.

The I/O driver around the sans-IO pieces: ``AmiParser`` turns received bytes
into messages, ``ActionExchange`` picks one action's reply out of them. This
module only moves bytes between them and a ``Connection``, and maps Asterisk's
answers to amijson's error codes.
"""

import time

from amijson.conversation import ManagerSession
from amijson.errors import AmijsonError
from amijson.exchange import ActionExchange, ActionIdCounter, is_error
from amijson.wire import DEFAULT_RUN_AFTER, AmiParser, Banner, MessageRun, ProtocolError, format_action

# Asterisk writes a long reply a line or an event at a time, so reading as soon
# as anything arrives takes a 5,000-line Command reply in some 800 reads, each a
# wake-up and a pass of the parser. Past COALESCE_AFTER bytes, a read that
# brought less than SMALL_READ is followed by a pause of COALESCE_WAIT seconds
# before the next, which then takes what came meanwhile in one piece. A small
# run never gets that far, so it never waits.
COALESCE_AFTER = 65536
SMALL_READ = 16384
COALESCE_WAIT = 0.0005


def md5_key(challenge, secret):
    """Login key for AuthType MD5: lowercase hex MD5 of challenge + secret."""
    data = (challenge + secret).encode("utf-8")
    try:
        from _md5 import md5  # the builtin module: no OpenSSL load at start-up
    except ImportError:
        from hashlib import md5
    return md5(data).hexdigest()


def login_headers(user, secret, events, challenge=None):
    """(Login's headers, the ones --debug hides): the plain secret, or, given the
    reply to an MD5 ``Challenge``, the key made from it."""
    headers = [("Username", user)]
    if challenge is None:
        headers.append(("Secret", secret))
        redact = ("Secret",)
    else:
        if is_error(challenge) or not challenge.get("Challenge"):
            raise AmijsonError("auth", "MD5 challenge refused: %s" % (challenge.get("Message") or "no challenge"))
        headers += [("AuthType", "MD5"), ("Key", md5_key(challenge.get("Challenge"), secret))]
        redact = ("Key",)
    headers.append(("Events", events))
    return headers, redact


def check_login(reply, user):
    """An ``auth`` error unless Login's ``reply`` accepted ``user``."""
    if is_error(reply):
        raise AmijsonError("auth", "login as %r refused: %s" % (user, reply.get("Message") or "no reason given"))


def check_size(received, max_bytes, what):
    """A ``protocol`` error once more than ``max_bytes`` came: a run's memory stays bounded."""
    if received > max_bytes:
        raise AmijsonError("protocol", "Asterisk sent more than %d MiB %s; --max-size raises the limit"
                           % (max_bytes >> 20, what))


BANNER_WAIT = "waiting for the AMI banner"


def _silent_peer(exc, connection):
    """A deadline that passed before the banner came, said of the peer: Asterisk speaks
    first, so "passed waiting for the AMI banner" read as if amijson were to send it."""
    if exc.code != "timeout" or not exc.message.endswith(BANNER_WAIT):
        return exc
    return AmijsonError("timeout", "%s, and %s sent no AMI banner: Asterisk's AMI sends one as soon as it "
                        "accepts a connection" % (exc.message[:-len(BANNER_WAIT)].rstrip(),
                                                 getattr(connection, "peer", None) or "the peer"))


class AmiSession(ManagerSession):
    def __init__(self, connection, fallback_encoding="latin-1", transcript=None, max_bytes=64 << 20, share=None,
                 runs=True):
        self.connection = connection
        # runs=False: a watch of events, which differ in shape one from the next, so a
        # MessageRun never forms and every new shape would cost a regex compiled in vain.
        self.parser = AmiParser(fallback_encoding=fallback_encoding, max_message=max_bytes,
                                run_after=DEFAULT_RUN_AFTER if runs else None)
        # All a run keeps is bounded: past max_bytes received, it stops with an error
        # rather than holding an endless list in memory.
        self.max_bytes = max_bytes
        self.share = share  # in a fleet, this PBX's draw on the run's one budget (amijson.budget)
        self.received = 0
        self.last_read = 0
        self.exchange = None  # the action under way, so a failure can still show its reply
        self.ids = ActionIdCounter()
        self.pending = []
        self.banner = None
        self.logged_in = False
        self.unrelated = 0
        self.transcript = transcript  # amijson.debug.Transcript for --debug, or None

    def _read_more(self, what):
        if self.received > COALESCE_AFTER and self.last_read < SMALL_READ:
            time.sleep(COALESCE_WAIT)
        data = self.connection.recv(what)
        self.last_read = len(data)
        if self.transcript:
            self.transcript("<", data)
        if not data:
            raise AmijsonError("protocol", "Asterisk closed the connection %s" % what)
        self.received += len(data)
        check_size(self.received, self.max_bytes, what)
        if self.share is not None:
            self.share.take(len(data), what)
        try:
            self.pending.extend(self.parser.feed(data))
        except ProtocolError as exc:
            raise AmijsonError("protocol", str(exc))
        tap = self.exchange.tap if self.exchange is not None else None
        if tap is not None:
            tap.take(self.parser)

    def read_banner(self):
        """The peer's banner (read once: a later call returns it again)."""
        if self.banner is not None:
            return self.banner
        while not self.pending:
            try:
                self._read_more(BANNER_WAIT)
            except AmijsonError as exc:
                raise _silent_peer(exc, self.connection)
        item = self.pending.pop(0)
        if not isinstance(item, Banner):  # pragma: no cover - the parser yields it first
            raise AmijsonError("protocol", "no AMI banner")
        self.banner = item
        return item

    def _format(self, name, headers, redact=(), action_id=None):
        """(ActionID, bytes) of one action, shown in the transcript."""
        action_id = action_id or self.ids.next()
        try:
            data = format_action(name, [("ActionID", action_id)] + list(headers))
        except ValueError as exc:
            raise AmijsonError("usage", str(exc))
        if self.transcript:
            self.transcript(">", data, redact)
        return action_id, data

    def _collect(self, exchange, name, keep_rest=False):
        """Read until ``exchange`` has its reply (and list). What came after it
        is dropped, unless ``keep_rest``: then it is a later action's."""
        while True:
            pending = self.pending
            for index, item in enumerate(pending):
                if exchange.handle(item):
                    self.unrelated += exchange.unrelated
                    rest = pending[index + 1:]
                    if not keep_rest:
                        self.unrelated += len(rest)
                        rest = []
                    self.pending = rest
                    return exchange
            pending.clear()
            self._read_more(exchange.waiting_for(name))

    def login_and_call(self, user, secret, name, headers=(), auth="md5", events="off", keep_run=None,
                       output_sink=None, later=None):
        """Read the banner, log in and run one action; Login and the action are
        sent in one write.

        Nothing is sent before a valid AMI banner has arrived: whatever listens
        on the port (another local user's program while Asterisk restarts, say)
        gets neither the user name nor the MD5 challenge's request, let alone a
        secret, unless it first shows itself as AMI. Asterisk runs a session's
        actions in the order sent, and after a failed login it answers that
        failure and closes the session, so the action never runs
        unauthenticated; sending the two together saves a round trip. The MD5
        challenge (when asked for) comes first: the key needs it.

        ``later`` (an ``amijson.deferred.Later``): the action's result comes as an
        event, which the session then logs in to receive, asks Asterisk to send alone
        (a ``Filter`` before the action) and waits for."""
        awaited = None
        if later is None:
            (action_id,) = self.log_in_with(user, secret, [(name, headers)], auth, events)
        else:
            from amijson.deferred import arrange
            action_id = self.ids.next()  # the Filter before the action names it
            awaited, events, before = arrange(later, action_id, headers, events)
            self.log_in_with(user, secret, before + [(name, headers, action_id)], auth, events)
        exchange = self.exchange = ActionExchange(action_id, keep_run, output_sink, awaited)
        return self._collect(exchange, name)

    def login_and_call_all(self, user, secret, actions, auth="md5", events="off"):
        """As ``login_and_call``, for several actions ((name, headers) pairs): Login and
        all of them go in one write, and each reply is picked out by its ActionID."""
        ids = self.log_in_with(user, secret, actions, auth, events)
        return self._collect_all([ActionExchange(action_id) for action_id in ids], [name for name, _ in actions])

    def log_in_with(self, user, secret, actions, auth, events):
        """Banner, the MD5 challenge when asked for, then Login and ``actions`` in one
        write; the actions' ActionIDs once the login was accepted. What came after the
        Login's reply stays in ``pending`` (the events verb reads its replies and events there)."""
        self.read_banner()
        challenge = None
        if auth == "md5":
            challenge = self.call("Challenge", [("AuthType", "MD5")]).response
        headers_for_login, redact = login_headers(user, secret, events, challenge)
        self.exchange = None  # a failure from here on is not the challenge's
        login_id, data = self._format("Login", headers_for_login, redact)
        ids = []
        for name, headers, *given in actions:  # given: the ActionID chosen beforehand, if any
            action_id, action_data = self._format(name, headers, (), *given)
            ids.append(action_id)
            data += action_data
        self.connection.send(data)
        try:
            reply = self._collect(ActionExchange(login_id), "Login", keep_rest=True).response
        except AmijsonError as exc:
            if exc.code == "protocol":  # closed without an answer: refused all the same
                raise AmijsonError("auth", "login as %r refused: Asterisk closed the connection" % user)
            raise
        check_login(reply, user)
        self.logged_in = True
        return ids

    def _collect_all(self, exchanges, names):
        """Read until every one of ``exchanges`` has its reply (and list). Each message
        goes to the exchange its ActionID names (a run: its template's), whatever the
        order they come in; one no exchange waits for is unrelated."""
        by_id = {exchange.action_id: exchange for exchange in exchanges}
        waiting = 0
        while True:
            for item in self.pending:
                template = item.template if type(item) is MessageRun else item
                exchange = by_id.get(template.get("ActionID", "").strip())
                if exchange is None or exchange.done:
                    self.unrelated += item.count if type(item) is MessageRun else 1
                else:
                    exchange.handle(item)
            self.pending = []
            while waiting < len(exchanges) and exchanges[waiting].done:
                waiting += 1
            if waiting == len(exchanges):
                self.unrelated += sum(exchange.unrelated for exchange in exchanges)
                return exchanges
            exchange = self.exchange = exchanges[waiting]
            self._read_more(exchange.waiting_for(names[waiting]))

    def send_actions(self, actions):
        """Send (name, headers) actions in one write, once logged in, without waiting for
        their replies; their ActionIDs (the events verb reads the replies among the events)."""
        ids, data = [], b""
        for name, headers in actions:
            action_id, action_data = self._format(name, headers)
            ids.append(action_id)
            data += action_data
        if data:
            self.connection.send(data)
        return ids

    def call_all(self, actions):
        """Each action's ActionExchange ((name, headers) pairs, in order) once the session
        has logged in: all of them in one write, each reply picked out by its ActionID."""
        ids = self.send_actions(actions)
        if not ids:
            return []
        return self._collect_all([ActionExchange(action_id) for action_id in ids], [name for name, _ in actions])

    def call(self, name, headers=()):
        """One action and its reply: its ActionExchange (the MD5 challenge before the
        login, or one more action once the session has logged in)."""
        action_id, data = self._format(name, headers)
        self.connection.send(data)
        exchange = self.exchange = ActionExchange(action_id)
        return self._collect(exchange, name)

    def is_verified_tls(self):
        return self.connection.is_verified_tls()

    def identity(self):
        """(banner text, AMI version) once the banner came, else (None, None)."""
        if self.banner is None:
            return None, None
        return self.banner.text, self.banner.version

    def close(self):
        self.connection.close()
        if self.transcript:
            self.transcript.flush()

    def logoff(self):
        """Say goodbye so the session ends on Asterisk's side at once; never raises.

        The Goodbye is not waited for: Asterisk ends the session when it reads
        the Logoff, or when the connection closes, whichever it sees first. It
        goes out without waiting, even once the deadline passed (a run that timed
        out while an Originate rang still says goodbye)."""
        if not self.logged_in:
            return
        self.logged_in = False
        try:
            data = self._format("Logoff", ())[1]
        except Exception:  # the --debug transcript's stream may be gone: nothing left to say
            return
        self.connection.send_now(data)
