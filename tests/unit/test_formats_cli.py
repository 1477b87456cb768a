"""--format on the command line, in-process: which options go with which format, errors in the
format asked for, --output written atomically, and the formats loaded only when asked for."""

import io
import json
import os
import subprocess
import sys

import pytest

from amijson.cli import main
from amijson.cmdline import parse_args
from monitoring import parse_exposition, parse_nagios, sample


def run(argv, environ=None):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code = main(argv, environ or {"HOME": "/nonexistent"}, io.StringIO(""), out)
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8")


def refused(unused_port):
    return {"HOME": "/nonexistent", "AMIJSON_PORT": str(unused_port), "AMIJSON_USER": "u",
            "AMIJSON_SECRET": "s3cret-x", "AMIJSON_VIA": "ami"}


def test_warning_and_critical_repeat_and_keep_their_order():
    options, verb, args = parse_args(["--warning", "calls=1", "--critical=calls=2", "--warning", "channels=3",
                                      "status", "--warning", "x"])
    assert options["warning"] == ["calls=1", "channels=3"] and options["critical"] == ["calls=2"]
    assert verb == "status" and args == ["--warning", "x"]  # after the verb, an operand


@pytest.mark.parametrize("argv, why", [
    (["--format", "nagios"], "nothing to do"),
    (["--format", "nagios", "--bogus", "endpoints"], "unknown option"),
    (["--format=nagios", "--timeout", "3", "--bogus"], "unknown option"),
    (["--format", "nagios", "action", "Ping"], "reads a named query"),
    (["--format", "nagios", "--warning", "active_calls", "calls"], "FIELD=RANGE"),
    (["--format", "nagios", "--warning", "active_calls=20:10", "calls"], "start is above its end"),
    (["--format", "nagios", "--output", "/tmp/x.prom", "status"], "--output is for --format prometheus"),
    (["--format", "nagios", "--pretty", "status"], "--pretty is for JSON"),
    (["--format", "nagios", "--records", "endpoints"], "--records is for the JSON document"),
    (["--format", "nagios", "--profiles", "a,b", "--warning", "bogus=1", "uptime"], "numeric fields"),
])
def test_a_usage_error_is_unknown_in_nagios(argv, why):
    code, out = run(argv)
    parsed = parse_nagios(out)
    assert code == 3 and parsed.state == "UNKNOWN" and why in parsed.text, out


@pytest.mark.parametrize("argv, why", [
    (["--format", "bogus", "status"], "--format must be json, nagios, prometheus, zabbix or text"),
    (["--warning", "calls=1", "status"], "--warning is for --format nagios"),
    (["--format", "json", "--critical", "calls=1", "status"], "--critical is for --format nagios"),
    (["--output", "/tmp/x", "status"], "--output is for --format prometheus"),
    (["--format", "zabbix", "--records", "endpoints"], "--records is for the JSON document"),
    (["--format", "zabbix", "--warning", "count=1", "endpoints"], "--warning is for --format nagios"),
])
def test_other_usage_errors_are_the_json_document(argv, why):
    code, out = run(argv)
    doc = json.loads(out)
    assert code == 2 and doc["error"]["code"] == "usage" and why in doc["error"]["message"], out


def test_a_usage_error_in_prometheus_is_still_valid_text():
    code, out = run(["--format", "prometheus", "--pretty", "status"])
    metrics = parse_exposition(out)
    assert code == 2 and sample(metrics, "amijson_error", code="usage") == 1
    assert sample(metrics, "asterisk_up", pbx="127.0.0.1") == 0


def test_an_unreachable_pbx_in_each_format(unused_port):
    code, out = run(["--format", "nagios", "--warning", "count=1", "endpoints"], refused(unused_port))
    parsed = parse_nagios(out)
    assert code == 2 and parsed.state == "CRITICAL" and "connect:" in parsed.text
    code, out = run(["--format", "prometheus", "endpoints"], refused(unused_port))
    assert code == 3 and sample(parse_exposition(out), "asterisk_up", query="endpoints") == 0
    code, out = run(["--format", "zabbix", "endpoints"], refused(unused_port))
    assert code == 3 and json.loads(out)["error"]["code"] == "connect"


def test_the_pbx_is_named_by_its_profile_else_its_host(unused_port, tmp_path):
    config = tmp_path / "amijson.conf"
    config.write_text("[default]\nuser = u\nsecret = s3cret-x\nvia = ami\n[pbx-a]\nhost = 127.0.0.1\nport = %d\n"
                      % unused_port)
    config.chmod(0o600)
    code, out = run(["--config", str(config), "--profile", "pbx-a", "--format", "prometheus", "queues"])
    assert sample(parse_exposition(out), "asterisk_up", pbx="pbx-a") == 0
    code, out = run(["--format", "prometheus", "--host", "localhost", "queues"], refused(unused_port))
    assert sample(parse_exposition(out), "asterisk_up", pbx="localhost") == 0


def test_output_writes_the_file_atomically_and_prints_nothing(unused_port, tmp_path):
    target = tmp_path / "amijson.prom"
    target.write_text("old\n")
    before = os.umask(0o022)
    try:
        code, out = run(["--format", "prometheus", "--output", str(target), "uptime"], refused(unused_port))
    finally:
        os.umask(before)
    assert code == 3 and out == ""
    assert sample(parse_exposition(target.read_text()), "asterisk_up", pbx="127.0.0.1") == 0
    assert os.stat(target).st_mode & 0o777 == 0o644  # readable by node_exporter, as the umask says
    assert os.listdir(tmp_path) == ["amijson.prom"]  # no temporary file left


@pytest.mark.parametrize("where, why", [("missing/amijson.prom", "does not exist"), ("", "names a file")])
def test_output_that_cannot_be_written_is_a_usage_error(tmp_path, where, why):
    code, out = run(["--format", "prometheus", "--output", str(tmp_path / where) + ("/" if not where else ""),
                     "status"])
    assert code == 2 and out == ""
    assert not list(tmp_path.iterdir())


def test_write_atomically_leaves_nothing_behind_when_it_fails(tmp_path, monkeypatch):
    from amijson.formats.atomic_file import write_atomically
    target = tmp_path / "a.prom"
    target.write_text("old\n")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "rename", fail)
    with pytest.raises(OSError):
        write_atomically(str(target), b"new\n")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["a.prom"]


def _modules_after(argv):
    """The amijson.formats modules a fresh interpreter has loaded after main(argv)."""
    code = ("import io, sys; from amijson.cli import main; main(%r, {'HOME': '/nonexistent'}, io.StringIO(''), "
            "io.StringIO()); print(sorted(m for m in sys.modules if m.startswith('amijson.formats')))" % (argv,))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout)


def test_a_format_module_is_loaded_only_when_asked_for():
    assert _modules_after(["--user", "u", "status"]) == []
    assert _modules_after(["--format", "json", "status"]) == []
    assert _modules_after(["--format", "nagios", "status"]) == ["amijson.formats", "amijson.formats.nagios"]
    assert _modules_after(["--format", "zabbix", "status"]) == ["amijson.formats", "amijson.formats.zabbix"]


def test_a_bug_in_a_format_is_said_plainly(unused_port, monkeypatch, capsys):
    from amijson.formats import nagios, zabbix

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(nagios, "render", broken)
    monkeypatch.setattr(zabbix, "render", broken)
    code, out = run(["--format", "nagios", "endpoints"], refused(unused_port))
    assert code == 3 and parse_nagios(out).text == ("AMIJSON UNKNOWN - internal error in --format nagios: "
                                                    "ZeroDivisionError: a bug")
    code, out = run(["--format", "zabbix", "endpoints"], refused(unused_port))
    assert code == 70 and json.loads(out)["error"]["code"] == "internal"
    assert "Traceback" in capsys.readouterr().err  # standard error only


def test_a_threshold_on_a_field_the_query_lacks_is_unknown_before_anything_connects():
    """A typo (stat for state) was OK whenever the PBX had no endpoints; now nothing connects."""
    import socket
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        code, out = run(["--format", "nagios", "--critical", "count[stat=Unavailable]=0", "endpoints"],
                        {"HOME": "/nonexistent", "AMIJSON_PORT": str(listener.getsockname()[1]),
                         "AMIJSON_USER": "u", "AMIJSON_SECRET": "s3cret-x", "AMIJSON_VIA": "ami"})
        with pytest.raises(BlockingIOError):
            listener.accept()
    parsed = parse_nagios(out)
    assert code == 3 and parsed.state == "UNKNOWN" and "usage" in parsed.text
    assert "endpoints records have no field 'stat'" in parsed.text
