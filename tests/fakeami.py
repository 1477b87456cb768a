"""A scripted AMI server for what a real Asterisk 22 cannot show.

Used only for other versions' wire formats (the Asterisk 13 Command reply, the
Asterisk 11 lists without ``EventList``) and for hostile or odd peers, such as
Asterisk 22.9.0's manager around Originate and the AGI action (Manager22,
asterisk_22, HttpAsterisk22: an OriginateResponse that never comes, or comes
after another client's, with a Reason that is not a number). Every
transcript below names the Asterisk release whose source it follows
(``main/manager.c`` and ``main/cli.c`` at that tag); the bytes are the ones
``astman_append``/``astman_send_*`` write there.
"""

import re
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


def pjsip_endpoints_13(endpoints):
    """13.38.3's answers to what the endpoints query asks over AMI, for ``endpoints`` ((name,
    device state) pairs, each with an AOR of its name and no contact): PJSIPShowEndpoints
    (res/res_pjsip/pjsip_configuration.c: ActiveChannels empty, as in 16), PJSIPShowEndpoint
    (EndpointDetail, with the fields amijson reads of its objectset, then the AOR's AorDetail) and
    CoreShowChannels with no channel (main/manager.c). A mapping of lowercase action names."""
    def listing(h):
        aid = aid_line(h)
        if not endpoints:
            return b"Response: Error\r\n" + aid + b"Message: No endpoints found\r\n\r\n"
        return (b"Response: Success\r\n" + aid + b"EventList: start\r\n"
                b"Message: A listing of Endpoints follows, presented as EndpointList events\r\n\r\n"
                + b"".join(b"Event: EndpointList\r\n" + aid + b"ObjectType: endpoint\r\nObjectName: %s\r\n"
                           b"Transport: \r\nAor: %s\r\nAuths: \r\nOutboundAuths: \r\nContacts: \r\n"
                           b"DeviceState: %s\r\nActiveChannels: \r\n\r\n"
                           % (name.encode(), name.encode(), state.encode()) for name, state in endpoints)
                + b"Event: EndpointListComplete\r\n" + aid + b"EventList: Complete\r\nListItems: %d\r\n\r\n"
                % len(endpoints))

    def detail(h):
        aid = aid_line(h)
        name = h.get("endpoint", "")
        states = dict(endpoints)
        if name not in states:
            return b"Response: Error\r\n" + aid + b"Message: Unable to retrieve endpoint %s\r\n\r\n" % name.encode()
        return (b"Response: Success\r\n" + aid + b"EventList: start\r\n"
                b"Message: Following are Events for each object associated with the Endpoint\r\n\r\n"
                b"Event: EndpointDetail\r\n" + aid + b"ObjectType: endpoint\r\nObjectName: %s\r\n"
                b"Context: default\r\nAors: %s\r\nCallerid: <unknown>\r\nDeviceState: %s\r\n"
                b"ActiveChannels: \r\n\r\n" % (name.encode(), name.encode(), states[name].encode())
                + b"Event: AorDetail\r\n" + aid + b"ObjectType: aor\r\nObjectName: %s\r\nContacts: \r\n"
                b"TotalContacts: 0\r\nContactsRegistered: 0\r\nEndpointName: %s\r\n\r\n"
                % (name.encode(), name.encode())
                + b"Event: EndpointDetailComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 2\r\n\r\n")

    def channels(h):
        aid = aid_line(h)
        return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Channels will follow\r\n\r\n"
                b"Event: CoreShowChannelsComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 0\r\n\r\n")

    return {"pjsipshowendpoints": listing, "pjsipshowendpoint": detail, "coreshowchannels": channels}


# --- Asterisk 22.9.0 (AMI 11.0.0): Originate and the events that finish actions ----------------
#
# These follow main/manager.c and res/res_agi.c at tag 22.9.0 (fast_originate and
# action_originate are the same in 16.28.0): what a real Asterisk sends, for the scripts
# of what it will not do on demand (an OriginateResponse that never comes, a foreign one
# first, a Reason that is not a number, a 1 MB event).

BANNER_22 = b"Asterisk Call Manager/11.0.0\r\n"


def challenge_22(h):
    """22.9.0 action_challenge: astman_start_ack, then the challenge (a decimal from ast_random())."""
    return b"Response: Success\r\n" + aid_line(h) + b"Challenge: 1804289383\r\n\r\n"


def login_22(h):
    """22.9.0 action_login success. FullyBooted follows only when the session's event mask and
    read class include ``system``; amijson asks ``Events: off``, ``call`` or ``agi``."""
    events = h.get("events", "").lower()
    booted = events in ("on", "yes", "true") or "system" in events.split(",")
    return (b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n"
            + (b"Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 42\r\nLastReload: 42\r\n"
               b"Status: Fully Booted\r\n\r\n" if booted else b""))


def logoff_22(h):
    return b"Response: Goodbye\r\n" + aid_line(h) + b"Message: Thanks for all the fish.\r\n\r\n"


def filter_ack_22(h):
    """22.9.0 action_filter, Operation: Add, the filter compiled: astman_send_ack(s, m, "Success")."""
    return b"Response: Success\r\n" + aid_line(h) + b"Message: Success\r\n\r\n"


def permission_denied_22(h):
    """22.9.0 process_message: an action the user's write classes do not allow (Filter needs
    ``system``)."""
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Permission denied\r\n\r\n"


def unknown_action_22(h):
    return (b"Response: Error\r\n" + aid_line(h) + b"Message: Invalid/unknown command: %s. "
            b"Use Action: ListCommands to show available commands.\r\n\r\n" % h.get("action", "").encode())


def originate_ack_22(h):
    """22.9.0 action_originate, Async true and the helper thread started (and a sync Originate
    whose call was answered: the same words): astman_send_ack."""
    return b"Response: Success\r\n" + aid_line(h) + b"Message: Originate successfully queued\r\n\r\n"


def originate_failed_22(h):
    """22.9.0 action_originate, sync, the call not answered: astman_send_error."""
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Originate failed\r\n\r\n"


def extension_missing_22(h):
    """22.9.0 action_originate checks Context/Exten/Priority before it dials (16.28 does not)."""
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Extension does not exist.\r\n\r\n"


def originate_response_22(h, reason=4, channel=None, response=None, uniqueid=None, action_id=None,
                          caller_id_name=b"<unknown>"):
    """22.9.0 (and 16.28.0) fast_originate's event, sent to every session whose event mask and
    read class hold ``call`` (EVENT_FLAG_CALL). ``h``: the Originate's headers, as the peer got
    them. ``Response`` is Success only when the call was answered (reason 4) unless given;
    ``reason`` goes out as given (bytes or str too: what a broken peer may send). ``Channel``:
    the channel made, or TECH/DATA as requested when none was. ``Uniqueid``: the channel's, which
    is the ChannelId when one was given, else ``<unknown>`` when no channel was made. The
    application form names Application/Data, the exten form Context/Exten. ``action_id``
    overrides the ActionID (another client's event); ``caller_id_name`` is the CallerID's name
    part given to the Originate (bytes)."""
    if response is None:
        response = "Success" if str(reason) == "4" else "Failure"
    if channel is None:
        channel = h.get("channel", "")
    if uniqueid is None:
        uniqueid = h.get("channelid") or "<unknown>"
    if action_id is None:
        aid = aid_line(h)
    else:
        aid = b"ActionID: %s\r\n" % action_id.encode()
    if isinstance(reason, int):
        reason = b"%d" % reason
    elif isinstance(reason, str):
        reason = reason.encode()
    if h.get("application"):
        where = (b"Application: " + h["application"].encode() + b"\r\nData: "
                 + h.get("data", "").encode() + b"\r\n")
    else:
        where = (b"Context: " + h.get("context", "").encode() + b"\r\nExten: "
                 + h.get("exten", "").encode() + b"\r\n")
    return (b"Event: OriginateResponse\r\nPrivilege: call,all\r\n" + aid
            + b"Response: " + response.encode() + b"\r\nChannel: "
            + (channel if isinstance(channel, bytes) else channel.encode()) + b"\r\n" + where
            + b"Reason: " + reason + b"\r\nUniqueid: " + uniqueid.encode()
            + b"\r\nCallerIDNum: <unknown>\r\nCallerIDName: " + caller_id_name + b"\r\n\r\n")


def agi_ack_22(h):
    """22.9.0 res_agi.c action_add_agi_cmd: the command queued on the channel."""
    return b"Response: Success\r\n" + aid_line(h) + b"Message: Added AGI command to queue\r\n\r\n"


def async_agi_exec_22(h, result=b"200%20result%3D1%0A", command_id=None):
    """22.9.0 (and 16.28.0) res_agi.c: AsyncAGIExec, an ``agi`` class event made from a stasis
    channel blob: the channel snapshot's headers (ast_manager_build_channel_state_string), then
    the blob's keys in order: ``Result`` (the AGI reply, ast_uri_encode'd) and the command's id
    under the key ``CommandId`` (so spelt in the source, whatever the documentation says). No
    ActionID."""
    command_id = h.get("commandid", "") if command_id is None else command_id
    channel = h.get("channel", "Local/wait@amijson-test-0000002a;2").encode()
    return (b"Event: AsyncAGIExec\r\nPrivilege: agi,all\r\nChannel: " + channel + b"\r\nChannelState: 6\r\n"
            b"ChannelStateDesc: Up\r\nCallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n"
            b"ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\nAccountCode: \r\n"
            b"Context: amijson-test\r\nExten: agi\r\nPriority: 2\r\nUniqueid: 1764567890.42\r\n"
            b"Linkedid: 1764567890.41\r\nResult: " + result + b"\r\nCommandId: " + command_id.encode()
            + b"\r\n\r\n")


def wait_event_22(h, events=b""):
    """22.9.0 action_waitevent, the body of one POST: the ack, the session's queued events its
    filters let through, then WaitEventComplete (ActionID when the request had one)."""
    return (b"Response: Success\r\n" + aid_line(h) + b"Message: Waiting for Event completed.\r\n\r\n"
            + events + b"Event: WaitEventComplete\r\n" + aid_line(h) + b"\r\n")


class Manager22:
    """What decides which events one Asterisk 22.9.0 manager session gets (main/manager.c): the
    event mask Login's ``Events`` set (set_eventmask: ast_true → all, ast_false → none, else a
    list of class names), the read classes (``all`` here), and the include filters ``Filter``
    added: legacy regex filters, each matched with regexec (REG_EXTENDED) against the whole event
    text; with any of them, an event that matches none is not sent (should_send_event).

    ``event(data)`` sends an event over TCP if the session would get it; over HTTP
    (``http=True``) it queues it for the next ``WaitEvent``, whose handling sets an empty mask
    to all (action_waitevent) before it hands out what passes."""

    CLASSES = ("system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf", "reporting",
               "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message")

    def __init__(self, peer=None, http=False):
        self.peer = peer
        self.http = http
        self.mask = set(self.CLASSES)  # a session that gave no Events header gets all of them
        self.filters = []
        self.queued = []
        self.sent = []  # the events handed to the client, in order

    def login(self, h):
        events = h.get("events")
        if events is None:
            return
        word = events.strip().lower()
        if word in ("yes", "true", "y", "t", "1", "on"):
            self.mask = set(self.CLASSES)
        elif word in ("no", "false", "n", "f", "0", "off"):
            self.mask = set()
        else:
            self.mask = {name.strip() for name in word.split(",")} & set(self.CLASSES)

    def add_filter(self, h):
        """A Filter action's (Operation: Add) pattern as Python's re takes it; POSIX bracket
        classes as amijson uses them ([[:space:]]) become their Python twins."""
        pattern = h.get("filter", "")
        for posix, python in (("[:space:]", r"\s"), ("[:digit:]", r"\d"), ("[:alnum:]", r"a-zA-Z0-9")):
            pattern = pattern.replace(posix, python)
        self.filters.append(re.compile(pattern.encode()))

    def passes(self, data):
        privilege = re.search(rb"\r\nPrivilege: ([a-z]+)", data)
        if privilege is None or privilege.group(1).decode() not in self.mask:
            return False
        return not self.filters or any(f.search(data) for f in self.filters)

    def event(self, data):
        if self.http:
            self.queued.append(data)
        elif self.passes(data):
            self.sent.append(data)
            self.peer.send(data)

    def wait_event(self, h):
        """The body of a WaitEvent: every queued event that passes."""
        out = [data for data in self.queued if self.passes(data)]
        self.queued = []
        self.sent += out
        return wait_event_22(h, b"".join(out))


def asterisk_22(on_action, filter_reply=filter_ack_22):
    """A scenario for ScriptedAmi: Asterisk 22.9.0's manager over TCP for one connection.
    Challenge, Login, Filter (``filter_reply``; the filter holds only when it is acked) and
    Logoff as 22.9.0 answers them; any other action goes to ``on_action(session, headers)``,
    ``session`` a Manager22 whose ``peer`` sends raw bytes and ``event()`` events as that session
    would get them. ``on_action`` returning False ends the conversation there (the peer then
    waits, silent, for the client to go)."""
    def scenario(peer):
        session = Manager22(peer)
        peer.send(BANNER_22)
        while True:
            h = peer.expect()
            if h is None:
                return
            action = h.get("action", "").lower()
            if action == "challenge":
                peer.send(challenge_22(h))
            elif action == "login":
                session.login(h)
                peer.send(login_22(h))
            elif action == "filter":
                reply = filter_reply(h)
                if reply.startswith(b"Response: Success") and h.get("operation", "").lower() == "add":
                    session.add_filter(h)
                peer.send(reply)
            elif action == "logoff":
                peer.send(logoff_22(h))
                return
            elif on_action(session, h) is False:
                peer.wait_closed()
                return
    return scenario


class HttpAsterisk22:
    """A scenario for ScriptedAmi: Asterisk 22.9.0's manager over HTTP (POST /rawman, one
    session whatever the connection: a Logoff may come on a new one). Login, Filter, WaitEvent
    and Logoff as 22.9.0 answers them; any other action goes to ``on_action(session, headers)``,
    which returns the body of its answer and may queue events with ``session.event()``.
    ``waits``: a list of functions, one taken per WaitEvent, each called with the session before
    it answers (to queue an event late). A WaitEvent with nothing to hand out answers after
    ``idle`` seconds, as Asterisk does after its Timeout (whole seconds there)."""

    def __init__(self, on_action, filter_reply=filter_ack_22, waits=(), idle=0.3):
        self.on_action = on_action
        self.filter_reply = filter_reply
        self.waits = list(waits)
        self.idle = idle
        self.session = Manager22(http=True)
        self.wait_events = 0

    def __call__(self, peer):
        session = self.session
        while True:
            h = peer.expect_http()
            if h is None:
                return
            action = h.get("action", "").lower()
            if action == "login":
                session.login(h)
                body = b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n"
            elif action == "filter":
                body = self.filter_reply(h)
                if body.startswith(b"Response: Success") and h.get("operation", "").lower() == "add":
                    session.add_filter(h)
            elif action == "waitevent":
                self.wait_events += 1
                if not session.mask:
                    session.mask = set(session.CLASSES)  # action_waitevent: send_events = -1
                if self.waits:
                    self.waits.pop(0)(session)
                if not any(session.passes(data) for data in session.queued):
                    time.sleep(self.idle)
                body = session.wait_event(h)
            elif action == "logoff":
                peer.send(http_reply_22(logoff_22(h)))
                return
            else:
                body = self.on_action(session, h)
            peer.send(http_reply_22(body))


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

    def send_now(self, data):
        """As ``Connection.send_now``: a last word that never raises."""
        if not self.closed:
            self.send(data)

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
