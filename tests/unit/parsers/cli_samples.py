"""What the parser tests share: the CLI output samples in tests/data/cli/ (see its README.md:
the *-22.txt files are real captures from Asterisk 22.10.1 and the *-16.txt files from Asterisk
16.28.0, both made by the sandbox; the others are built from the format strings of older
versions), and a way to run a parser module on one.

Each parser's test module checks the records of its 22 and 16 captures;
test_parser_registry.py checks that every 16 capture goes to the parser the registry picks for
its command, with no generic-parser fallback.

A helper module rather than a conftest.py: tests/faults imports ``conftest`` by that name, and
a second conftest.py would take its place in ``sys.modules``."""

import pathlib

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "cli"

# In core-show-channels-concise-22.txt: a channel whose application data holds '!'s, and its bridge.
BANG = "Local/bang@amijson-test-00000002;2"
BRIDGE = "6312365e-e6b8-472c-a65c-bdc84d25987d"


def read(name):
    return (DATA / name).read_text()


def run(module, name, variant=None, text=None):
    """(records, warnings) of ``module.parse`` on sample ``name``, or on ``text``."""
    warnings = []
    records = module.parse(read(name) if text is None else text, variant=variant, warnings=warnings)
    return records, warnings


def by(records, key, value):
    """The one record whose ``key`` is ``value``."""
    found = [r for r in records if r[key] == value]
    assert len(found) == 1, (key, value, records)
    return found[0]
