"""'core show uptime' and 'core show uptime seconds'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import core_show_uptime

from cli_samples import run


def test_uptime_22_both_variants():
    assert run(core_show_uptime, "core-show-uptime-22.txt")[0] == [{"system_uptime": 45, "last_reload": 45}]
    assert run(core_show_uptime, "core-show-uptime-seconds-22.txt", "seconds")[0] == [
        {"system_uptime": 45, "last_reload": 45}
    ]


def test_uptime_13_and_18():
    assert run(core_show_uptime, "core-show-uptime-13.txt")[0] == [
        {"system_uptime": 7 * 86400 + 86400 + 3600 + 60 + 1, "last_reload": 7205}
    ]
    assert run(core_show_uptime, "core-show-uptime-1.8.txt")[0] == [
        {"system_uptime": 2 * 86400 + 3 * 3600 + 60, "last_reload": None}
    ]


def test_uptime_empty():
    assert run(core_show_uptime, None, text="")[0] == []


def test_uptime_16_both_variants():
    # Asterisk 16.28 (real captures): "4 seconds" and "4" read alike.
    assert run(core_show_uptime, "core-show-uptime-16.txt") == ([{"system_uptime": 4, "last_reload": 4}], [])
    assert run(core_show_uptime, "core-show-uptime-seconds-16.txt", "seconds") == (
        [{"system_uptime": 4, "last_reload": 4}], [])
