"""amijson.eventfilter: FILTER operands, globs without regular expressions, and the
server-side Filter expressions made from them."""

import fnmatch
import re
import time

import pytest
from hypothesis import given, settings, strategies as st

from amijson.errors import AmijsonError
from amijson.eventfilter import EventFilter, Glob, parse_filter
from amijson.wire import split_message


def event(text):
    return split_message(text.replace("\n", "\r\n").encode("utf-8"))


NEWCHANNEL = event("Event: Newchannel\nPrivilege: call,all\nChannel: Local/100@amijson-test-00000001;1\n"
                   "Context: amijson-test\nExten: 100")
HANGUP = event("Event: Hangup\nPrivilege: call,all\nChannel: Local/100@amijson-test-00000001;2\nCause: 16")
PEER = event("Event: PeerStatus\nPrivilege: system,all\nPeer: PJSIP/101\nPeerStatus: Reachable")
VARS = event("Event: Status\nChanVariable: A=1\nChanVariable: B=2\nChannel: PJSIP/101-00000002")


@pytest.mark.parametrize("pattern, value, expected", [
    ("Hangup", "Hangup", True),
    ("Hangup", "hangup", False),  # values are exact
    ("Hangup", "Hangups", False),
    ("", "", True),
    ("", "x", False),
    ("*", "", True),
    ("*", "anything", True),
    ("Local/*", "Local/100@ctx-0001;1", True),
    ("Local/*", "PJSIP/101", False),
    ("*;1", "Local/100@ctx-0001;1", True),
    ("*;1", "Local/100@ctx-0001;2", False),
    ("L?cal/*;?", "Local/1;2", True),
    ("???", "abc", True),
    ("???", "ab", False),
    ("a*b*c", "abc", True),
    ("a*b*c", "aXbYc", True),
    ("a*b*c", "acb", False),
    ("*a?c*", "xxabcxx", True),
    ("*a?c*", "xxabbcxx", False),
    ("ab*ba", "aba", False),  # the ends may not overlap
    ("*é*", "José", True),
])
def test_glob(pattern, value, expected):
    assert Glob(pattern).matches(value) is expected
    assert fnmatch.fnmatchcase(value, pattern) is expected  # the reference agrees with the table


@settings(max_examples=300, deadline=None)
@given(st.text("ab*?", max_size=10), st.text("abc", max_size=14))
def test_glob_agrees_with_fnmatch(pattern, value):
    assert Glob(pattern).matches(value) is fnmatch.fnmatchcase(value, pattern)


@pytest.mark.parametrize("pattern, value", [
    ("*a*a*a*a*a*b", "a" * 1_000_000),
    ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c*", "a" * 1_000_000 + "b"),
    ("*a?b*", "a" * 200_000),
    ("?" * 100 + "*" + "a?" * 50 + "*b", "a" * 200_000),
])
def test_a_hostile_pattern_costs_nothing(pattern, value):
    started = time.perf_counter()
    assert not Glob(pattern).matches(value)
    assert time.perf_counter() - started < 0.5


def test_filters_on_one_header_are_alternatives_on_several_all_must_hold():
    calls = EventFilter(["Event=Newchannel", "Event=Hangup"])
    assert calls.matches(NEWCHANNEL) and calls.matches(HANGUP) and not calls.matches(PEER)
    first_leg = EventFilter(["Event=Newchannel", "Event=Hangup", "Channel=*;1"])
    assert first_leg.matches(NEWCHANNEL) and not first_leg.matches(HANGUP) and not first_leg.matches(PEER)


def test_header_names_any_case_values_exact():
    assert EventFilter(["event=newchannel"]).matches(NEWCHANNEL) is False
    assert EventFilter(["EVENT=Newchannel", "cHaNnEl=Local/*"]).matches(NEWCHANNEL)


def test_exclusion():
    not_local = EventFilter(["Channel!=Local/*"])
    assert not not_local.matches(NEWCHANNEL) and not_local.matches(PEER)  # PEER has no Channel: not excluded
    mixed = EventFilter(["Event=Newchannel", "Event=Hangup", "Channel!=*;2"])
    assert mixed.matches(NEWCHANNEL) and not mixed.matches(HANGUP)


def test_a_missing_header_fails_an_inclusion():
    assert not EventFilter(["Channel=*"]).matches(PEER)
    assert EventFilter(["Channel=*"]).matches(NEWCHANNEL)


def test_repeated_headers_any_value():
    assert EventFilter(["ChanVariable=B=2"]).matches(VARS)
    assert not EventFilter(["ChanVariable!=A=*"]).matches(VARS)
    assert not EventFilter(["ChanVariable=C=*"]).matches(VARS)


def test_no_filter_takes_every_event():
    everything = EventFilter([])
    assert not everything and all(everything.matches(m) for m in (NEWCHANNEL, HANGUP, PEER))


@pytest.mark.parametrize("operand", ["Event", "=Hangup", "!=x", "Bad Header=x", "Key:x=1", "A=b\r\nAction: x",
                                     "A=\x00", "A=" + "x" * 2000, "Ev\u00e9nt=x"])
def test_bad_operands_are_usage_errors(operand):
    with pytest.raises(AmijsonError) as caught:
        parse_filter(operand)
    assert caught.value.code == "usage"


def test_too_many_filters():
    with pytest.raises(AmijsonError) as caught:
        EventFilter(["Event=x%d" % i for i in range(65)])
    assert caught.value.code == "usage"


def test_a_value_may_hold_equals_signs():
    item = parse_filter("ChanVariable!=A=1")
    assert (item.header, item.glob.text, item.exclude) == ("chanvariable", "A=1", True)


def test_event_names_only_when_every_name_is_exact():
    assert EventFilter(["Event=Newchannel", "Event=Hangup"]).event_names() == {"newchannel", "hangup"}
    assert EventFilter(["Event=New*"]).event_names() is None
    assert EventFilter(["Channel=x"]).event_names() is None


def _posix(regex):
    """A POSIX ERE as Python's re reads it, for the few constructs server_filters writes."""
    regex = regex.replace("[[]", "\\[")  # POSIX's bracketed "[", as Python's re likes it
    return re.compile(regex.replace("[[:cntrl:]]", "[\\x00-\\x1f\\x7f]").replace("[^[:cntrl:]]", "[^\\x00-\\x1f\\x7f]"))


def _text(message):
    return "".join("%s: %s\r\n" % pair for pair in message.pairs)


def test_server_filters_keep_every_event_we_keep():
    calls = EventFilter(["Event=Newchannel", "Event=Hangup", "Channel=*;1"])
    regexes = calls.server_filters()
    assert regexes == ["(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Newchannel[[:cntrl:]]",
                       "(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Hangup[[:cntrl:]]"]
    for message in (NEWCHANNEL, HANGUP):
        assert any(_posix(regex).search(_text(message)) for regex in regexes)
    assert not any(_posix(regex).search(_text(PEER)) for regex in regexes)


def test_server_filters_escape_values_and_stop_at_the_first_wildcard():
    (regex,) = EventFilter(["channel=Local/1.0@a(b)[c]+{d}|^$\\;?*"]).server_filters()
    assert regex == ("(^|[[:cntrl:]])[Cc][Hh][Aa][Nn][Nn][Ee][Ll]: Local/1[.]0@a[(]b[)][[]c[]][+][{]d[}][|]\\^[$]"
                     "\\\\;")
    assert _posix(regex).search("Event: X\r\nChannel: Local/1.0@a(b)[c]+{d}|^$\\;2-x\r\n")
    assert not _posix(regex).search("Event: X\r\nChannel: Local/1x0@a(b)[c]+{d}|^$\\;2\r\n")
    (exact,) = EventFilter(["Cause=16"]).server_filters()
    assert exact == "(^|[[:cntrl:]])[Cc][Aa][Uu][Ss][Ee]: 16[[:cntrl:]]"


def test_server_filters_leave_what_is_not_ascii_to_our_matching():
    """Asterisk 22 runs the expression in a UTF-8 locale: a Latin-1 byte matches no bracket
    expression there (a NewCallerid with CallerIDName=Jos\xe9 was held back), nor would
    the UTF-8 bytes of a value typed as "José"."""
    assert EventFilter(["CallerIDName=Jos*"]).server_filters() == \
        ["(^|[[:cntrl:]])[Cc][Aa][Ll][Ll][Ee][Rr][Ii][Dd][Nn][Aa][Mm][Ee]: Jos"]
    assert EventFilter(["CallerIDName=Jos\u00e9 M\u00fcller"]).server_filters() == \
        ["(^|[[:cntrl:]])[Cc][Aa][Ll][Ll][Ee][Rr][Ii][Dd][Nn][Aa][Mm][Ee]: Jos"]


def test_no_server_filter_without_an_inclusion():
    assert EventFilter(["Channel!=x"]).server_filters() == []
    assert EventFilter([]).server_filters() == []


def _watch(operands, until=()):
    from amijson.events import Watch
    return Watch({"count": "1", "until": list(until)}, operands)


def test_the_until_event_gets_through_the_server_filter_too():
    from amijson.serverfilter import LEGACY, FilterPlan

    def server_filters(watch):
        return FilterPlan(watch).actions(LEGACY)[1]
    newchannel, hangup = EventFilter(["Event=Newchannel"]).server_filters(), EventFilter(["Event=Hangup"]).server_filters()
    assert server_filters(_watch(["Event=Newchannel"])) == newchannel
    assert server_filters(_watch(["Event=Newchannel"], ["Event=Hangup"])) == newchannel + hangup
    assert server_filters(_watch(["Event=Newchannel"], ["Cause=16"])) == \
        newchannel + EventFilter(["Cause=16"]).server_filters()
    # An --until that any event may match (only an exclusion): no Filter at all.
    assert server_filters(_watch(["Event=Newchannel"], ["Channel!=x"])) == []
    assert server_filters(_watch([], ["Event=Hangup"])) == []


def test_the_login_mask_covers_the_until_events():
    assert _watch(["Event=Newchannel"], ["Event=VarSet"]).event_mask() == "call,dialplan"
    assert _watch(["Event=Newchannel"], ["Channel=x"]).event_mask() == "on"
    assert _watch(["Event=Newchannel"]).event_mask() == "call"
