"""Every CLI parser in the registry keeps the jc-style interface, and its docstring's example
is true: the example input, run through ``parse``, gives the example output."""

import importlib
import json
import textwrap

import pytest

from amijson.parsers import GENERIC, MODULES

ALL = MODULES + (GENERIC,)


def _examples(doc):
    """[(input, output)] of the docstring's ``Example input ...::`` and ``Example output ...::``
    blocks, in order."""
    lines = doc.split("\n")
    blocks = []  # (kind, text)
    for number, line in enumerate(lines):
        for kind in ("input", "output"):
            if line.startswith("Example " + kind) and line.rstrip().endswith("::"):
                body = []
                for follow in lines[number + 1:]:
                    if follow.strip() and not follow.startswith(" "):
                        break
                    body.append(follow)
                blocks.append((kind, textwrap.dedent("\n".join(body)).strip("\n")))
    return [(text, following) for (kind, text), (next_kind, following) in zip(blocks, blocks[1:])
            if kind == "input" and next_kind == "output"]


@pytest.mark.parametrize("name", ALL)
def test_module_declares_commands_and_parse(name):
    module = importlib.import_module("amijson.parsers." + name)
    assert module.__doc__ and "Usage::" in module.__doc__, name
    assert callable(module.parse)
    if name != GENERIC:
        assert isinstance(module.COMMANDS, dict) and module.COMMANDS, name
        assert all(command == command.lower().strip() for command in module.COMMANDS), name


@pytest.mark.parametrize("name", ALL)
def test_no_text_is_no_records(name):
    module = importlib.import_module("amijson.parsers." + name)
    assert module.parse("") == []
    assert module.parse("", variant=None, warnings=None) == []


@pytest.mark.parametrize("name", ALL)
def test_docstring_example_is_what_parse_gives(name):
    module = importlib.import_module("amijson.parsers." + name)
    examples = _examples(module.__doc__)
    assert examples, "%s's docstring has no Example input/output" % name
    variants = list(dict.fromkeys(getattr(module, "COMMANDS", {}).values())) or [None]
    for given, expected in examples:
        results = []
        for variant in variants:
            records = module.parse(given + "\n", variant, [])
            if not isinstance(records, list):  # a Table: records as columns
                records = list(records.items())
            results.append(json.loads(json.dumps(records, default=str)))
        assert json.loads(expected) in results, (name, given, results)
