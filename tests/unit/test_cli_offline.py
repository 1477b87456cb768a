"""The command line without any Asterisk: usage and config errors are documents too."""

import io
import json

from amijson.cli import main


def run(argv, environ=None, stdin=""):
    out = io.StringIO()
    code = main(argv, environ or {"HOME": "/nonexistent"}, io.StringIO(stdin), out)
    return code, json.loads(out.getvalue())


def test_no_verb_is_a_usage_error_document():
    code, doc = run([])
    assert code == 2 and doc["ok"] is False and doc["error"]["code"] == "usage"


def test_no_verb_names_every_verb_and_every_query():
    from amijson.queries import QUERIES
    message = run([])[1]["error"]["message"]
    for form in ("action NAME [KEY=VALUE ...]", 'command "CLI COMMAND"', '-rx "CLI COMMAND"'):
        assert form in message, form
    for name, query in QUERIES.items():
        assert query.usage(name) in message, name
    assert "QUERY" not in message


def test_secret_on_the_command_line_is_refused_without_echoing_it():
    code, doc = run(["--secret", "hunter2", "action", "Ping"])
    assert code == 2 and doc["error"]["code"] == "usage"
    assert "hunter2" not in json.dumps(doc)


def test_unknown_option():
    code, doc = run(["--bogus", "action", "Ping"])
    assert code == 2 and "--bogus" in doc["error"]["message"]


def test_missing_secret_is_config_error():
    code, doc = run(["--user", "nobody", "--manager-conf", "/nonexistent", "action", "Ping"])
    assert code == 2 and doc["error"]["code"] == "config"
    assert doc["request"] == {"action": "Ping", "headers": {}, "command": None}


def test_bad_header_pair():
    code, doc = run(["action", "Originate", "Channel"])
    assert code == 2 and doc["error"]["code"] == "usage"


def test_refused_connection_is_exit_3(unused_port):
    code, doc = run(["--port", str(unused_port), "--user", "u", "action", "Ping"],
                    {"HOME": "/nonexistent", "AMIJSON_SECRET": "x"})
    assert code == 3 and doc["error"]["code"] == "connect"
    assert doc["route"] == "ami" and doc["server"]["port"] == unused_port


def test_secret_search_spans_output_pieces():
    from amijson.cli import _contains
    assert _contains([b'{"a":"xx', b'yy"}'], b"xxyy")
    assert _contains([b"ab", b"c", b"d"], b"abcd")
    assert not _contains([b"ab", b"c", b"d"], b"abce")
    assert _contains([b"zzzzsecret"], b"secret") and not _contains([b""], b"s3cr")
