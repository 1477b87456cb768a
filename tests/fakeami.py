"""A scripted AMI server for what a real Asterisk 22 cannot show.

Used only for other versions' wire formats (the Asterisk 13 Command reply, the
Asterisk 11 lists without ``EventList``) and, later, hostile peers. Every
transcript below names the Asterisk release whose source it follows
(``main/manager.c`` and ``main/cli.c`` at that tag); the bytes are the ones
``astman_append``/``astman_send_*`` write there.
"""

import socket
import threading
import time
from urllib.parse import parse_qsl


def _headers(block):
    headers = {}
    for line in block.replace(b"\r\n", b"\n").split(b"\n"):
        key, _, value = line.decode("utf-8", "replace").partition(":")
        headers.setdefault(key.strip().lower(), value.strip())
    return headers


def aid_line(headers):
    action_id = headers.get("actionid")
    return b"ActionID: %s\r\n" % action_id.encode() if action_id else b""


# --- Asterisk 13.38.3 (AMI 2.10.6) ------------------------------------------------

BANNER_13 = b"Asterisk Call Manager/2.10.6\r\n"
BANNER_11 = b"Asterisk Call Manager/1.3\r\n"  # Asterisk 11.25.3


def challenge_13(h):
    # action_challenge: no Message header, a decimal from ast_random()
    return b"Response: Success\r\n" + aid_line(h) + b"Challenge: 1804289383\r\n\r\n"


def login_13(h):
    # action_login success, then FullyBooted (no ActionID) when events are on;
    # amijson asks Events: off but a broken server may send it anyway.
    return (b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n"
            b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n")


def logoff_13(h):
    return b"Response: Goodbye\r\n" + aid_line(h) + b"Message: Thanks for all the fish.\r\n\r\n"


def login_refused_13(h):
    """action_login with a wrong secret (or key); Asterisk then ends the session."""
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Authentication failed\r\n\r\n"


def unknown_action_13(h):
    return (b"Response: Error\r\n" + aid_line(h) + b"Message: Invalid/unknown command: %s. "
            b"Use Action: ListCommands to show available commands.\r\n\r\n" % h.get("action", "").encode())


def command_follows_13(cli_text):
    """action_command in 11.x-13.x: Follows, Privilege, ActionID, raw text, marker glued on."""
    def reply(h):
        return (b"Response: Follows\r\nPrivilege: Command\r\n" + aid_line(h)
                + cli_text + b"--END COMMAND--\r\n\r\n")
    return reply


def status_11(channels):
    """action_status in 11.25.3: plain ack, Status events with ActionID last,
    StatusComplete with Items and no EventList."""
    def reply(h):
        aid = aid_line(h)
        out = [b"Response: Success\r\n" + aid + b"Message: Channel status will follow\r\n\r\n"]
        for name, uniqueid in channels:
            out.append(b"Event: Status\r\nPrivilege: Call\r\nChannel: " + name + b"\r\n"
                       b"CallerIDNum: 100\r\nCallerIDName: <unknown>\r\n"
                       b"ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\n"
                       b"Accountcode: \r\nChannelState: 6\r\nChannelStateDesc: Up\r\n"
                       b"Context: default\r\nExtension: 200\r\nPriority: 1\r\nSeconds: 42\r\n"
                       b"Uniqueid: " + uniqueid + b"\r\n" + aid + b"\r\n")
        out.append(b"Event: StatusComplete\r\n" + aid + b"Items: %d\r\n\r\n" % len(channels))
        return b"".join(out)
    return reply


def queue_status_11(h):
    """11.25.3 QueueStatus: plain ack, QueueStatusComplete with no EventList or count."""
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"Message: Queue status will follow\r\n\r\n"
            b"Event: QueueParams\r\nQueue: support\r\nMax: 0\r\nStrategy: ringall\r\nCalls: 0\r\n"
            b"Holdtime: 0\r\nTalkTime: 0\r\nCompleted: 0\r\nAbandoned: 0\r\nServiceLevel: 0\r\n"
            b"ServicelevelPerf: 0.0\r\nWeight: 0\r\n" + aid + b"\r\n"
            # an unsolicited event between items must not be mixed in
            b"Event: PeerStatus\r\nPrivilege: system,all\r\nChannelType: SIP\r\nPeer: SIP/100\r\n"
            b"PeerStatus: Registered\r\n\r\n"
            b"Event: QueueMember\r\nQueue: support\r\nName: Alice\r\nLocation: SIP/101\r\n"
            b"Membership: static\r\nPenalty: 0\r\nCallsTaken: 0\r\nLastCall: 0\r\nStatus: 1\r\n"
            b"Paused: 0\r\n" + aid + b"\r\n"
            b"Event: QueueStatusComplete\r\n" + aid + b"\r\n")


def core_show_channels_11(h):
    """11.25.3: CoreShowChannelsComplete carries EventList and ListItems, ActionID last."""
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Channels will follow\r\n\r\n"
            b"Event: CoreShowChannel\r\n" + aid + b"Channel: SIP/100-00000001\r\nUniqueID: 1700000000.1\r\n"
            b"Context: default\r\nExtension: 200\r\nPriority: 1\r\nChannelState: 6\r\n"
            b"ChannelStateDesc: Up\r\nApplication: Dial\r\nApplicationData: SIP/200\r\n"
            b"CallerIDnum: 100\r\nCallerIDname: \r\nConnectedLineNum: \r\nConnectedLineName: \r\n"
            b"Duration: 00:00:42\r\nAccountCode: \r\nBridgedChannel: \r\nBridgedUniqueID: \r\n\r\n"
            b"Event: CoreShowChannelsComplete\r\nEventList: Complete\r\nListItems: 1\r\n" + aid + b"\r\n")


# --- AMI over HTTP (POST /rawman) ---------------------------------------------------

def http_reply_11(body, cookie="0badcafe", status=b"200 OK"):
    """11.25.3 (main/http.c ast_http_send; main/manager.c generic_http_callback adds the
    cookie): every response says Connection: close and the server closes after it."""
    return (b"HTTP/1.1 " + status + b"\r\nServer: Asterisk/11.25.3\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n"
            b"Connection: close\r\nCache-Control: no-cache, no-store\r\nContent-Length: %d\r\n"
            b"Content-type: text/plain\r\nCache-Control: no-cache;\r\n"
            b'Set-Cookie: mansession_id="%s"; Version=1; Max-Age=60\r\nPragma: SuppressEvents\r\n\r\n'
            % (len(body), cookie.encode())) + body


def http_reply_22(body, cookie="0badcafe", status=b"200 OK", chunks=None):
    """22.x (main/http.c ast_http_send): the connection stays open for the next request.
    ``chunks``: re-send the body in chunks of that size, as a proxy in front of it may."""
    head = (b"HTTP/1.1 " + status + b"\r\nServer: Asterisk/22.10.1\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n"
            b"Cache-Control: no-cache, no-store\r\nContent-type: text/plain\r\n"
            b'Set-Cookie: mansession_id="%s"; Version=1; Max-Age=60\r\nPragma: SuppressEvents\r\n'
            % cookie.encode())
    if chunks is None:
        return head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    pieces = [body[i:i + chunks] for i in range(0, len(body), chunks)]
    return (head + b"Transfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n")


class Peer:
    """One accepted connection, as a scenario sees it."""

    def __init__(self, conn, server):
        self.conn = conn
        self.server = server
        self.buf = b""

    def send(self, data):
        self.conn.sendall(data)

    def dribble(self, data, interval):
        for i in range(len(data)):
            self.conn.sendall(data[i:i + 1])
            time.sleep(interval)

    def expect(self):
        """The next action the client sends (its headers, keys lowercased); None at EOF."""
        while b"\n\n" not in self.buf:
            data = self.conn.recv(65536)
            if not data:
                return None
            self.buf += data.replace(b"\r\n", b"\n")
        block, self.buf = self.buf.split(b"\n\n", 1)
        headers = _headers(block)
        self.server.received.append(headers)
        return headers

    def expect_http(self):
        """The next HTTP request's form fields as AMI headers (keys lowercased), plus
        ``_path`` and ``_cookie``; None at EOF."""
        while b"\r\n\r\n" not in self.buf:
            data = self.conn.recv(65536)
            if not data:
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        fields = dict((k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
        length = int(fields.get("content-length", "0"))
        while len(self.buf) < length:
            data = self.conn.recv(65536)
            if not data:
                return None
            self.buf += data
        body, self.buf = self.buf[:length], self.buf[length:]
        headers = {k.lower(): v for k, v in parse_qsl(body.decode("ascii"), keep_blank_values=True)}
        headers["_path"] = lines[0].split(" ")[1]
        headers["_cookie"] = fields.get("cookie")
        self.server.received.append(headers)
        return headers

    def wait_closed(self, limit=30):
        """Stay silent until the client goes away (or ``limit`` seconds pass)."""
        self.conn.settimeout(limit)
        try:
            while self.conn.recv(65536):
                pass
        except OSError:
            pass


class ScriptedAmi:
    """Serve ``scenario(peer)`` to each connection on 127.0.0.1, in its own thread.
    ``received`` collects every action any client sent."""

    def __init__(self, scenario, host="127.0.0.1", port=0):
        self.scenario = scenario
        self.received = []
        self.errors = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.address = self.sock.getsockname()
        self.port = self.address[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn):
        with conn:
            try:
                self.scenario(Peer(conn, self))
            except OSError as exc:  # the client went away mid-script: that is often the point
                self.errors.append(exc)

    def actions(self):
        return [h.get("action", "").lower() for h in self.received]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FakeAmi(ScriptedAmi):
    """A well-behaved AMI of another version: ``replies`` maps a lowercase action
    name to ``f(headers) -> bytes``; an action without a script gets Asterisk's
    unknown-action error. Logoff closes the connection, as Asterisk does."""

    def __init__(self, banner=BANNER_13, replies=None, host="127.0.0.1", port=0):
        self.banner = banner
        self.replies = {"challenge": challenge_13, "login": login_13, "logoff": logoff_13}
        self.replies.update(replies or {})
        super().__init__(self._converse, host, port)

    def _converse(self, peer):
        peer.send(self.banner)
        while True:
            headers = peer.expect()
            if headers is None:
                return
            action = headers.get("action", "").lower()
            peer.send(self.replies.get(action, unknown_action_13)(headers))
            if action == "logoff":
                return


# --- for hostile values: replies with nothing to show, and a decoy ----------------------

class Decoy(ScriptedAmi):
    """Accepts and records every connection on (host, port): where a hostile value would lead if
    it were read as an option. A test that passes such values asserts ``connections`` stays
    empty; each entry is [the client's address, the first bytes it sent]."""

    def __init__(self, host="127.0.0.2", port=0):
        self.connections = []
        super().__init__(self._note, host, port)

    def _note(self, peer):
        try:
            address = peer.conn.getpeername()
        except OSError:  # already gone: it still came here
            address = None
        entry = [address, b""]
        self.connections.append(entry)  # first, so no failure below can hide the connection
        peer.conn.settimeout(1)
        try:
            entry[1] = peer.conn.recv(65536)
        except OSError:
            pass

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() loop; close() alone would not
        except OSError:
            pass
        super().close()


def queue_status_13(h):
    """13.38.3 QueueStatus with no queue to show."""
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Queue status will follow\r\n\r\n"
            b"Event: QueueStatusComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 0\r\n\r\n")


def db_get_13(h):
    """13.38.3 DBGet of a key that is not there."""
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Database entry not found\r\n\r\n"


# --- in memory -------------------------------------------------------------------------

class ScriptedConnection:
    """FakeAmi without a socket, for in-process tests: stands in for
    ``amijson.transport.Connection`` (``send``, ``recv``, ``is_verified_tls``, ``close``).

    ``replies`` as FakeAmi's. Each action sent is answered at once; ``recv`` hands the answers
    out ``read_size`` bytes at a time (all there is when None), and b"" once nothing is left, as
    a peer that closed would. After an action named in ``closes_after`` the peer has closed:
    later actions are noted but get no answer (Asterisk ends the session after Logoff, and after
    a refused Login)."""

    def __init__(self, banner=BANNER_13, replies=None, verified=False, read_size=None,
                 closes_after=("logoff",)):
        self.replies = {"challenge": challenge_13, "login": login_13, "logoff": logoff_13}
        self.replies.update(replies or {})
        self.incoming = bytearray(banner)
        self.verified = verified
        self.read_size = read_size
        self.closes_after = closes_after
        self.writes = []  # the bytes of each send(), in order
        self.received = []  # each action's headers, keys lowercased (as ScriptedAmi.received)
        self.peer_closed = False
        self.closed = False
        self._buf = b""

    def send(self, data):
        assert not self.closed, "send() after close()"
        self.writes.append(data)
        self._buf += data.replace(b"\r\n", b"\n")
        while b"\n\n" in self._buf:
            block, self._buf = self._buf.split(b"\n\n", 1)
            headers = _headers(block)
            self.received.append(headers)
            if self.peer_closed:
                continue
            action = headers.get("action", "").lower()
            self.incoming += self.replies.get(action, unknown_action_13)(headers)
            if action in self.closes_after:
                self.peer_closed = True

    def recv(self, what="waiting for Asterisk"):
        size = len(self.incoming) if self.read_size is None else self.read_size
        data = bytes(self.incoming[:size])
        del self.incoming[:size]
        return data

    def actions(self):
        return [h.get("action", "").lower() for h in self.received]

    def is_verified_tls(self):
        return self.verified

    def close(self):
        self.closed = True
