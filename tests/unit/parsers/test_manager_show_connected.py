"""'manager show connected'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import manager_show_connected

from cli_samples import read, run


def test_manager_connected_22():
    assert run(manager_show_connected, "manager-show-connected-22.txt") == (
        [
            {
                "username": "amijson",
                "ip_address": "127.0.0.1",
                "start": 1795680214,
                "elapsed": 1,
                "file_descriptor": 48,
                "http_count": 0,
                "read_perms": 2147483647,
                "write_perms": 2147483647,
            }
        ],
        [],
    )


def test_manager_connected_13_overflowing_perms_and_truncation():
    records, warnings = run(manager_show_connected, "manager-show-connected-13.txt")
    assert records[0]["ip_address"] == "2001:db8:85a3::8a2e:370:7334"
    assert records[0]["read_perms"] == 2147483647 and records[0]["write_perms"] == 2147483647
    assert records[1]["username"] == "a-very-long-use"
    assert (records[1]["read_perms"], records[1]["write_perms"]) == (7, 0)  # "00007" "00000"
    assert records[1]["http_count"] == 1 and records[1]["file_descriptor"] == 18
    assert warnings == ["records[1].username may be truncated at 15 characters (fixed-width column)"]


def test_manager_connected_18_and_empty():
    records, warnings = run(manager_show_connected, "manager-show-connected-1.8.txt")
    assert records[0]["ip_address"] == "192.168.100.200"
    assert records[0]["read_perms"] == 65535 and records[0]["start"] == 1300000000
    assert warnings == []  # a full IPv4 address is not a cut one
    assert run(manager_show_connected, "manager-show-connected-empty-13.txt") == ([], [])


def test_manager_connected_fewer_columns():
    text = "  Username         IP Address       Start\n  bob              10.1.1.1         1300000000\n1 users connected.\n"
    records, _ = run(manager_show_connected, None, text=text)
    assert records == [
        {
            "username": "bob",
            "ip_address": "10.1.1.1",
            "start": 1300000000,
            "elapsed": None,
            "file_descriptor": None,
            "http_count": None,
            "read_perms": None,
            "write_perms": None,
        }
    ]


def test_manager_connected_16_read_write_headers():
    # Asterisk 16.28 (real capture): the last columns are headed Read and Write (22: ReadPerms,
    # WritePerms), 5 wide, and the 10-digit permissions overflow them.
    header = read("manager-show-connected-16.txt").splitlines()[0]
    assert header.endswith("HttpCnt   Read   Write")
    assert run(manager_show_connected, "manager-show-connected-16.txt") == (
        [
            {
                "username": "amijson",
                "ip_address": "127.0.0.1",
                "start": 1796094989,
                "elapsed": 0,
                "file_descriptor": 50,
                "http_count": 0,
                "read_perms": 2147483647,
                "write_perms": 2147483647,
            }
        ],
        [],
    )
