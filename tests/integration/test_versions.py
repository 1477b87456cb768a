"""Older Asterisk wire formats, from a scripted server whose transcripts follow
Asterisk 13.38.3's and 11.25.3's source, compared with the real sandbox Asterisk (22 and 16)."""

import pytest

from fakeami import (BANNER_11, FakeAmi, command_follows_13, core_show_channels_11, queue_status_11,
                     status_11)


def comparable(doc):
    """The parts of a document that must not depend on the Asterisk version."""
    return {k: v for k, v in doc.items() if k not in ("server", "response")}


@pytest.mark.parametrize("command", ["pjsip show endpoints", "database show amijson", "core show help core show uptime"])
def test_asterisk_13_command_format_gives_the_same_document_as_a_real_one(amijson, sandbox, command):
    real = amijson("command", command)
    text = sandbox.cmd("rx", command).stdout.encode()
    with FakeAmi(replies={"command": command_follows_13(text)}) as fake:
        old = amijson("--port", str(fake.port), "command", command)
    assert old.doc["response"]["Response"] == "Follows" and real.doc["response"]["Response"] == "Success"
    assert old.doc["server"]["ami_version"] == "2.10.6"
    assert comparable(old.doc) == comparable(real.doc)
    assert old.returncode == real.returncode == 0


def test_asterisk_13_unknown_command_fails_like_a_real_one(amijson, sandbox):
    real = amijson("command", "no such thing")
    text = sandbox.cmd("rx", "no such thing").stdout.encode()
    with FakeAmi(replies={"command": command_follows_13(text)}) as fake:
        old = amijson("--port", str(fake.port), "command", "no such thing")
    assert old.returncode == real.returncode == 1
    assert comparable(old.doc) == comparable(real.doc)


@pytest.mark.release("22")  # the scripted server only
def test_asterisk_13_glued_marker_and_empty_output(amijson):
    with FakeAmi(replies={"command": command_follows_13(b"no newline at the end")}) as fake:
        doc = amijson("--port", str(fake.port), "command", "x y").doc
    assert doc["output"] == ["no newline at the end"]
    with FakeAmi(replies={"command": command_follows_13(b"")}) as fake:
        doc = amijson("--port", str(fake.port), "command", "core show channels concise").doc
    assert doc["ok"] and doc["output"] == [""]


@pytest.mark.release("22")  # the scripted server only
def test_asterisk_11_status_list_without_eventlist(amijson):
    channels = [(b"SIP/100-00000001", b"1700000000.1"), (b"SIP/200-00000002", b"1700000000.2")]
    with FakeAmi(BANNER_11, {"status": status_11(channels)}) as fake:
        run = amijson("--port", str(fake.port), "action", "Status")
    doc = run.doc
    assert run.returncode == 0 and doc["server"]["ami_version"] == "1.3"
    assert [r["Channel"] for r in doc["records"]] == ["SIP/100-00000001", "SIP/200-00000002"]
    assert doc["complete"] == {"Event": "StatusComplete", "ActionID": doc["response"]["ActionID"], "Items": "2"}


@pytest.mark.release("22")  # the scripted server only
def test_asterisk_11_queue_status_skips_unsolicited_event(amijson):
    with FakeAmi(BANNER_11, {"queuestatus": queue_status_11}) as fake:
        doc = amijson("--port", str(fake.port), "action", "QueueStatus").doc
    assert [r["Event"] for r in doc["records"]] == ["QueueParams", "QueueMember"]
    assert doc["complete"]["Event"] == "QueueStatusComplete"


@pytest.mark.release("22")  # the scripted server only
def test_asterisk_11_core_show_channels_actionid_last(amijson):
    with FakeAmi(BANNER_11, {"coreshowchannels": core_show_channels_11}) as fake:
        doc = amijson("--port", str(fake.port), "action", "CoreShowChannels").doc
    assert len(doc["records"]) == 1 and doc["records"][0]["CallerIDnum"] == "100"
    assert doc["complete"]["ListItems"] == "1"
