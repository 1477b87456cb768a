"""core show channel NAME: one channel's details, real captures from Asterisk 16 and 22."""

import pytest

from amijson import parsers
from amijson.parsers import core_show_channel
from cli_samples import read


@pytest.mark.parametrize("release", ["16", "22"])
def test_a_bridged_local_channel(release):
    warnings = []
    (record,) = core_show_channel.parse(read("core-show-channel-bang-%s.txt" % release), warnings=warnings)
    assert warnings == []
    assert record["name"] == "Local/bang@amijson-test-00000002;2" and record["type"] == "Local"
    assert record["caller_id"] is None and record["state"] == "Up (6)"
    assert (record["context"], record["extension"], record["priority"]) == ("amijson-test", "bang", 2)
    assert record["application"] == "Dial" and record["data"] == "Local/wait@amijson-test,,,x!y!z"
    assert record["call_identifier"] == "[C-00000003]"  # 16 spells the label "Call Identifer"
    assert record["elapsed_seconds"] == 3
    assert record["variables"]["DIALSTATUS"] == "ANSWER" and record["variables"]["RINGTIME"] == ""
    assert record["cdr_variables"]["lastdata"] == "Local/wait@amijson-test,,,x!y!z"
    assert record["streams"] == [{"name": "audio-0", "type": "audio", "state": "sendrecv", "group": "-1",
                                  "formats": "(slin)"}]


def test_no_such_channel_is_no_record():
    assert core_show_channel.parse("No such channel: PJSIP/nope\n", warnings=[]) == []


@pytest.mark.parametrize("command,parser", [
    ("core show channel PJSIP/101-00000001", "core_show_channel"),
    ("core show channel", "core_show_channel"),
    ("core show channels", "core_show_channels"),
    ("core show channels concise", "core_show_channels.concise"),
    ("core sh chan conc", "core_show_channels.concise"),
])
def test_a_word_typed_in_full_never_matches_a_longer_command_word(command, parser):
    assert parsers.find(command).name == parser


def test_16_own_values_and_na_as_null():
    # Asterisk 16.28's capture: its own ids, "(N/A)" for every unset caller/connected id.
    warnings = []
    (record,) = core_show_channel.parse(read("core-show-channel-bang-16.txt"), warnings=warnings)
    assert warnings == []
    assert (record["uniqueid"], record["linkedid"]) == ("1796094986.5", "1796094986.4")
    assert record["bridge_id"] == "983c2c15-36ae-47e0-9749-f8cb16d23591"
    for key in ("caller_id", "caller_id_name", "connected_line_id", "connected_line_id_name",
                "eff_connected_line_id", "eff_connected_line_id_name", "dnid_digits"):
        assert record[key] is None, key
    assert (record["language"], record["nativeformats"], record["writetranscode"]) == ("en", "(slin)", "No")
    assert record["variables"]["BRIDGEPEER"] == "Local/wait@amijson-test-00000003;1"
    assert len(record["variables"]) == 12 and len(record["cdr_variables"]) == 17
    assert record["cdr_variables"]["clid"] == '"" <>' and record["cdr_variables"]["sequence"] == "5"
