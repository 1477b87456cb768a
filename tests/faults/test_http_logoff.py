"""AMI over HTTP ends every session it logged in, whatever ends the run: a scripted peer
(Asterisk 22's framing, tests/fakeami.py http_reply_22) logs amijson in, then fails the
action in some way, and records whether the Logoff came, with the session's cookie."""

import time

import pytest

from fakeami import ScriptedAmi, aid_line, http_reply_22

COOKIE = "c0ffee01"


def _serve(fail):
    """Login answered; the action's request handed to ``fail(peer, h)``; later requests
    (the Logoff, on this connection or a new one) recorded and answered."""
    def scenario(peer):
        while True:
            h = peer.expect_http()
            if h is None:
                return
            action = h["action"].lower()
            if action == "challenge":
                peer.send(http_reply_22(b"Response: Success\r\n" + aid_line(h) + b"Challenge: 12345\r\n\r\n",
                                        cookie=COOKIE))
            elif action == "login":
                peer.send(http_reply_22(b"Response: Success\r\n" + aid_line(h)
                                        + b"Message: Authentication accepted\r\n\r\n", cookie=COOKIE))
            elif action == "logoff":
                peer.send(http_reply_22(b"Response: Goodbye\r\n" + aid_line(h) + b"Message: Bye\r\n\r\n",
                                        cookie=COOKIE))
                return
            elif fail(peer, h) is False:
                return
    return scenario


def _never_answers(peer, h):
    peer.conn.settimeout(10)
    try:
        data = peer.conn.recv(65536)  # the Logoff may come on this connection: leave it to expect_http
        if data:
            peer.buf += data
            return None
    except OSError:
        pass
    return False


def _server_error(peer, h):
    peer.send(http_reply_22(b"oops", status=b"500 Internal Server Error", cookie=COOKIE))


def _endless_list(peer, h):
    head = aid_line(h)
    peer.send(http_reply_22(b"Response: Success\r\n" + head + b"EventList: start\r\n\r\n"
                            + (b"Event: CoreShowChannel\r\n" + head + b"Channel: " + b"x" * 900 + b"\r\n\r\n")
                            * 2000))


@pytest.mark.parametrize("fail, args, code", [
    (_never_answers, ("--timeout", "2"), 5),
    (_server_error, ("--timeout", "2"), 6),
    (_endless_list, ("--timeout", "2", "--max-size", "1"), 6),
])
def test_every_logged_in_session_is_logged_off(amijson_offline, fail, args, code):
    with ScriptedAmi(_serve(fail)) as server:
        run = amijson_offline("--via", "http", "--http-port", str(server.port), *args, "action", "CoreShowChannels")
        deadline = time.monotonic() + 5
        while "logoff" not in [h["action"].lower() for h in server.received] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert run.returncode == code, run.doc
    assert run.elapsed < 3.0, "took %.1fs past a 2s deadline" % run.elapsed
    actions = [h["action"].lower() for h in server.received]
    assert actions[-1] == "logoff", actions
    assert server.received[-1]["_cookie"] == "mansession_id=" + COOKIE
