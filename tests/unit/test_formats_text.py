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
    from amijson.cmdline import verbs
    code, out = run(["--help"])
    assert code == 0 and "json|nagios|prometheus|zabbix|text" in out and 'asterisk -rx "CMD"' in out
    assert verbs().endswith('| doctor | asterisk -rx "CMD"'), verbs()


# --- bytes that are not UTF-8: given back as Asterisk sent them --------------------------------

# A Latin-1 line among UTF-8 ones; the UTF-8 line has a character neither Latin-1 nor cp1252 has.
LATIN1_TEXT = b"Caller ID: 5551234\n Caller ID Name: Jos\xe9 M\xfcller\nUTF-8 line: Jos\xc3\xa9 \xe2\x86\x92\n\n"


def raw_output(text, warnings):
    """What --format text writes for ``text`` (str, surrogates for bytes): Output.write's bytes."""
    import io as _io
    from amijson.formats import Output
    stream = _io.TextIOWrapper(_io.BytesIO(), encoding="utf-8")
    assert Output("text", {}).write(text, stream, lambda data, out: out.buffer.write(data[0]))
    return stream.buffer.getvalue()


def test_rx_lines_that_fell_back_come_out_as_their_bytes():
    from amijson.rx import decode_lines
    warnings = []
    lines = output_lines(decode_lines(LATIN1_TEXT, "latin-1", warnings))
    assert warnings == ["output[1]: bytes not valid UTF-8, decoded as latin-1"]
    assert raw_output(cli_text(lines, warnings), warnings) == LATIN1_TEXT


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_ami_output_values_that_fell_back_come_out_as_their_bytes(encoding):
    """A 14+ Command reply through the wire's own decoding and the document's own warning."""
    from amijson.document import fallback_warnings
    from amijson.wire import split_message
    body = LATIN1_TEXT[:-1]  # action_command trims one newline
    raw = b"Response: Success\r\nMessage: Command output follows\r\n" + b"".join(
        b"Output: " + line + b"\r\n" for line in body.split(b"\n"))
    message = split_message(raw[:-2], encoding)
    warnings = fallback_warnings(message, "response", encoding)
    assert warnings == ["response.Output: bytes not valid UTF-8, decoded as %s" % encoding]
    lines = message.get_all("Output")
    assert raw_output(cli_text(lines, warnings), warnings) == LATIN1_TEXT


def test_asterisk_13_body_that_fell_back_comes_out_as_its_bytes():
    from amijson.document import fallback_warnings
    from amijson.wire import split_message
    message = split_message(b"Response: Follows\r\nPrivilege: Command", "latin-1")
    assert message.body is None  # the body is framed by the parser; decode it as it does
    from amijson.wire import _split_lines
    message = _split_lines([b"Response: Follows", b"Privilege: Command"], LATIN1_TEXT, "latin-1", None)
    warnings = fallback_warnings(message, "response", "latin-1")
    lines = output_lines(message.body)
    assert raw_output(cli_text(lines, warnings), warnings) == LATIN1_TEXT


def test_without_a_fallback_warning_every_line_is_utf8():
    lines = ["Jos\xe9 M\xfcller"]
    assert raw_output(cli_text(lines, []), []) == "Jos\xe9 M\xfcller\n".encode("utf-8")


def test_ami_cannot_tell_a_utf8_line_latin1_also_spells_once_another_line_fell_back():
    """The limit docs/text.md names: AMI says only that some Output value fell back, so a UTF-8
    line whose characters all exist in Latin-1 is taken for one too. The rx route names each line
    and stays exact."""
    from amijson.document import fallback_warnings
    from amijson.rx import decode_lines
    from amijson.wire import split_message
    mixed = b"Jos\xe9\nJos\xc3\xa9\n"
    message = split_message(b"Response: Success\r\nOutput: Jos\xe9\r\nOutput: Jos\xc3\xa9", "latin-1")
    warnings = fallback_warnings(message, "response", "latin-1")
    assert raw_output(cli_text(message.get_all("Output"), warnings), warnings) == b"Jos\xe9\nJos\xe9\n"
    warnings = []
    lines = output_lines(decode_lines(mixed, "latin-1", warnings))
    assert raw_output(cli_text(lines, warnings), warnings) == mixed
