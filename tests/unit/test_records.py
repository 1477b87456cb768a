"""amijson.records: one interface over dicts, Tables and runs of AMI events."""

import json

from amijson.document import EventBlock, message_to_json
from amijson.jsonout import dumps
from amijson.queries import FieldMap, integer, text
from amijson.records import Records
from amijson.table import Table
from amijson.wire import AmiParser, MessageRun

EVENT = (b"Event: CoreShowChannel\r\nActionID: 1\r\nChannel: PJSIP/%d\r\nPriority: %d\r\n"
         b"CallerIDNum: <unknown>\r\n\r\n")


def run_of(count):
    """A run of ``count`` events (the parser takes the first one as the run's template)."""
    items = AmiParser(expect_banner=False, run_after=0).feed(b"".join(EVENT % (i, i) for i in range(-1, count)))
    (run,) = [item for item in items if isinstance(item, MessageRun)]
    assert run.count == count
    return run


def mixed():
    """A dict, a Table, a run of events and a dict again, in that order."""
    records = Records([{"Channel": "first", "Priority": "0"}])
    records.add(Table(["Channel", "Priority"], [["t1", "t2"], ["1", "2"]]))
    records.add(EventBlock(run_of(3)))
    records.append({"Channel": "last", "Priority": "9"})
    return records


def test_length_iteration_and_equality_see_every_record_in_order():
    records = mixed()
    assert len(records) == 1 + 2 + 3 + 1
    channels = [r["Channel"] for r in records]
    assert channels == ["first", "t1", "t2", "PJSIP/0", "PJSIP/1", "PJSIP/2", "last"]
    assert records == list(records) and records == Records(list(records))
    assert records != list(records)[:-1]


def test_json_list_writes_what_the_dicts_would_be():
    records = mixed()
    assert json.loads(dumps(records.json_list())) == list(records)
    # the blocks go in as written JSON, not as dicts
    kinds = [type(part).__name__ for part in records.json_list()]
    assert kinds == ["dict", "JsonItems", "JsonItems", "dict"]


def test_an_empty_block_adds_nothing():
    records = Records()
    records.add(Table(["a"], [[]]))
    assert not records and len(records) == 0 and records.json_list() == [] and records == []


def test_a_field_map_maps_blocks_a_column_at_a_time_and_dicts_one_by_one():
    mapper = FieldMap(("channel", text, "Channel"), ("priority", integer, "Priority"),
                      ("caller", text, "CallerIDNum"), ("none", None, None))
    records = mixed()
    mapped = records.map(mapper)
    assert mapped == [mapper(r) for r in records]
    assert [type(part).__name__ for part in mapped.json_list()] == ["dict", "JsonItems", "JsonItems", "dict"]
    assert list(mapped)[3] == {"channel": "PJSIP/0", "priority": 0, "caller": None, "none": None}


def test_a_plain_function_maps_every_record_one_by_one():
    records = mixed()
    mapped = records.map(lambda r: {"c": r["Channel"]})
    assert [r["c"] for r in mapped] == [r["Channel"] for r in records]
    assert all(type(part) is dict for part in mapped.json_list())


def test_of_takes_a_parser_list_or_a_table():
    assert Records.of([{"a": 1}]) == [{"a": 1}]
    assert Records.of(Table(["a"], [[1, 2]])) == [{"a": 1}, {"a": 2}]


def test_an_event_block_is_the_run_message_by_message():
    run = run_of(4)
    block = EventBlock(run)
    assert block.count == 4
    assert block.dicts() == [message_to_json(m) for m in run.messages()]
    assert json.loads("[" + block.items().text.decode() + "]") == block.dicts()
    assert block.table(["Channel", "Nope"]).dicts() == [{"Channel": "PJSIP/%d" % i, "Nope": None} for i in range(4)]


def test_an_event_block_mapped_while_the_list_came_is_not_mapped_again():
    mapper = FieldMap(("channel", text, "Channel"), ("priority", integer, "Priority"))
    block = EventBlock(run_of(3))
    early = block.mapped(mapper)  # what the AMI route makes as the run arrives
    records = Records()
    records.add(block)
    mapped = records.map(mapper)
    assert mapped.json_list()[0] is early.items()
    assert mapped == [mapper(message_to_json(m)) for m in run_of(3).messages()]
    other = FieldMap(("channel", text, "Channel"))
    assert records.map(other) == [{"channel": "PJSIP/%d" % i} for i in range(3)]  # another mapper: its own table
