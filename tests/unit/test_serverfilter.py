"""amijson.serverfilter: which form of Asterisk's Filter a release takes, and the
MatchCriteria filters made from FILTER operands, checked against a model of Asterisk 22's
own matching (main/manager.c: manager_add_filter, filter_cmp_fn, should_send_event) so
that every event our matching keeps is one Asterisk sends."""

import re

import pytest
from hypothesis import given, settings, strategies as st

from amijson.eventfilter import EventFilter
from amijson.serverfilter import (ASK, LEGACY, MATCH_CRITERIA, FilterPlan, can_ask, form_for_banner,
                                  form_for_version, has_match_criteria)
from amijson.wire import split_message


@pytest.mark.parametrize("version, expected", [
    ("22.10.1+dfsg+~cs6.17.60671434-1", True),  # Debian's 22 (the sandbox)
    ("22.1.0", True), ("22.0.0", False),
    ("21.6.0", True), ("21.5.0", False),
    ("20.11.0", True), ("20.10.1", False),
    ("18.26.0", True), ("18.25.0", False),
    ("19.8.1", False), ("17.9.4", False),
    ("16.28.0~dfsg-0+deb11u4", False),  # Debian's 16 (the sandbox)
    ("23.0.0", True), ("30.1.2", True),
    ("certified-20.7-cert3", False), ("certified-22.8-cert1", True),
    ("Asterisk/22.5.2", True),  # an HTTP Server header
    ("GIT-master-1234abcd", False), ("", False), (None, False),
])
def test_the_releases_that_take_match_criteria(version, expected):
    assert has_match_criteria(version) is expected


@pytest.mark.parametrize("ami_version, form", [
    ("5.0.4", LEGACY),  # 16
    ("2.10.6", LEGACY),  # 13
    ("8.0.0", LEGACY),  # 19: never had it
    ("7.0.3", ASK), ("9.0.0", ASK), ("10.0.0", ASK), ("11.0.0", ASK),  # 18, 20, 21, 22: the point release
    ("12.0.0", MATCH_CRITERIA),  # 23
    (None, LEGACY), ("x", LEGACY),
])
def test_the_banner_says_the_form_or_that_the_point_release_decides(ami_version, form):
    assert form_for_banner(ami_version) == form


def test_an_unknown_version_text():
    assert form_for_version("GIT-master-abc") == LEGACY
    assert form_for_version(None, unknown=ASK) == ASK
    assert form_for_version("22.10.1", unknown=ASK) == MATCH_CRITERIA


def test_core_settings_is_asked_only_where_an_allow_list_allows_it():
    class Allow:
        actions = ("ping",)

    class Settings:
        allow = None
    assert can_ask(Settings())
    Settings.allow = Allow()
    assert not can_ask(Settings())
    Allow.actions = ("ping", "coresettings")
    assert can_ask(Settings())


def _watch(operands, until=()):
    from amijson.events import Watch
    return Watch({"count": "1", "until": list(until)}, operands)


def test_the_actions_as_sent():
    actions, labels = FilterPlan(_watch(["Event=Newchannel", "Event=Queue*", "Event!=VarSet"])).actions(MATCH_CRITERIA)
    assert actions == [
        ("Filter", [("Operation", "Add"), ("MatchCriteria", "name(Newchannel)")]),
        ("Filter", [("Operation", "Add"), ("MatchCriteria", "header(Event),method(starts_with)"), ("Filter", "Queue")]),
        ("Filter", [("Operation", "Add"), ("MatchCriteria", "action(exclude),name(VarSet)")]),
    ]
    assert labels == ["eventfilter(name(Newchannel))", "eventfilter(header(Event),method(starts_with)) = Queue",
                      "eventfilter(action(exclude),name(VarSet))"]
    # The legacy form of the same: the inclusions' expressions, no MatchCriteria.
    actions, labels = FilterPlan(_watch(["Event=Newchannel"])).actions(LEGACY)
    assert actions == [("Filter", [("Operation", "Add"), ("Filter", labels[0])])]


def test_methods_are_spelled_as_asterisk_parses_them():
    criteria = [c for c, _ in EventFilter(["Event=A*", "Event=*B", "Event=*C*", "Event=D E"]).match_criteria()]
    assert criteria == ["header(Event),method(starts_with)", "header(Event),method(ends_with)",
                        "header(Event),method(contains)", "header(Event),method(exact)"]
    assert not any("startsWith" in c or "endsWith" in c for c in criteria)


def test_an_exclusion_is_not_sent_beside_until():
    """Asterisk would hold back the --until event, which is kept whatever the filters say."""
    plan = FilterPlan(_watch(["Event=Newchannel", "Event!=VarSet"], ["Event=Hangup"]))
    assert plan.actions(MATCH_CRITERIA)[1] == ["eventfilter(name(Newchannel))", "eventfilter(name(Hangup))"]
    # An --until any event may match: no Filter at all.
    assert FilterPlan(_watch(["Event=Newchannel"], ["Channel!=x"])).actions(MATCH_CRITERIA) == ([], [])


def test_another_header_rides_behind_the_names():
    entries = EventFilter(["Event=Newchannel", "Event=Hangup", "Channel=Local/*;2"]).match_criteria()
    assert [c for c, _ in entries] == ["name(Newchannel),method(regex)", "name(Hangup),method(regex)"]
    assert entries[0][1] == "(^|[[:cntrl:]])[Cc][Hh][Aa][Nn][Nn][Ee][Ll]: Local/"
    # Too many pairs: the names alone.
    many = EventFilter(["Event=E%d" % n for n in range(8)] + ["Channel=C%d" % n for n in range(8)])
    assert [c for c, _ in many.match_criteria()] == ["name(E%d)" % n for n in range(8)]


def test_what_cannot_be_said_safely_is_not_sent():
    assert EventFilter(["Event=*"]).match_criteria() == []  # any event
    assert EventFilter(["Event=Newchannel", "Event="]).match_criteria() == []  # header() skips empty values
    assert EventFilter(["Event!=Var?et"]).match_criteria() == []  # a "?" would exclude more than ours
    # A pattern Asterisk would read otherwise ("!": exclude; blanks: skipped) goes as a regex.
    assert EventFilter(["Event=!Odd*"]).match_criteria() == [("header(Event),method(regex)", "^!Odd[^[:cntrl:]]*$")]
    assert EventFilter(["Event=* Odd"]).match_criteria()[0][0] == "header(Event),method(regex)"


# --- a model of Asterisk 22's matching (main/manager.c) ----------------------------------------

def _posix(regex):
    regex = regex.replace("[[]", "\\[")
    return re.compile(regex.replace("[[:cntrl:]]", "[\\x00-\\x1f\\x7f]").replace("[^[:cntrl:]]", "[^\\x00-\\x1f\\x7f]"))


def _asterisk_entry(criteria, pattern):
    """manager_add_filter: (exclude, name, header, method, pattern) of one Filter action."""
    exclude = pattern.startswith("!")  # the legacy "!", taken off the pattern in any form
    pattern = pattern[1:] if exclude else pattern
    pattern = pattern.lstrip(" \t")  # astman_get_header skips leading blanks
    name = header = None
    method = "regex"
    if criteria:
        method = "none"
        for option in re.split("[ ,)]+", criteria.strip()):
            if not option:
                continue
            key, value = option.split("(", 1)
            assert key in ("action", "name", "header", "method"), option
            if key == "action":
                assert value in ("include", "exclude")
                exclude = value == "exclude"
            elif key == "name":
                name = value
            elif key == "header":
                header = value if value.endswith(":") else value + ":"
            else:
                assert value in ("regex", "exact", "starts_with", "ends_with", "contains", "none"), value
                method = value
        assert (method == "none") == (pattern == ""), (criteria, pattern)
    return exclude, name, header, method, pattern


def _matches(method, pattern, data):
    if method == "regex":
        return bool(_posix(pattern).search(data))
    return {"exact": data == pattern, "starts_with": data.startswith(pattern), "ends_with": data.endswith(pattern),
            "contains": pattern in data, "none": True}[method]


def _entry_matches(entry, name, text):
    _, want_name, header, method, pattern = entry
    if want_name is not None and want_name != name:
        return False
    if header is None:
        return _matches(method, pattern, text)
    for line in text.split("\r\n"):
        if line.startswith(header):
            value = line[len(header):].lstrip(" \t")
            if value and _matches(method, pattern, value):
                return True
    return False


def asterisk_sends(entries, name, text):
    """should_send_event: an inclusion must match (when there are some), no exclusion may."""
    parsed = [_asterisk_entry(criteria, pattern) for criteria, pattern in entries]
    include = [entry for entry in parsed if not entry[0]]
    exclude = [entry for entry in parsed if entry[0]]
    if include and not any(_entry_matches(entry, name, text) for entry in include):
        return False
    return not any(_entry_matches(entry, name, text) for entry in exclude)


def _event(pairs):
    text = "".join("%s: %s\r\n" % pair for pair in pairs)
    return split_message(text.encode("utf-8")), text


EVENTS = [
    [("Event", "Newchannel"), ("Privilege", "call,all"), ("Channel", "Local/100@amijson-test-00000001;2")],
    [("Event", "Hangup"), ("Privilege", "call,all"), ("Channel", "PJSIP/101-00000002"), ("Cause", "16")],
    [("Event", "VarSet"), ("Channel", "Local/100@amijson-test-00000001;1"), ("Variable", "X"), ("Value", "!a b")],
    [("Event", "QueueMemberStatus"), ("Queue", "sales"), ("Interface", "PJSIP/101")],
    [("Event", "UserEvent"), ("UserEvent", "Odd Name"), ("Channel", "")],
]

OPERANDS = st.lists(st.sampled_from([
    "Event=Newchannel", "Event=Hangup", "Event=VarSet", "Event=Queue*", "Event=*Status", "Event=*ar*",
    "Event=New?hannel", "Event=!x*", "Event=User*", "Event!=VarSet", "Event!=Queue*", "Event!=*Set",
    "Channel=Local/*", "channel=*;2", "Channel=PJSIP/101-*", "Channel!=*;1", "Cause=16", "Queue=sales",
    "Value=!a b", "UserEvent=Odd Name", "Channel=",
]), max_size=5)


@settings(max_examples=300, deadline=None)
@given(OPERANDS, OPERANDS)
def test_asterisk_sends_every_event_we_keep(operands, until):
    watch = _watch(operands, until if until else ())
    actions, _ = FilterPlan(watch).actions(MATCH_CRITERIA)
    entries = [(dict(headers).get("MatchCriteria", ""), dict(headers).get("Filter", "")) for _, headers in actions]
    for pairs in EVENTS:
        message, text = _event(pairs)
        kept = watch.filters.matches(message) or (watch.until is not None and watch.until.matches(message))
        if kept:
            assert asterisk_sends(entries, pairs[0][1], text), (operands, until, entries, pairs)


def test_the_model_holds_back_what_the_filter_leaves_out():
    """The test above could pass with no filter at all: here the filters do leave events out."""
    watch = _watch(["Event=Newchannel", "Channel=*;2"])
    entries = [(c, p) for c, p in watch.filters.match_criteria()]
    sent = [pairs[0][1] for pairs in EVENTS if asterisk_sends(entries, pairs[0][1], _event(pairs)[1])]
    assert sent == ["Newchannel"]
    entries = EventFilter(["Event!=VarSet", "Event!=*Status"]).match_criteria()
    assert [p[0][1] for p in EVENTS if asterisk_sends(entries, p[0][1], _event(p)[1])] == \
        ["Newchannel", "Hangup", "UserEvent"]


def test_no_release_is_asked_about_when_no_filter_would_be_sent():
    assert not FilterPlan(_watch([])).wanted()
    assert not FilterPlan(_watch(["Channel!=x"])).wanted()
    assert FilterPlan(_watch(["Event=Hangup"])).wanted() and FilterPlan(_watch(["Event!=VarSet"])).wanted()
