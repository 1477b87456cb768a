"""A profile's allow-list: Asterisk's CLI words, command patterns, action headers, pins."""

import pytest

from amijson.allowlist import AllowList, CommandPattern, cli_words
from amijson.errors import AmijsonError

PROFILE = {
    "allow_queries": "channels, Status",
    "allow_actions": "Originate, QueueSummary",
    "allow_commands": "core show channels concise, queue show *, pjsip show ...",
    "pin": "Originate Context=from-web, Originate Async=true, Originate Channel=PJSIP/*",
    "forbid": "Originate Application, Originate Data",
}


def allow(**body):
    return AllowList.of("web", body or PROFILE, "/etc/amijson.conf")


def refused(call, *args):
    with pytest.raises(AmijsonError) as caught:
        call(*args)
    assert caught.value.code == "forbidden" and caught.value.exit_code == 7
    assert "[web]" in caught.value.message
    return caught.value.message


@pytest.mark.parametrize("text, words", [
    ("core show channels", ["core", "show", "channels"]),
    ("  core \t show   channels ", ["core", "show", "channels"]),
    ('core "show" channels', ["core", "show", "channels"]),
    ('co"re" show', ["core", "show"]),
    ('queue show "my queue"', ["queue", "show", "my queue"]),
    ('queue show ""', ["queue", "show", ""]),
    (r"core\ show", ["core show"]),
    (r'say \"hi\"', ["say", '"hi"']),
    ("core\nshow", ["core\nshow"]),  # only spaces and tabs split (and the CLI never gets a newline from us)
    ("", []),
])
def test_cli_words_are_split_as_asterisk_splits_them(text, words):
    assert cli_words(text) == words


@pytest.mark.parametrize("command", ["core show channels concise", "CORE Show CHANNELS concise",
                                     '  core  "show" channels\tconcise', "queue show support", 'queue show "a b"',
                                     "pjsip show endpoints", "pjsip show endpoint 101 extra words",
                                     "core show channels concise\\"])  # a last backslash escapes nothing
def test_allowed_commands_in_every_spelling_asterisk_takes(command):
    allow().check_command(command)


@pytest.mark.parametrize("command", ["core stop now", "core show channels", "core show channels concise x",
                                     "queue show", "queue show a b", "pjsip", "core show channelsconcise",
                                     '"core show channels concise"', ""])
def test_every_other_command_is_refused_naming_the_rule(command):
    assert "allow_commands = " in refused(allow().check_command, command)


def test_a_pattern_word_stands_for_one_word_and_the_last_dots_for_any_more():
    pattern = CommandPattern("queue show *")
    assert pattern.matches(["queue", "show", "x"]) and not pattern.matches(["queue", "show"])
    assert CommandPattern("pjsip show ...").matches(["pjsip", "show"])


def test_queries_are_allowed_by_name_in_any_case():
    allow().check_query("status")
    allow().check_query("channels")
    assert "allow_queries = channels, status" in refused(allow().check_query, "queues")


def test_events_need_their_own_yes():
    refused(allow().check_events)
    allow(allow_events="yes").check_events()


def test_an_action_not_listed_is_refused_and_names_are_compared_in_any_case():
    refused(allow().action_headers, "CoreShowChannels", [])
    assert allow().action_headers("queuesummary", [("Queue", "x")]) == [("Queue", "x")]


def test_action_command_is_its_cli_command_in_every_copy():
    refused(allow().action_headers, "command", [("Command", "core stop now")])
    refused(allow().action_headers, "COMMAND", [("command", "queue show a"), ("Command", "core stop now")])
    refused(allow().action_headers, "Command", [])
    assert allow().action_headers("Command", [("Command", "queue show a")]) == [("Command", "queue show a")]


GOOD = [("Channel", "PJSIP/101"), ("Exten", "102"), ("Priority", "1")]


def test_pinned_headers_are_added_when_missing():
    headers = allow().action_headers("Originate", GOOD)
    assert headers == GOOD + [("Context", "from-web"), ("Async", "true")]


@pytest.mark.parametrize("extra", [[("Context", "default")], [("context", "from-web"), ("CONTEXT", "default")],
                                   [("Context", "from-web2")], [("Async", "false")], [("Context", "From-Web")]])
def test_a_pinned_header_with_another_value_in_any_copy_or_case_is_refused(extra):
    assert "pin = Originate" in refused(allow().action_headers, "Originate", GOOD + extra)


def test_a_pinned_header_given_right_is_kept_once():
    headers = allow().action_headers("Originate", GOOD + [(" context", " from-web")])
    assert [key for key, _ in headers].count("Context") == 0 and len(headers) == len(GOOD) + 2


@pytest.mark.parametrize("channel", ["Local/100@admin", "SIP/x", "pjsip/101", "", "PJSIP/101&Local/1@admin",
                                     "PJSIP/1/sip:x@evil", "PJSIP/ 1"])
def test_a_pattern_pin_must_be_given_and_match(channel):
    refused(allow().action_headers, "Originate", [("Channel", channel), ("Exten", "1")])
    refused(allow().action_headers, "Originate", [("Exten", "1")])


@pytest.mark.parametrize("header", ["Application", "application", "DATA"])
def test_a_forbidden_header_is_refused_whatever_its_value_and_case(header):
    assert "forbid = Originate" in refused(allow().action_headers, "Originate", GOOD + [(header, "")])


def test_no_list_keys_no_list_and_bad_rules_are_config_errors():
    assert AllowList.of("x", {"host": "h"}, "f") is None
    assert AllowList.of("x", {"allow_queries": ""}, "f") is not None  # an empty list allows nothing
    for body in ({"pin": "Originate Context"}, {"pin": "Originate"}, {"forbid": "Originate"},
                 {"forbid": "Originate A B"}):
        with pytest.raises(AmijsonError) as caught:
            AllowList.of("x", body, "f")
        assert caught.value.code == "config"


@pytest.mark.parametrize("value, pin, expected", [
    ("Local/123@from-web", "Local/*@from-web", True), ("Local/1@admin/x@from-web", "Local/*@from-web", False),
    ("Local/@from-web", "Local/*@from-web", True), ("Local/12@from-web", "Local/??@from-web", True),
    ("Local/1@from-web", "Local/??@from-web", False), ("PJSIP/101", "PJSIP/*", True), ("PJSIP/1,2", "PJSIP/*", False),
    ("from-web", "from-web", True), ("from-web ", "from-web", False), ("a" * 5000 + "b", "*a*a*a*a*a*c", False),
])
def test_a_pin_pattern_never_lets_a_separator_through(value, pin, expected):
    from amijson.allowlist import _pinned
    assert _pinned(value, pin) is expected
