"""Words after the verb are operands, never options: a value from a web form cannot move the
login to another host, change the route, the config, the secret's source or the output.

A scripted AMI peer (Asterisk 13.38.3's framing, tests/fakeami.py) answers on 127.0.0.1 and
records every action; a decoy on 127.0.0.2, at the port the hostile values name, records any
connection at all."""

import time

import pytest

from fakeami import Decoy, FakeAmi, db_get_13, queue_status_13


@pytest.fixture
def peers():
    server = FakeAmi(replies={"queuestatus": queue_status_13, "dbget": db_get_13})
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
    (dbget,) = [h for h in server.received if h.get("action", "").lower() == "dbget"]
    assert dbget["family"] == "--host=127.0.0.2" and dbget["key"] == "--port=%d" % decoy.port
    # A stray word that looks like an option is not a KEY=VALUE pair: usage, and nothing connects.
    # The Logoff, which amijson does not wait for, may still be on its way.
    give_up = time.monotonic() + 3
    while "logoff" not in server.actions() and time.monotonic() < give_up:
        time.sleep(0.02)
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
