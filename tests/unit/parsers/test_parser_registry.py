"""The parser registry (amijson/parsers/__init__.py): which module and variant a command finds.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

import pytest

from amijson import parsers
from amijson.parsers import module_show

from cli_samples import BANG, BRIDGE, DATA, by, read


def _registry():
    import amijson.parsers as parsers

    missing = []
    for name in parsers.MODULES:
        try:
            parsers._load(name)
        except ImportError:
            missing.append(name)
    if missing:
        pytest.fail("parser modules not present yet: %s" % ", ".join(missing))
    return parsers


def test_registry_find():
    parsers = _registry()
    assert parsers.find("core sh chan conc").name == "core_show_channels.concise"
    assert parsers.find("core show channels").name == "core_show_channels"
    assert parsers.find("core show channels verbose").variant == "verbose"
    assert parsers.find("core show channels count").name == "core_show_channels.count"
    match = parsers.find("module show like pjsip")
    assert match.variant == "like" and match.arguments == ["pjsip"]
    assert match.module is module_show
    assert parsers.find("database show amijson").arguments == ["amijson"]
    assert parsers.find("database show amijson").name == "database_show"
    assert parsers.find("core show calls uptime seconds").name == "core_show_calls.uptime_seconds"
    assert parsers.find("core show uptime").name == "core_show_uptime"
    assert parsers.find("core show version").name == "core_show_version"
    assert parsers.find("bridge show all").name == "bridge_show"
    assert parsers.find("manager show connected").name == "manager_show_connected"
    assert parsers.find("some unknown thing").name == "generic"


def test_registry_shortcut_agrees_with_the_full_scan():
    # find() asks the module named after a command first; every declared command,
    # abbreviated or with an argument, must get what scanning every module gives.
    parsers = _registry()
    table = parsers._table()
    declared = [" ".join(words) for words, _variant, _name in table]
    assert len(declared) == len(set(declared)), "a command declared by two modules"

    def scanned(command):
        words = command.split()
        best = None
        for words_declared, variant, name in table:
            if len(words_declared) <= len(words) and all(
                    w.startswith(t) for w, t in zip(words_declared, words)):
                # the longest declared command; of equal ones, the most words typed in full
                score = (len(words_declared), sum(w == t for w, t in zip(words_declared, words)))
                if best is None or score > best[3]:
                    best = (words_declared, variant, name, score)
        return best[2] if best else "generic", best[1] if best else None

    for command in declared:
        for typed in (command, command + " extra", " ".join(w[:3] for w in command.split())):
            match = parsers.find(typed)
            assert (match.module.__name__.rsplit(".", 1)[1], match.variant) == scanned(typed), typed


def test_registry_parse():
    parsers = _registry()
    warnings = []
    name, records = parsers.parse("core show channels concise", read("core-show-channels-concise-22.txt"), warnings)
    assert name == "core_show_channels.concise"
    assert by(records, "channel", BANG)["bridge_id"] == BRIDGE


@pytest.mark.parametrize("command, module, variant", [
    ("pjsip show endpoints", "pjsip_endpoints", "show"),
    ("pjsip list endpoints", "pjsip_endpoints", "list"),
    ("pjsip show endpoints like 10", "pjsip_endpoints", "show"),
    ("pjsip show contacts", "pjsip_contacts", "default"),
    ("pjsip show aors", "pjsip_aors", "default"),
    ("sip show peers", "sip_show_peers", "default"),
    ("sip show peers like 10", "sip_show_peers", "like"),
    ("queue show", "queue_show", "default"),
    ("queue show support", "queue_show", "default"),
])
def test_registry_finds_these_parsers(command, module, variant):
    match = parsers.find(command)
    assert match.module.__name__ == "amijson.parsers." + module
    assert match.variant == variant


# Every real capture from Asterisk 16.28 (tests/data/cli/README.md), by the command it is the output
# of: file names are the command with dashes for spaces (``core show channel bang`` is
# ``core show channel`` with the bridged channel's name as its argument).
CAPTURES_16 = sorted(path.name for path in DATA.glob("*-16.txt"))
# Captures of a command that failed: the registry's parser takes them, as no records.
FAILING_16 = {"queue-show-nosuch-16.txt": "No such queue: nosuch."}
# The parser the registry must pick for each capture.
PARSER_16 = {
    "bridge-show-all-16.txt": "bridge_show",
    "core-show-calls-16.txt": "core_show_calls",
    "core-show-calls-uptime-16.txt": "core_show_calls.uptime",
    "core-show-calls-uptime-seconds-16.txt": "core_show_calls.uptime_seconds",
    "core-show-channel-bang-16.txt": "core_show_channel",
    "core-show-channels-16.txt": "core_show_channels",
    "core-show-channels-concise-16.txt": "core_show_channels.concise",
    "core-show-channels-count-16.txt": "core_show_channels.count",
    "core-show-channels-verbose-16.txt": "core_show_channels.verbose",
    "core-show-uptime-16.txt": "core_show_uptime",
    "core-show-uptime-seconds-16.txt": "core_show_uptime.seconds",
    "core-show-version-16.txt": "core_show_version",
    "database-show-16.txt": "database_show",
    "iax2-show-peers-16.txt": "iax2_show_peers",
    "manager-show-connected-16.txt": "manager_show_connected",
    "module-show-16.txt": "module_show",
    "module-show-like-pjsip-16.txt": "module_show.like",
    "pjsip-list-endpoints-16.txt": "pjsip_endpoints.list",
    "pjsip-show-aors-16.txt": "pjsip_aors",
    "pjsip-show-contacts-16.txt": "pjsip_contacts",
    "pjsip-show-endpoints-16.txt": "pjsip_endpoints.show",
    "queue-show-16.txt": "queue_show",
    "queue-show-nosuch-16.txt": "queue_show",
    "queue-show-support-16.txt": "queue_show",
    "sip-show-peers-16.txt": "sip_show_peers",
    "sip-show-peers-like-b-16.txt": "sip_show_peers.like",
}


def test_every_16_capture_is_named_here():
    # A new capture must say here which parser takes it (and so be tested below).
    assert CAPTURES_16 == sorted(PARSER_16)


@pytest.mark.parametrize("name", CAPTURES_16)
def test_every_16_capture_is_parsed_by_the_registrys_parser(name):
    command = name[:-len("-16.txt")].replace("-", " ")
    warnings = []
    parser, records = parsers.parse(command, read(name), warnings)
    assert parser == PARSER_16[name] != parsers.GENERIC
    assert not [w for w in warnings if w.startswith("no parser for this command")], warnings
    if name in FAILING_16:
        assert read(name).strip() == FAILING_16[name]
        assert (list(records), warnings) == ([], [])
    else:
        assert len(records) >= 1
        # only notes on fixed-width columns Asterisk may have cut, nothing about the text's shape
        assert all("may be truncated at" in w for w in warnings), warnings


@pytest.mark.parametrize("command", ["pjsip show endpoints", "pjsip show contacts", "pjsip show aors",
                                     "core show channels count", "queue show"])
def test_a_command_typed_in_full_loads_only_its_own_module(command):
    """A named query asks one of these on every run: loading all fifteen parsers for it would
    cost more than the query's own work (docs/speed.md). What find() loads is what importing
    the module it finds loads."""
    import subprocess
    import sys

    def parser_modules(code):
        script = "import sys\n%s\nprint(sorted(n for n in sys.modules if n.startswith('amijson.parsers.')))" % code
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                             cwd=str(parsers.__file__).rsplit("/amijson/", 1)[0])
        assert run.returncode == 0, run.stderr
        return run.stdout

    found = parsers.find(command).module.__name__
    assert parser_modules("from amijson import parsers; parsers.find(%r)" % command) == parser_modules(
        "import %s" % found)


def test_every_module_declares_the_command_it_is_named_after():
    parsers = _registry()
    for command, name in parsers._BY_COMMAND.items():
        declared = parsers._load(name).COMMANDS
        assert any(c == command or c.startswith(command + " ") for c in declared), (name, command, declared)
