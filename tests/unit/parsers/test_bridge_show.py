"""'bridge show all', with and without the Name and Duration columns.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import bridge_show

from cli_samples import BRIDGE, read, run


def test_bridge_show_22():
    assert run(bridge_show, "bridge-show-all-22.txt") == (
        [
            {
                "bridge_id": BRIDGE,
                "name": None,
                "channels": 2,
                "type": "basic",
                "technology": "simple_bridge",
                "duration": 2,
            }
        ],
        [],
    )


def test_bridge_show_21_names():
    records, _ = run(bridge_show, "bridge-show-all-21.txt")
    assert records[0]["name"] == "my conference room"
    assert records[0]["channels"] == 3 and records[0]["technology"] == "softmix"
    assert records[0]["duration"] == 360001
    assert records[1]["name"] == "a-very-long-bridge-name-that-exceeds-36-characters"
    assert records[1]["channels"] == 1 and records[1]["type"] == "basic" and records[1]["duration"] == 9


def test_bridge_show_20_and_12():
    records, _ = run(bridge_show, "bridge-show-all-20.txt")
    assert records[0] == {
        "bridge_id": "0b9c1f5e-2f4d-4d0a-9c5e-8f0e1a2b3c4d",
        "name": None,
        "channels": 2,
        "type": "basic",
        "technology": "simple_bridge",
        "duration": 3723,
    }
    assert records[1]["type"] is None and records[1]["channels"] == 0 and records[1]["duration"] == 0
    records, _ = run(bridge_show, "bridge-show-all-12.txt")
    assert records == [
        {
            "bridge_id": "0b9c1f5e-2f4d-4d0a-9c5e-8f0e1a2b3c4d",
            "name": None,
            "channels": 2,
            "type": "basic",
            "technology": "simple_bridge",
            "duration": None,
        }
    ]


def test_bridge_show_empty():
    assert run(bridge_show, "bridge-show-all-empty-21.txt") == ([], [])


def test_bridge_show_16_has_no_name_column():
    # Asterisk 16.28 (real capture): no Name column (added in 20.13, 21.8, 22.3), so name is null.
    assert read("bridge-show-all-16.txt").startswith("Bridge-ID                            Chans Type ")
    assert run(bridge_show, "bridge-show-all-16.txt") == (
        [
            {
                "bridge_id": "983c2c15-36ae-47e0-9749-f8cb16d23591",
                "name": None,
                "channels": 2,
                "type": "basic",
                "technology": "simple_bridge",
                "duration": 3,
            }
        ],
        [],
    )
