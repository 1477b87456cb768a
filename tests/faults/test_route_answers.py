"""Routes return an Answer and never touch a Document; no route imports another.

In-process, against the same scripted peers as the other fault tests (Asterisk 13.38.3's
framing, tests/fakeami.py) and a stand-in ``asterisk`` executable for rx."""

import ast
import pathlib

import pytest

from amijson import ami, ami_http, rx
from amijson.answer import Answer
from amijson.deadline import Deadline
from amijson.errors import AmijsonError
from amijson.request import Request
from amijson.settings import resolve
from fakeami import FakeAmi, aid_line, http_reply_22, ScriptedAmi

ROUTES = ("ami", "ami_http", "rx")
PACKAGE = pathlib.Path(ami.__file__).parent


def test_no_route_imports_another_and_none_imports_the_document_class():
    for name in ROUTES:
        tree = ast.parse((PACKAGE / (name + ".py")).read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update("%s.%s" % (node.module, alias.name) for alias in node.names)
                if node.module == "amijson.document":
                    assert "Document" not in [alias.name for alias in node.names], name
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        others = {"amijson." + other for other in ROUTES if other != name}
        assert not imported & others, (name, imported & others)


def _settings(port, **extra):
    options = {"http_port" if extra.get("via") == "http" else "port": str(port), "user": "fault", "auth": "plain",
               "timeout": "3"}
    options.update(extra)
    return resolve(options, {"HOME": "/nonexistent", "AMIJSON_SECRET": "fault-secret",
                             "AMIJSON_MANAGER_CONF": "/nonexistent"})


def ping(h):
    return b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\n\r\n"


def test_the_ami_route_returns_an_answer():
    server = FakeAmi(replies={"ping": ping})
    try:
        answer = ami.run(_settings(server.port), Request("Ping", []), Deadline(3))
    finally:
        server.close()
    assert type(answer) is Answer and answer.route == "ami"
    assert answer.server["banner"] == "Asterisk Call Manager/2.10.6" and answer.response["Ping"] == "Pong"


def test_a_failing_route_raises_with_the_answer_so_far():
    server = FakeAmi()  # no script for Ping: Asterisk's unknown-action error
    try:
        with pytest.raises(AmijsonError) as caught:
            ami.run(_settings(server.port), Request("Ping", []), Deadline(3))
    finally:
        server.close()
    assert caught.value.code == "action_failed"
    answer = caught.value.answer
    assert answer.server["ami_version"] == "2.10.6" and answer.response["Response"] == "Error"


def test_the_http_route_returns_an_answer():
    def scenario(peer):
        while True:
            h = peer.expect_http()
            if h is None:
                return
            body = ping(h) if h["action"].lower() == "ping" else (
                b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n")
            peer.send(http_reply_22(body))
    with ScriptedAmi(scenario) as server:
        answer = ami_http.run(_settings(server.port, via="http"), Request("Ping", []), Deadline(3))
    assert answer.route == "http" and answer.server["banner"] == "Asterisk/22.10.1"
    assert answer.response["Ping"] == "Pong"


def test_the_rx_route_returns_an_answer(tmp_path):
    exe = tmp_path / "asterisk"
    exe.write_text("#!/bin/sh\nprintf 'System uptime: 42\\nLast reload: 7\\n'\n")
    exe.chmod(0o755)
    settings = _settings(9, asterisk=str(exe), console="/nonexistent/asterisk.ctl")
    answer = rx.run(settings, Request.cli("core show uptime seconds"), Deadline(3), {"PATH": "/usr/bin"})
    assert answer.route == "rx" and answer.server == {"socket": None, "executable": str(exe), "banner": None,
                                                      "version": None}
    assert answer.output == ["System uptime: 42", "Last reload: 7"] and answer.records == []


# --- one policy for a parser that fails ------------------------------------------------------

def _failing_parser(*args, **kwargs):
    raise ValueError("a parser bug")


@pytest.mark.parametrize("plan_for", [
    lambda: __import__("amijson.runner", fromlist=["Plan"]).Plan(Request.cli("core show uptime seconds")),
    lambda: __import__("amijson.runner", fromlist=["QueryPlan"]).QueryPlan("uptime", []),
], ids=["command", "query"])
def test_a_parser_that_fails_is_a_warning_for_commands_and_queries_alike(monkeypatch, plan_for):
    """A parser bug costs the records, never the output lines nor the run: the same for
    'command' and a named query. The bug is simulated: no known input breaks a parser."""
    from amijson import parsers
    monkeypatch.setattr(parsers, "parse", _failing_parser)
    plan = plan_for()
    request = plan.request("rx")
    answer = Answer("rx")
    answer.output = ["System uptime: 42", "Last reload: 7"]
    plan.finish(request, answer)
    assert answer.records == [] and answer.parser is None
    assert answer.output == ["System uptime: 42", "Last reload: 7"]
    assert answer.warnings == ["parser failed on this output (ValueError: a parser bug); records left empty"]
