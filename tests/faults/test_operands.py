"""Words after the verb are operands, never options: a value from a web form cannot move the
login to another host, change the route, the config, the secret's source or the output.

A scripted AMI peer (Asterisk 13.38.3's framing, tests/fakeami.py) answers on 127.0.0.1 and
records every action; a decoy on 127.0.0.2, at the port the hostile values name, records any
connection at all."""

import socket
import threading

import pytest

from fakeami import FakeAmi, aid_line


class Decoy:
    """Accepts and records connections on 127.0.0.2 (the address hostile values point at)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(1)
            try:
                self.connections.append(conn.recv(65536))
            except OSError:
                self.connections.append(b"")
            conn.close()

    def close(self):
        self.sock.close()


def queue_status(h):
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Queue status will follow\r\n\r\n"
            b"Event: QueueStatusComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 0\r\n\r\n")


def db_get(h):
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Database entry not found\r\n\r\n"


@pytest.fixture
def peers():
    server = FakeAmi(replies={"queuestatus": queue_status, "dbget": db_get})
    decoy = Decoy()
    yield server, decoy
    server.close()
    decoy.close()


def hostile(decoy):
    return ["--host=127.0.0.2", "--port=%d" % decoy.port, "--host", "127.0.0.2", "--via=rx", "--config=/etc/passwd",
            "--secret-file=/etc/shadow", "--records", "--help", "--pretty", "-x", "-rx", "--", "--secret=x"]


def test_query_filters_are_data(amijson_offline, peers):
    server, decoy = peers
    for value in hostile(decoy):
        run = amijson_offline("--port", str(server.port), "queues", value)
        assert run.returncode == 0, (value, run.doc)
        assert run.doc["request"]["headers"] == {"Queue": value}
        sent = [h for h in server.received if h.get("action", "").lower() == "queuestatus"]
        assert sent[-1]["queue"] == value
    assert decoy.connections == []


def test_action_values_and_a_second_operand_are_data(amijson_offline, peers):
    server, decoy = peers
    run = amijson_offline("--port", str(server.port), "action", "DBGet", "Family=--host=127.0.0.2",
                          "Key=--port=%d" % decoy.port)
    assert run.returncode == 1 and run.doc["error"]["code"] == "action_failed", run.doc
    assert server.received[-2]["family"] == "--host=127.0.0.2"  # the last is the Logoff
    # A stray word that looks like an option is not a KEY=VALUE pair: usage, and nothing connects.
    before = len(server.received)
    run = amijson_offline("--port", str(server.port), "action", "DBGet", "--host", "127.0.0.2")
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage"
    assert len(server.received) == before and decoy.connections == []


def test_options_after_double_dash_are_operands(amijson_offline, peers):
    server, decoy = peers
    run = amijson_offline("--port", str(server.port), "--", "queues", "--help")
    assert run.returncode == 0 and run.doc["request"]["headers"] == {"Queue": "--help"}


@pytest.mark.parametrize("word", ["--help", "--host=127.0.0.2", "-x", "--", " -r"])
def test_rx_refuses_a_command_that_starts_with_a_dash(amijson_offline, peers, word):
    server, decoy = peers
    run = amijson_offline("--port", str(server.port), "-rx", word)
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage", run.doc
    assert "never starts with '-'" in run.doc["error"]["message"]
    assert server.received == [] and decoy.connections == []


def test_nothing_may_follow_the_rx_command(amijson_offline, peers):
    server, decoy = peers
    run = amijson_offline("--port", str(server.port), "-rx", "core show uptime", "--host=127.0.0.2")
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage"
    assert server.received == [] and decoy.connections == []
