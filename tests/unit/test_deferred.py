"""Actions whose result comes later as an event: the table, the checks, the awaited event."""

import pytest

from amijson import deferred
from amijson.deferred import LATER, Awaited, arrange, prepare
from amijson.errors import AmijsonError
from amijson.request import Request
from amijson.settings import Settings
from amijson.wire import Message

ORIGINATE = LATER["originate"]
AGI = LATER["agi"]


def msg(*pairs):
    return Message(list(pairs))


def originate_response(action_id, reason, response=None, channel="Local/busy@amijson-test-00000001;1"):
    response = response or ("Success" if reason == "4" else "Failure")
    return msg(("Event", "OriginateResponse"), ("Privilege", "call,all"), ("ActionID", action_id),
               ("Response", response), ("Channel", channel), ("Context", "amijson-test"), ("Exten", "wait"),
               ("Reason", reason), ("Uniqueid", "amijson-0123456789abcdef"))


@pytest.mark.parametrize("reason, word", [("4", "answered"), ("1", "hangup"), ("5", "busy"), ("8", "congestion"),
                                          ("3", "no_answer"), ("0", "failed"), ("2", "unknown"), ("17", "unknown"),
                                          ("abc", "unknown"), ("", "unknown"), (" 5 ", "busy")])
def test_each_reason_has_its_word(reason, word):
    ok, got = ORIGINATE.result(originate_response("a1", reason))
    assert got == word and ok == (word == "answered")


def test_an_event_that_contradicts_itself_is_unknown():
    assert ORIGINATE.result(originate_response("a1", "4", response="Failure")) == (False, "unknown")
    assert ORIGINATE.result(originate_response("a1", "5", response="Success")) == (False, "unknown")


@pytest.mark.parametrize("result, word", [("200%20result%3D1%0A", "done"), ("510%20Invalid%20or%20unknown", "failed"),
                                          ("", "unknown")])
def test_agi_results(result, word):
    ok, got = AGI.result(msg(("Event", "AsyncAGIExec"), ("Result", result), ("CommandId", "x")))
    assert got == word and ok == (word == "done")


@pytest.mark.parametrize("value, expected", [("true", True), ("YES", True), ("y", True), ("t", True), ("1", True),
                                             ("On", True), ("false", False), ("no", False), ("N", False),
                                             ("f", False), ("0", False), ("off", False)])
def test_async_is_read_as_asterisk_reads_it(value, expected):
    _headers, row, source = prepare("Originate", [("Channel", "Local/1@x"), ("Async", value)])
    assert row is ORIGINATE and source == ("event" if expected else "reply")


@pytest.mark.parametrize("value", ["maybe", "", "2", "truee", "yes please"])
def test_an_async_asterisk_reads_as_neither_is_usage(value):
    with pytest.raises(AmijsonError) as caught:
        prepare("originate", [("ASYNC", value)])
    assert caught.value.code == "usage" and "Async=" in caught.value.message


@pytest.mark.parametrize("value", ["abc", "1.5", "-5", "", "30s", "99999999999", "\u0661\u0662"])
def test_a_timeout_that_is_not_whole_milliseconds_is_usage(value):
    with pytest.raises(AmijsonError) as caught:
        prepare("Originate", [("Async", "true"), ("Timeout", value)])
    assert caught.value.code == "usage" and "Timeout=" in caught.value.message


def test_a_channel_id_is_added_only_when_the_caller_gave_none():
    headers, _row, _source = prepare("Originate", [("Async", "true")])
    (added,) = [value for key, value in headers if key == "ChannelId"]
    assert added.startswith("amijson-") and len(added) == len("amijson-") + 16
    assert prepare("Originate", [("Async", "true")])[0] != headers  # a new one each run
    given = [("Async", "true"), ("channelid", "mine")]
    assert prepare("Originate", given)[0] == given


def test_the_agi_action_gets_a_command_id_and_always_waits():
    headers, row, source = prepare("agi", [("Channel", "x"), ("Command", "VERBOSE hi 1")])
    assert row is AGI and source == "event" and deferred.header(headers, "CommandID").startswith("amijson-")


def test_no_wait_returns_at_the_ack_and_other_actions_are_untouched():
    assert prepare("Originate", [("Async", "true")], wait=False)[2] is None
    assert prepare("Originate", [("Async", "no")], wait=False)[2] == "reply"  # a sync reply is the outcome
    assert prepare("CoreShowChannels", [("X", "1")]) == ([("X", "1")], None, None)


@pytest.mark.parametrize("mask, expected", [("off", "call"), (None, "call"), ("on", "on"), ("all", "all"),
                                            ("system", "system,call"), ("call,system", "call,system")])
def test_the_login_mask_gets_the_event_class(mask, expected):
    assert ORIGINATE.event_mask(mask) == expected


def test_the_filter_names_our_id_with_its_dots_escaped_and_only_plain_ids():
    assert ORIGINATE.filter_headers("aj12.3") == [("Operation", "Add"), ("Filter", "ActionID: aj12\\.3[[:space:]]")]
    assert AGI.filter_headers("amijson-00ff") == [("Operation", "Add"),
                                                  ("Filter", "CommandId: amijson-00ff[[:space:]]")]
    for value in ("a b", "a*", "(x)", "", "é"):
        assert AGI.filter_headers(value) is None


def test_arrange_waits_for_our_action_id():
    awaited, mask, before = arrange(ORIGINATE, "aj9.1", [("Async", "1")], "off")
    assert mask == "call" and [name for name, _ in before] == ["Filter"]
    assert not awaited.take(originate_response("aj9.10", "4"))  # another action's
    assert not awaited.take(msg(("Response", "Success"), ("ActionID", "aj9.1")))  # the reply, not the event
    assert not awaited.take(msg(("Event", "Newchannel"), ("ActionID", "aj9.1")))
    assert awaited.take(originate_response("aj9.1", "5"))
    assert not awaited.take(originate_response("aj9.1", "4"))  # the first one counts
    assert awaited.event.get("Reason") == "5"


def test_an_agi_command_is_matched_by_its_command_id():
    awaited = Awaited(AGI, AGI.correlation("aj1.1", [("commandid", "c-1")]))
    assert awaited.take(msg(("Event", "AsyncAGIExec"), ("CommandId", "c-1"), ("Result", "200")))


def run_settings(timeout=None):
    settings = Settings()
    if timeout is not None:
        settings.timeout, settings.timeout_given = timeout, True
    return settings


def request(*headers, wait=True):
    headers, row, source = prepare("Originate", list(headers), wait)
    return Request("Originate", headers, later=row, later_from=source)


@pytest.mark.parametrize("headers, seconds", [((("Async", "true"),), 35.0),
                                              ((("Async", "true"), ("Timeout", "2000")), 10.0),
                                              ((("Timeout", "60000"),), 65.0)])
def test_a_run_without_its_own_timeout_covers_the_originate_timeout(headers, seconds):
    settings = run_settings()
    deferred.fit_timeout(request(*headers), settings)
    assert settings.timeout == seconds


def test_an_explicit_timeout_stands_and_a_short_one_refuses_a_sync_originate():
    settings = run_settings(5)
    deferred.fit_timeout(request(("Async", "true")), settings)
    assert settings.timeout == 5
    with pytest.raises(AmijsonError) as caught:
        deferred.fit_timeout(request(("Timeout", "30000")), run_settings(5))
    assert caught.value.code == "usage" and "--timeout 5" in caught.value.message and "30000" in caught.value.message
    deferred.fit_timeout(request(("Timeout", "5000")), run_settings(5))  # as long as the Timeout: fine


def test_the_outcome_of_an_event_and_of_none():
    event = originate_response("a1", "8")
    assert ORIGINATE.outcome(None) == {"awaited": "OriginateResponse", "result": None, "event": None}
    outcome = ORIGINATE.outcome(event)
    assert outcome["result"] == "congestion" and outcome["event"]["Reason"] == "8"
    assert "congestion" in ORIGINATE.ended("Originate", "congestion", event)
    assert "Local/busy@amijson-test-00000001;1" in ORIGINATE.ended("Originate", "congestion", event)


def test_the_request_knows_which_actions_the_table_names():
    from amijson.request import LATER_ACTIONS
    assert sorted(LATER_ACTIONS) == sorted(LATER)
