"""The AMI session (amijson/session.py) and the conversation over it (amijson/conversation.py),
in-process over a scripted in-memory connection (fakeami.ScriptedConnection, Asterisk 13.38.3's
framing): what goes out in which write, what a login refusal becomes, which messages make the
list. The same peers over real sockets, with the installed command, are in tests/faults."""

import hashlib

import pytest

from amijson import ami
from amijson.deadline import Deadline
from amijson.errors import AmijsonError
from amijson.request import Request
from amijson.session import AmiSession, md5_key
from amijson.settings import resolve
from fakeami import ScriptedConnection, aid_line, command_follows_13, login_refused_13

SECRET = "session-secret"
CHALLENGE = "1804289383"  # what fakeami.challenge_13 hands out


def ping(h):
    return b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\n\r\n"


def call(connection, auth, action="Ping", **session_options):
    session = AmiSession(connection, **session_options)
    return session, session.login_and_call("fault", SECRET, action, (), auth=auth)


def sent_text(connection):
    return b"".join(connection.writes)


# --- logging in ----------------------------------------------------------------------------

def test_plain_login_goes_out_with_the_action_in_one_write():
    connection = ScriptedConnection(replies={"ping": ping})
    session, exchange = call(connection, "plain")
    assert exchange.response.get("Ping") == "Pong"
    assert session.logged_in and session.identity() == ("Asterisk Call Manager/2.10.6", "2.10.6")
    assert len(connection.writes) == 1 and connection.actions() == ["login", "ping"]
    login = connection.received[0]
    assert login["username"] == "fault" and login["secret"] == SECRET and login["events"] == "off"
    assert "authtype" not in login and "key" not in login


def test_md5_login_sends_the_key_made_from_the_challenge_and_never_the_secret():
    connection = ScriptedConnection(replies={"ping": ping})
    session, exchange = call(connection, "md5")
    assert exchange.response.get("Ping") == "Pong" and session.logged_in
    # The challenge alone first (the key needs its answer), then Login and the action together.
    assert len(connection.writes) == 2
    assert connection.actions() == ["challenge", "login", "ping"]
    assert connection.received[0]["authtype"] == "MD5"
    login = connection.received[1]
    assert login["authtype"].lower() == "md5" and "secret" not in login
    assert login["key"] == hashlib.md5((CHALLENGE + SECRET).encode()).hexdigest() == md5_key(CHALLENGE, SECRET)
    assert SECRET.encode() not in sent_text(connection)


def test_a_refused_challenge_is_auth_and_no_login_goes_out():
    def refuse(h):  # 13.38.3 action_challenge, for an AuthType it does not know
        return b"Response: Error\r\n" + aid_line(h) + b"Message: Must specify AuthType\r\n\r\n"
    connection = ScriptedConnection(replies={"challenge": refuse})
    with pytest.raises(AmijsonError) as caught:
        call(connection, "md5")
    assert caught.value.code == "auth" and "MD5 challenge refused: Must specify AuthType" in caught.value.message
    assert connection.actions() == ["challenge"]


@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_a_wrong_secret_is_auth_and_the_session_is_not_logged_off(auth):
    connection = ScriptedConnection(replies={"login": login_refused_13, "ping": ping},
                                    closes_after=("login", "logoff"))
    session = AmiSession(connection)
    with pytest.raises(AmijsonError) as caught:
        session.login_and_call("fault", SECRET, "Ping", (), auth=auth)
    assert caught.value.code == "auth"
    assert caught.value.message == "login as 'fault' refused: Authentication failed"
    assert SECRET not in caught.value.message
    assert not session.logged_in
    writes = len(connection.writes)
    session.logoff()  # nothing to end on Asterisk's side: not a byte more
    assert len(connection.writes) == writes


def test_a_login_answered_by_closing_is_auth():
    connection = ScriptedConnection(replies={"login": lambda h: b""}, closes_after=("login",))
    with pytest.raises(AmijsonError) as caught:
        call(connection, "plain")
    assert caught.value.code == "auth" and "closed the connection" in caught.value.message


def test_logoff_goes_out_once_and_only_after_a_login():
    connection = ScriptedConnection(replies={"ping": ping})
    session, _ = call(connection, "plain")
    session.logoff()
    session.logoff()
    assert connection.actions() == ["login", "ping", "logoff"]
    session.close()
    assert connection.closed


# --- one action's list among other messages ------------------------------------------------

NOISE = b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: SIP/noise-1\r\n\r\n"
FOREIGN = b"Event: CoreShowChannel\r\nActionID: someone-else\r\nChannel: SIP/other\r\n\r\n"


def channels_among_noise(count):
    """CoreShowChannels' reply with ``count`` items, and before, between and after them:
    unsolicited events, another client's list item, and an event that carries our ActionID
    before our reply came (OriginateResponse does). Asterisk 13.38.3 framing."""
    def reply(h):
        a = aid_line(h)
        out = [NOISE, b"Event: OriginateResponse\r\n" + a + b"Response: Success\r\nChannel: SIP/dup\r\n\r\n",
               FOREIGN, b"Response: Success\r\n" + a + b"EventList: start\r\nMessage: Channels will follow\r\n\r\n"]
        for number in range(count):
            if number % 50 == 1:
                out += [NOISE, FOREIGN]
            out.append(b"Event: CoreShowChannel\r\n" + a + b"Channel: SIP/mine-%d\r\nChannelState: 6\r\n\r\n"
                       % number)
        out.append(b"Event: CoreShowChannelsComplete\r\n" + a + b"EventList: Complete\r\nListItems: %d\r\n\r\n"
                   % count)
        out.append(NOISE)
        return b"".join(out)
    return reply


def channels_of(exchange):
    found = []
    for item in exchange.records:  # a message, or a run of many of one shape
        for message in (item.messages() if hasattr(item, "messages") else [item]):
            found.append(message.get("Channel"))
    return found


@pytest.mark.parametrize("count, read_size", [
    (2, None), (2, 1), (2, 7),
    # Past 64 KiB the parser takes same-shaped items as MessageRuns; the noise cuts them.
    (2000, None), (2000, 4096),
])
def test_the_list_holds_our_items_only_however_the_bytes_arrive(count, read_size):
    connection = ScriptedConnection(replies={"coreshowchannels": channels_among_noise(count)}, read_size=read_size)
    session, exchange = call(connection, "plain", "CoreShowChannels")
    assert exchange.response.get("EventList") == "start"
    assert channels_of(exchange) == ["SIP/mine-%d" % n for n in range(count)]
    assert exchange.complete.get("ListItems") == str(count)


@pytest.mark.parametrize("count, unrelated", [(2, 7), (2000, 85)])
def test_every_message_not_ours_is_counted_as_unrelated(count, unrelated):
    connection = ScriptedConnection(replies={"coreshowchannels": channels_among_noise(count)})
    session, exchange = call(connection, "plain", "CoreShowChannels")
    # Before the reply: FullyBooted (after the login), noise, the early OriginateResponse and
    # a foreign item; every 50 items: noise and a foreign item; after the list: noise.
    assert session.unrelated == unrelated


# --- several actions in one session (a Batch) ----------------------------------------------

def test_several_actions_go_out_with_the_login_in_one_write_and_each_gets_its_own_reply():
    connection = ScriptedConnection(replies={"ping": ping, "coreshowchannels": channels_among_noise(3)})
    session = AmiSession(connection)
    exchanges = session.login_and_call_all("fault", SECRET, [("Ping", ()), ("CoreShowChannels", ()), ("Ping", ())],
                                           auth="plain")
    assert len(connection.writes) == 1 and connection.actions() == ["login", "ping", "coreshowchannels", "ping"]
    assert [e.response.get("ActionID") for e in exchanges] == [h["actionid"] for h in connection.received[1:]]
    assert exchanges[0].response.get("Ping") == exchanges[2].response.get("Ping") == "Pong"
    assert channels_of(exchanges[1]) == ["SIP/mine-0", "SIP/mine-1", "SIP/mine-2"]
    assert exchanges[1].complete.get("ListItems") == "3" and session.logged_in


@pytest.mark.parametrize("count, read_size", [(3, None), (3, 5), (2000, None), (2000, 4096)])
def test_replies_that_come_out_of_order_each_reach_the_action_they_answer(count, read_size):
    """The list of the first action interleaved with the second's reply and after it: each
    message goes by its ActionID, whatever the order (Asterisk sends them in order today)."""
    held = {}

    def hold(h):  # the list is answered only once the next action came
        held["list"] = channels_among_noise(count)(h)
        return b""

    def ping_then_list(h):
        listed = held["list"]
        half = listed.index(b"\r\n\r\n", len(listed) // 2) + 4  # between two messages
        return listed[:half] + ping(h) + listed[half:]
    connection = ScriptedConnection(replies={"coreshowchannels": hold, "ping": ping_then_list}, read_size=read_size)
    session = AmiSession(connection)
    listed, pinged = session.login_and_call_all("fault", SECRET, [("CoreShowChannels", ()), ("Ping", ())],
                                                auth="plain")
    assert pinged.response.get("Ping") == "Pong" and pinged.records == []
    assert channels_of(listed) == ["SIP/mine-%d" % n for n in range(count)]


def test_a_refused_login_runs_none_of_the_actions():
    connection = ScriptedConnection(replies={"login": login_refused_13, "ping": ping}, closes_after=("login",))
    with pytest.raises(AmijsonError) as caught:
        AmiSession(connection).login_and_call_all("fault", SECRET, [("Ping", ()), ("Ping", ())], auth="md5")
    assert caught.value.code == "auth" and connection.actions() == ["challenge", "login", "ping", "ping"]
    assert connection.peer_closed  # Asterisk closed after the refusal: the actions got no answer


def test_a_batch_keeps_each_refusal_in_its_part_and_logs_off_once(monkeypatch):
    from amijson.request import Batch
    connection = ScriptedConnection(replies={"ping": ping, "command": command_follows_13(b"System uptime: 42\n")})
    monkeypatch.setattr(ami, "connect", lambda *args, **kwargs: connection)
    batch = Batch([Request("Ping", []), Request("NoSuchAction", []), Request.cli("core show uptime seconds")])
    answer = ami.run_batch(_settings(), batch, Deadline(3))
    assert answer.route == "ami" and answer.server["ami_version"] == "2.10.6" and answer.response is None
    first, refused, command = answer.parts
    assert first.response["Ping"] == "Pong" and first.error is None
    assert refused.error.code == "action_failed" and refused.error.message.startswith("Invalid/unknown command")
    assert command.output == ["System uptime: 42"] and command.error is None
    assert connection.actions() == ["challenge", "login", "ping", "nosuchaction", "command", "logoff"]
    assert connection.closed


def test_a_batch_without_the_command_class_fails_as_permission(monkeypatch):
    from amijson.request import Batch

    def denied(h):  # 13.38.3 manager.c process_message: the action's class is not the user's
        return b"Response: Error\r\n" + aid_line(h) + b"Message: Permission denied\r\n\r\n"
    connection = ScriptedConnection(replies={"ping": ping, "command": denied})
    monkeypatch.setattr(ami, "connect", lambda *args, **kwargs: connection)
    with pytest.raises(AmijsonError) as caught:
        ami.run_batch(_settings(), Batch([Request("Ping", []), Request.cli("core show uptime seconds")]), Deadline(3))
    assert caught.value.code == "permission" and caught.value.answer.route == "ami"
    assert connection.actions()[-1] == "logoff" and connection.closed


# --- the conversation: auth auto, and ending the session -----------------------------------

def _settings(**extra):
    options = {"user": "fault", "timeout": "3"}
    options.update(extra)
    return resolve(options, {"HOME": "/nonexistent", "AMIJSON_SECRET": SECRET, "AMIJSON_MANAGER_CONF": "/nonexistent"})


def _answer(monkeypatch, connection, request=None, **options):
    monkeypatch.setattr(ami, "connect", lambda *args, **kwargs: connection)
    return ami.run(_settings(**options), request or Request("Ping", []), Deadline(3))


@pytest.mark.parametrize("verified, actions", [
    (True, ["login", "ping", "logoff"]),
    (False, ["challenge", "login", "ping", "logoff"]),
], ids=["verified-tls", "not-verified"])
def test_auth_auto_sends_the_plain_secret_only_to_a_verified_peer(monkeypatch, verified, actions):
    connection = ScriptedConnection(replies={"ping": ping}, verified=verified)
    answer = _answer(monkeypatch, connection)
    assert answer.response["Ping"] == "Pong"
    assert connection.actions() == actions
    assert (SECRET.encode() in sent_text(connection)) is verified


def test_a_logged_in_session_is_logged_off_and_closed_when_the_action_fails(monkeypatch):
    connection = ScriptedConnection()  # Ping unknown: Asterisk's error
    with pytest.raises(AmijsonError) as caught:
        _answer(monkeypatch, connection)
    assert caught.value.code == "action_failed"
    assert connection.actions()[-1] == "logoff" and connection.closed


def test_a_refused_session_is_closed_without_a_logoff(monkeypatch):
    connection = ScriptedConnection(replies={"login": login_refused_13}, closes_after=("login",))
    with pytest.raises(AmijsonError) as caught:
        _answer(monkeypatch, connection, auth="plain")
    assert caught.value.code == "auth"
    assert caught.value.answer.server["ami_version"] == "2.10.6"
    assert "logoff" not in connection.actions() and connection.closed


def test_a_command_in_13s_follows_format_gives_its_lines(monkeypatch):
    connection = ScriptedConnection(replies={"command": command_follows_13(b"System uptime: 42\nLast reload: 7\n")})
    answer = _answer(monkeypatch, connection, Request.cli("core show uptime seconds"))
    assert answer.output == ["System uptime: 42", "Last reload: 7"]
    assert answer.response["Response"] == "Follows" and "Output" not in answer.response


def test_a_failed_command_in_13s_format_is_command_failed_with_its_output(monkeypatch):
    text = b"No such command 'core show chanels' (type 'core show help core show chanels' for other possible commands)\n"
    connection = ScriptedConnection(replies={"command": command_follows_13(text)})
    with pytest.raises(AmijsonError) as caught:
        _answer(monkeypatch, connection, Request.cli("core show chanels"))
    assert caught.value.code == "command_failed" and "No such command" in caught.value.message
    assert caught.value.answer.output == [text.decode().rstrip("\n")]



# --- an action whose result comes later ------------------------------------------------------

def test_an_async_originate_logs_in_for_call_events_filters_them_and_waits_for_its_own():
    from amijson.deferred import prepare

    def originate(h):
        ours = h["actionid"]
        ack = b"Response: Success\r\n" + aid_line(h) + b"Message: Originate successfully queued\r\n\r\n"
        event = (b"Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: %s\r\nResponse: Failure\r\n"
                 b"Channel: Local/busy@amijson-test-00000001;1\r\nReason: 5\r\n\r\n")
        return event % b"someone-else.1" + ack + event % ours.encode()

    connection = ScriptedConnection(replies={"originate": originate, "filter": ping})
    headers, later, _source = prepare("Originate", [("Channel", "Local/busy@amijson-test"), ("Async", "yes")])
    session = AmiSession(connection)
    exchange = session.login_and_call("fault", SECRET, "Originate", headers, auth="plain", later=later)
    assert connection.actions() == ["login", "filter", "originate"] and len(connection.writes) == 1
    login, filtered, originate_sent = connection.received
    assert login["events"] == "call"
    assert filtered["filter"] == "ActionID: %s[[:space:]]" % originate_sent["actionid"].replace(".", "\\.")
    assert originate_sent["channelid"].startswith("amijson-")
    assert exchange.response.get("Message") == "Originate successfully queued"
    assert exchange.awaited.event.get("ActionID") == originate_sent["actionid"]
