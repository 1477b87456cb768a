"""The generic parser for commands without one of their own: a table, key: value lines, plain lines.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import generic

from cli_samples import run


def test_generic_table():
    # "bridge technology list": FORMAT "%-20s %-20s %8s %s\n" (main/bridge.c)
    fmt = "%-20s %-20s %8s %s\n"
    text = fmt % ("Name", "Type", "Priority", "Suspended")
    text += fmt % ("simple_bridge", "Mixing", 50, "No") + fmt % ("softmix", "Mixing", 10, "No")
    records, warnings = run(generic, None, text=text)
    assert records == [
        {"name": "simple_bridge", "type": "Mixing", "priority": "50", "suspended": "No"},
        {"name": "softmix", "type": "Mixing", "priority": "10", "suspended": "No"},
    ]
    assert warnings == ["no parser for this command; generic table parser used"]


def test_generic_key_value():
    text = "Value: hello\n  Name      : foo\nOther: bar\n"
    records, warnings = run(generic, None, text=text)
    assert records == [
        {"key": "Value", "value": "hello"},
        {"key": "Name", "value": "foo"},
        {"key": "Other", "value": "bar"},
    ]
    assert len(warnings) == 1 and "key: value" in warnings[0]


def test_generic_lines():
    text = "Reloading module 'foo'\nDone\n"
    records, warnings = run(generic, None, text=text)
    assert records == [{"line": "Reloading module 'foo'"}, {"line": "Done"}]
    assert len(warnings) == 1 and "plain lines" in warnings[0]


def test_generic_on_module_show():
    records, warnings = run(generic, "module-show-22.txt")
    assert records[0] == {
        "module": "acl",
        "description": "Named ACL system",
        "use_count": "2",
        "status": "Running",
        "support_level": "core",
    }
    # 15 rows with module names longer than 30 characters and the trailer
    assert len(records) == 316 - 15
    assert warnings == [
        "no parser for this command; generic table parser used; "
        "16 line(s) did not fit the table's columns and were left out"
    ]
