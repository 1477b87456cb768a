"""'core show version'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import core_show_version

from cli_samples import run


def test_version_22():
    assert run(core_show_version, "core-show-version-22.txt")[0] == [
        {
            "version": "22.10.1+dfsg+~cs6.17.60671434-1",
            "built_by": "nobody",
            "build_host": "buildd.debian.org",
            "machine": "unknown",
            "os": "Linux",
            "build_date": "2026-07-20 21:35:32 UTC",
        }
    ]


def test_version_13_and_lenient():
    record = run(core_show_version, "core-show-version-13.txt")[0][0]
    assert record["version"] == "13.38.3"
    assert record["machine"] == "x86_64" and record["build_host"] == "pbx.example.com"
    bare = run(core_show_version, None, text="Asterisk 16.2.1~dfsg-1\n")[0][0]
    assert bare == {
        "version": "16.2.1~dfsg-1",
        "built_by": None,
        "build_host": None,
        "machine": None,
        "os": None,
        "build_date": None,
    }


def test_version_16():
    assert run(core_show_version, "core-show-version-16.txt") == (
        [
            {
                "version": "16.28.0~dfsg-0+deb11u4",
                "built_by": "nobody",
                "build_host": "buildd.debian.org",
                "machine": "unknown",
                "os": "Linux",
                "build_date": "2024-01-04 17:58:50 UTC",
            }
        ],
        [],
    )
