"""--format text (amijson/formats/text.py): a CLI command's output back to the bytes asterisk -rx
prints, from the lines every route gives; Key: Value blocks for actions and queries; a failure as
one line on standard error and an exit code; and the command line around it, in-process."""

import io
import pathlib

import pytest
from hypothesis import given, settings, strategies as st

from amijson.cli import main
from amijson.clitext import output_lines
from amijson.formats import Result
from amijson.formats.text import cli_text, error_line, record_block, render, value_text

SAMPLES = sorted((pathlib.Path(__file__).resolve().parent.parent / "data" / "cli").glob("*.txt"))


def ami_output_lines(text):
    """What action_command (main/manager.c, 14 and newer) sends as Output: lines for CLI text
    without colour codes: exactly one trailing newline trimmed, the rest split on newlines."""
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def as13_lines(text):
    """The Asterisk 13 Command body (raw text up to --END COMMAND--) as amijson reads it."""
    return output_lines(text)


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.name for path in SAMPLES])
def test_every_captured_output_comes_back_byte_for_byte(sample):
    """Each sample is asterisk -rx's own text: from AMI's Output: lines (14+), from the 13 body and
    from the rx route's lines, --format text gives it back unchanged."""
    text = sample.read_bytes().decode("utf-8", "surrogateescape")
    assert cli_text(ami_output_lines(text)) == text
    assert cli_text(as13_lines(text)) == text
    assert cli_text(output_lines(text)) == text


def test_empty_output_prints_nothing():
    # core show channels concise on an idle PBX: asterisk -rx prints nothing, AMI sends one "Output: "
    assert cli_text(ami_output_lines("")) == "" and cli_text([""]) == "" and cli_text(None) == ""
    assert cli_text(output_lines("")) == ""


def test_blank_lines_and_trailing_spaces_are_kept():
    text = "\n Endpoint:  <Endpoint/CID>  \n\n\nObjects found: 4\n\n"
    assert cli_text(ami_output_lines(text)) == text
    assert cli_text(["a  ", "", "b"]) == "a  \n\nb\n"


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n\x1b\x00"), max_size=20), min_size=1,
                max_size=8))
def test_any_text_ending_in_a_newline_survives_ami(lines):
    text = "\n".join(lines) + "\n"
    if text == "\n":  # one empty line reads as empty output on AMI: it cannot be told apart
        return
    assert cli_text(ami_output_lines(text)) == text


def doc(**fields):
    base = {"records": [], "error": None, "warnings": [], "output": None, "response": None, "complete": None}
    base.update(fields)
    return Result("pbx", base)


def test_a_failed_command_still_prints_its_text_and_other_failures_print_nothing():
    nosuch = "No such command 'x y' (type 'core show help x y' for other possible commands)"
    failed = doc(output=[nosuch], error={"code": "command_failed", "message": nosuch})
    assert render(failed, "command") == nosuch + "\n"
    assert render(doc(error={"code": "connect", "message": "refused"}), "command") == ""
    assert render(doc(error={"code": "action_failed", "message": "no"}), "action") == ""
    assert render(doc(error={"code": "timeout", "message": "late"}), "query") == ""


def test_an_action_is_its_messages_as_key_value_blocks():
    answer = doc(response={"Response": "Success", "EventList": "start", "Message": "Channels will follow"},
                 records=[{"Event": "CoreShowChannel", "Channel": "Local/1@x-0001;1"},
                          {"Event": "CoreShowChannel", "Channel": "Local/1@x-0001;2"}],
                 complete={"Event": "CoreShowChannelsComplete", "EventList": "Complete", "ListItems": "2"})
    assert render(answer, "action") == (
        "Response: Success\nEventList: start\nMessage: Channels will follow\n\n"
        "Event: CoreShowChannel\nChannel: Local/1@x-0001;1\n\n"
        "Event: CoreShowChannel\nChannel: Local/1@x-0001;2\n\n"
        "Event: CoreShowChannelsComplete\nEventList: Complete\nListItems: 2\n\n")


def test_a_repeated_header_is_a_line_each():
    answer = doc(response={"Response": "Success"}, records=[{"Event": "Status", "Variable": ["a=1", "b=2"]}])
    assert render(answer, "action") == "Response: Success\n\nEvent: Status\nVariable: a=1\nVariable: b=2\n\n"


def test_a_query_is_a_block_per_record():
    records = [{"endpoint": "101", "state": "Not in use", "channels": 0, "caller_id": None, "aors": ["101", "x"],
                "ok": True, "members": [{"name": "a"}]},
               {"endpoint": "102", "state": "Unavailable", "channels": 2, "caller_id": "Bob\nX", "aors": [],
                "ok": False, "members": []}]
    assert render(doc(records=records), "query") == (
        "endpoint: 101\nstate: Not in use\nchannels: 0\ncaller_id: \naors: 101,x\nok: true\n"
        'members: [{"name":"a"}]\n\n'
        "endpoint: 102\nstate: Unavailable\nchannels: 2\ncaller_id: Bob\\nX\naors: \nok: false\nmembers: \n\n")
    assert render(doc(records=[]), "query") == ""


def test_values():
    assert value_text(1.5) == "1.5" and value_text(None) == "" and value_text("a\r\nb") == "a\\r\\nb"
    assert record_block({"a": 1}) == "a: 1\n\n"


def test_the_error_line_is_one_line():
    assert error_line({"code": "connect", "message": "cannot\nconnect\r\n  to x"}) == \
        "amijson: connect: cannot connect to x\n"


# --- the command line, in-process ------------------------------------------------------------

def run(argv, environ=None):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code = main(argv, environ or {"HOME": "/nonexistent"}, io.StringIO(""), out)
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8")


def refused(port):
    return {"HOME": "/nonexistent", "AMIJSON_PORT": str(port), "AMIJSON_USER": "u", "AMIJSON_SECRET": "s3cret-x",
            "AMIJSON_VIA": "ami"}


def test_a_connect_failure_is_one_stderr_line_and_exit_3(unused_port, capsys):
    code, out = run(["--format", "text", "-rx", "core show uptime"], refused(unused_port))
    assert code == 3 and out == ""
    err = capsys.readouterr().err
    assert err.startswith("amijson: connect: ") and err.count("\n") == 1


@pytest.mark.parametrize("argv, code, why", [
    (["--format", "text", "--records", "command", "x"], 2, "--records is for the JSON document"),
    (["--format", "text", "--pretty", "command", "x"], 2, "--pretty is for JSON output"),
    (["--format", "text", "--profiles", "a,b", "command", "x"], 2, "--format text is for one PBX"),
    (["--format", "text", "--host", "h1,h2", "command", "x"], 2, "--format text is for one PBX"),
    (["--format", "text"], 2, "nothing to do"),
    (["--format", "text", "--bogus", "command", "x"], 2, "unknown option"),
    (["--format", "json", "asterisk", "-rx", "x"], 2, "not --format 'json'"),
    (["asterisk", "-c"], 8, "this is amijson, not Asterisk"),
    (["asterisk", "-r"], 8, "without -x"),
    (["asterisk", "-rx"], 2, "-x needs a value"),
])
def test_usage_errors_are_said_as_text(argv, code, why, capsys):
    got, out = run(argv)
    err = capsys.readouterr().err
    assert got == code and out == "", (got, out, err)
    assert why in err and err.count("\n") == 1 and err.startswith("amijson: ")


def test_text_is_in_the_help():
    from amijson.cli import verbs
    code, out = run(["--help"])
    assert code == 0 and "json|nagios|prometheus|zabbix|text" in out and 'asterisk -rx "CMD"' in out
    assert verbs().endswith('| doctor | asterisk -rx "CMD"'), verbs()
