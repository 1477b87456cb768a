"""The shared column helpers (amijson/parsers/columns.py): ANSI stripping, column spans, durations."""

from amijson.parsers import columns


def test_strip_ansi():
    assert columns.strip_ansi("\x1b[1;32mUp\x1b[0m  x") == "Up  x"
    assert columns.strip_ansi(None) == ""


def test_column_spans_and_cut():
    header = "Module                         Description                              Use Count  Status"
    spans = columns.column_spans(header, ["Module", "Description", "Use Count", "Status", "Missing"])
    assert spans == [("Module", 0, 31), ("Description", 31, 72), ("Use Count", 72, 83), ("Status", 83, None)]
    line = "app_dial.so                    Dialing Application                      2          Running"
    assert columns.cut(line, spans) == {
        "Module": "app_dial.so",
        "Description": "Dialing Application",
        "Use Count": "2",
        "Status": "Running",
    }


def test_hms_and_plural_durations():
    assert columns.hms_to_seconds("01:02:03") == 3723
    assert columns.hms_to_seconds("100:00:01") == 360001
    assert columns.hms_to_seconds("-") is None
    assert columns.hms_to_seconds("") is None
    assert columns.plural_duration_to_seconds(
        "1 year, 2 weeks, 3 days, 4 hours, 5 minutes, 6 seconds"
    ) == 365 * 86400 + 14 * 86400 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6
    assert columns.plural_duration_to_seconds("1 week, 1 day, 1 hour, 1 minute, 1 second") == 694861
    assert columns.plural_duration_to_seconds("45") == 45
    assert columns.plural_duration_to_seconds("nothing") is None
