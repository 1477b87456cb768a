"""'iax2 show peers' (chan_iax2): the real 16 capture, and rows built from its format.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import iax2_show_peers

from cli_samples import read, run


def test_iax2_show_peers_16():
    """The 16 sandbox's three peers: answered (chan_iax2 itself), unmonitored, and silent."""
    records, warnings = run(iax2_show_peers, "iax2-show-peers-16.txt")
    assert records == [
        {"name": "trunk-iax", "username": None, "host": "127.0.0.1", "dynamic": False, "mask": "255.255.255.255",
         "port": 4669, "status": records[0]["status"], "latency_ms": records[0]["latency_ms"], "description": None},
        {"name": "iax-unmonitored", "username": None, "host": "127.0.0.1", "dynamic": False,
         "mask": "255.255.255.255", "port": 4569, "status": "Unmonitored", "latency_ms": None, "description": None},
        {"name": "iax-silent", "username": None, "host": "127.0.0.1", "dynamic": False, "mask": "255.255.255.255",
         "port": 4679, "status": "UNREACHABLE", "latency_ms": None, "description": None},
    ]
    assert records[0]["status"] == "OK (%d ms)" % records[0]["latency_ms"]
    # a 15-character name fills the %-15.15s column: it may have been cut
    assert warnings == ["records[1].name may be truncated at 15 characters (fixed-width column)"]


def test_a_dynamic_peer_a_username_a_lagged_status_and_a_description():
    header = read("iax2-show-peers-16.txt").splitlines()[0]
    rows = [
        "%-15.15s  %-40.40s %s  %-40.40s  %-5d%s  %-11s %-32.32s" % (
            "office/100", "(Unspecified)", "(D)", "0.0.0.0", 0, "        ", "UNKNOWN", "front desk"),
        "%-15.15s  %-40.40s %s  %-40.40s  %-5d%s  %-11s %-32.32s" % (
            "carrier-east-primary", "203.0.113.7", "(S)", "255.255.255.255", 4569, "        ",
            "LAGGED (2500 ms)", "the upstream carrier, east coast site"),
    ]
    text = "\n".join([header] + rows + ["2 iax2 peers [0 online, 2 offline, 0 unmonitored]"])
    warnings = []
    records = iax2_show_peers.parse(text, None, warnings)
    assert records == [
        {"name": "office", "username": "100", "host": None, "dynamic": True, "mask": "0.0.0.0", "port": None,
         "status": "UNKNOWN", "latency_ms": None, "description": "front desk"},
        {"name": "carrier-east-pr", "username": None, "host": "203.0.113.7", "dynamic": False,
         "mask": "255.255.255.255", "port": 4569, "status": "LAGGED (2500 ms)", "latency_ms": 2500,
         "description": "the upstream carrier, east coast"},
    ]
    assert warnings == ["records[1].name may be truncated at 15 characters (fixed-width column)",
                        "records[1].description may be truncated at 32 characters (fixed-width column)"]


def test_no_peers_and_a_line_that_is_not_a_row():
    header = read("iax2-show-peers-16.txt").splitlines()[0]
    assert iax2_show_peers.parse(header + "\n0 iax2 peers [0 online, 0 offline, 0 unmonitored]\n") == []
    warnings = []
    assert iax2_show_peers.parse(header + "\nsomething else entirely\n", None, warnings) == []
    assert warnings == ["unrecognised line ignored: 'something else entirely'"]
