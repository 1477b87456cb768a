"""'core show calls', with and without the uptime lines.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import core_show_calls

from cli_samples import run


def test_calls_22():
    assert run(core_show_calls, "core-show-calls-22.txt")[0] == [
        {"active_calls": 6, "max_calls": None, "calls_processed": 6, "system_uptime": None}
    ]


def test_calls_uptime_13():
    records, warnings = run(core_show_calls, "core-show-calls-uptime-13.txt", "uptime")
    assert records == [
        {
            "active_calls": 2,
            "max_calls": 100,
            "calls_processed": 15,
            "system_uptime": 365 * 86400 + 17 * 86400 + 4 * 3600 + 5 * 60 + 6,
        }
    ]
    assert warnings == []


def test_calls_uptime_seconds_13():
    assert run(core_show_calls, "core-show-calls-uptime-seconds-13.txt", "uptime_seconds")[0] == [
        {"active_calls": 1, "max_calls": None, "calls_processed": 1, "system_uptime": 33019506}
    ]


def test_calls_16_every_variant():
    # Asterisk 16.28 (real captures), 4 seconds after a start: no maxcalls, so no "of N max" part.
    plain = {"active_calls": 6, "max_calls": None, "calls_processed": 6, "system_uptime": None}
    assert run(core_show_calls, "core-show-calls-16.txt") == ([plain], [])
    assert run(core_show_calls, "core-show-calls-uptime-16.txt", "uptime") == ([dict(plain, system_uptime=4)], [])
    assert run(core_show_calls, "core-show-calls-uptime-seconds-16.txt", "uptime_seconds") == (
        [dict(plain, system_uptime=4)], [])
