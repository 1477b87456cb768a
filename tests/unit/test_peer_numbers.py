"""Numbers from the peer (AMI header values, CLI text) are read strictly: ASCII digits,
an optional minus where the field can be negative. int() alone takes "+5", "1_0",
"٣" (Arabic-Indic three) and, after strip(), " 5"; float() takes "inf" and "1_0.5" too.
None of those is a number Asterisk prints, so each reads as None (never a traceback)."""

import pathlib

import pytest

from amijson.parsers import (bridge_show, core_show_calls, module_show, pjsip_aors, pjsip_contacts,
                             pjsip_endpoints, queue_show, sip_show_peers)
from amijson.parsers.columns import (ascii_digits, float_or_none, hms_to_seconds, int_or_none, is_count_line,
                                      plural_duration_to_seconds)
from amijson.queries import integer, queues_from_events

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "cli"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NOT_NUMBERS = ["٣", "²", "+5", "1_0", "0x10", "--1", "-", "", "5 5", "1e3", "inf", "nan", "٣.5", "\u00a05"]


def data(name):
    return (DATA / name).read_text()


@pytest.mark.parametrize("text", NOT_NUMBERS + [None])
def test_integer_and_int_or_none_refuse_what_is_not_ascii_digits(text):
    assert integer(text) is None
    assert int_or_none(text) is None


def test_integer_and_int_or_none_read_ascii_digits():
    for read in (integer, int_or_none):
        assert [read(t) for t in ("0", "42", "-1", "007", " 12 ")] == [0, 42, -1, 7, 12]
    assert integer(5) == 5 and integer(None) is None


@pytest.mark.parametrize("text", NOT_NUMBERS + ["-nan", "1.", ".5", "1.5.5", "-inf", "Infinity", None])
def test_float_or_none_refuses_what_is_not_a_decimal(text):
    assert float_or_none(text) is None
    assert pjsip_contacts.number_or_none(text) is None


def test_float_or_none_reads_decimals():
    assert [float_or_none(t) for t in ("87.5", "0.0", "-0.5", "12", " 3.25 ")] == [87.5, 0.0, -0.5, 12.0, 3.25]


def test_durations_and_counts_take_ascii_digits_only():
    assert not ascii_digits("٣") and not ascii_digits("²") and not ascii_digits("") and ascii_digits("0123")
    assert hms_to_seconds("01:02:03") == 3723
    assert hms_to_seconds("01:02:03".translate(ARABIC_INDIC)) is None
    assert plural_duration_to_seconds("٣ hours, 2 minutes") == 120
    assert plural_duration_to_seconds("٣") is None
    assert not is_count_line("٣ results found.", ("results", "result"), "found.")


def test_ami_queue_fields_in_other_digits_read_as_null():
    params = {"Event": "QueueParams", "Queue": "q1", "Max": "+5", "Calls": "٣", "Holdtime": "1_0",
              "ServicelevelPerf": "inf", "Weight": "0x10"}
    member = {"Event": "QueueMember", "Queue": "q1", "Name": "Alice", "Status": "١", "Penalty": "-1",
              "CallsTaken": "²"}
    queue = queues_from_events([params, member])[0]
    assert (queue["max_calls"], queue["calls"], queue["holdtime"], queue["service_level_perf"], queue["weight"]) == \
        (None, None, None, None, None)
    assert (queue["members"][0]["status"], queue["members"][0]["penalty"], queue["members"][0]["calls_taken"]) == \
        (None, -1, None)


def test_queue_show_in_other_digits_is_not_a_queue_line():
    # re's \d matches any script's digits in a str pattern; int() then read them.
    text = data("queue-show-22.txt")
    first = text.splitlines()[0]
    odd = first.translate(ARABIC_INDIC) + "\n" + "\n".join(text.splitlines()[1:]) + "\n"
    warnings = []
    records = queue_show.parse(odd, warnings=warnings)
    assert all(r["queue"] != first.split()[0] for r in records)
    assert queue_show.parse(text)[0]["queue"] == first.split()[0]


def test_queue_show_member_numbers_that_int_refused_do_not_crash():
    # "--2".lstrip("-").isdecimal() is True, and int("--2") raised.
    lines = ["      Bob (SIP/201) with penalty --2 (ringinuse disabled) (In use) has taken 5 calls "
             "(last was --5 secs ago) (login was +7 secs ago)",
             "      Eve (SIP/202) (In use) has taken ٣ calls (last was 5 secs ago)"]
    text = data("queue-show-13.txt").splitlines()[0] + "\n   Members: \n" + "\n".join(lines) + "\n"
    bob, eve = queue_show.parse(text)[0]["members"]
    assert (bob["penalty"], bob["calls_taken"], bob["last_call_secs"], bob["login_secs"]) == (None, 5, None, None)
    assert (eve["calls_taken"], eve["last_call_secs"]) == (0, None)


def test_pjsip_endpoint_channel_counts():
    text = data("pjsip-show-endpoints-22.txt")
    assert pjsip_endpoints.parse(text)[0]["channels"] == 1
    records = pjsip_endpoints.parse(text.replace("1 of inf", "--1 of inf", 1))  # int("--1") raised
    assert records[0]["channels"] is None and records[0]["max_channels"] is None
    records = pjsip_endpoints.parse(text.replace("1 of inf", "٣ of ٣", 1))
    assert records[0]["channels"] is None and records[0]["max_channels"] is None


def test_pjsip_aor_max_contacts_in_other_digits():
    assert pjsip_aors.aor_row(" Aor:  101  1", 4, [])[0]["max_contacts"] == 1
    assert pjsip_aors.aor_row(" Aor:  101  ١", 4, []) == (None, None)


def test_core_show_calls_counts_in_other_digits():
    assert core_show_calls.parse("3 active calls\n")[0]["active_calls"] == 3
    assert core_show_calls.parse("٣ active calls\n") == []  # int("٣") read it as 3
    assert core_show_calls.parse("2 of ١٠٠ max active calls\n") == []


def test_module_show_use_counts():
    text = data("module-show-22.txt")
    lines = text.splitlines()
    start = lines[1].index(" 2 ") + 1
    for odd, expected in (("٢", None), ("-", None), ("+", None)):
        changed = "\n".join([lines[0], lines[1][:start] + odd + lines[1][start + 1:]] + lines[2:]) + "\n"
        assert module_show.parse(changed)[0]["use_count"] == expected, odd
    assert module_show.parse(text)[0]["use_count"] == 2


def test_sip_peer_port_and_latency_in_other_digits():
    text = data("sip-show-peers-18.txt")
    first = sip_show_peers.parse(text)[0]
    assert (first["port"], first["latency_ms"]) == (5060, 12)
    odd = sip_show_peers.parse(text.replace("5060     OK (12 ms)", "٥٠٦٠     OK (--2 ms)", 1))[0]
    assert (odd["port"], odd["latency_ms"]) == (None, None)


def test_bridge_channel_counts_in_other_digits():
    text = data("bridge-show-all-22.txt")
    records = bridge_show.parse(text)
    assert records and all(isinstance(r["channels"], int) for r in records)
    lines = text.splitlines()
    head, row = lines[0], lines[1]
    count = str(records[0]["channels"])
    odd = bridge_show.parse("\n".join([head, row.replace(" %s " % count, " %s " % count.translate(ARABIC_INDIC), 1)]
                                      + lines[2:]) + "\n")
    assert odd[0]["channels"] is None
