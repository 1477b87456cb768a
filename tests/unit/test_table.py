"""Records as columns: every column-at-a-time step gives what the
record-at-a-time step gives, JSON bytes included (hypothesis)."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amijson.clitext import output_lines
from amijson.document import run_table
from amijson.jsonout import dumps
from amijson.parsers import core_show_channels
from amijson.queries import channel_from_concise, channel_from_event, hms, integer, text
from amijson.records import Records
from amijson.table import Table, convert_column
from amijson.wire import AmiParser, MessageRun

EXAMPLES = int(os.environ.get("AMIJSON_FUZZ_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

# Strings that exercise escaping, placeholders, stripping and number parsing.
words = st.one_of(st.sampled_from(["", " ", "Up", "<unknown>", "(None)", " x ", '"q"', "a\\b", "\t", "é", "\x7f",
                                   "12", "007", " 3", "-1", "1_0", "00:01:02", "1:2", "x:y:z", "%s", "%"]),
                  st.text(max_size=6))
values = st.one_of(words, st.none(), st.integers(-5, 10 ** 6), st.booleans(), st.floats(allow_nan=False))


@st.composite
def tables(draw, cells=values):
    width = draw(st.integers(0, 5))
    count = draw(st.integers(0, 12))
    keys = draw(st.lists(st.sampled_from(["a", "b", "c%", 'd"', "é", "f"]), min_size=width, max_size=width,
                         unique=True))
    column = st.lists(cells, min_size=count, max_size=count)
    # Some columns of one kind only, as real ones are, so that the fast forms run.
    one_kind = st.one_of(st.lists(words, min_size=count, max_size=count),
                         st.lists(st.one_of(words, st.none()), min_size=count, max_size=count),
                         st.lists(st.integers(0, 99), min_size=count, max_size=count),
                         st.lists(st.sampled_from(["Up", "Ring", "x y"]), min_size=count, max_size=count))
    return Table(keys, [draw(st.one_of(column, one_kind)) for _ in keys])


@PROFILE
@given(tables())
def test_table_json_is_what_dumps_writes_for_its_dicts(table):
    assert "[" + table.json() + "]" == dumps(table.dicts())
    assert dumps([table.items()]) == dumps(table.dicts())


@PROFILE
@given(st.lists(st.one_of(words, st.none(), st.integers(0, 99)), max_size=20))
def test_column_converters_agree_with_their_one_value_forms(column):
    for convert in (integer, hms):
        assert convert_column(convert, column) == [convert(value) for value in column]
    no_numbers = [value for value in column if not isinstance(value, int)]  # text() takes strings
    assert convert_column(text, no_numbers) == [text(value) for value in no_numbers]
    strings = [value for value in column if isinstance(value, str)]
    for convert in (text, integer, hms):
        assert convert_column(convert, strings) == [convert(value) for value in strings]


@PROFILE
@given(st.lists(st.one_of(words, st.none(), st.integers(0, 99), st.booleans()), min_size=1, max_size=6),
       st.lists(st.integers(0, 5), min_size=64, max_size=300))
def test_long_columns_of_repeated_values_convert_as_one_value_at_a_time(few, picks):
    # a long column of a few values (a duration, a state): converted once each, looked up
    column = [few[pick % len(few)] for pick in picks]
    for convert in (integer, hms):
        assert convert_column(convert, column) == [convert(value) for value in column]
    strings = [value for value in column if isinstance(value, str)]
    for convert in (text, integer, hms):
        assert convert_column(convert, strings) == [convert(value) for value in strings]


@PROFILE
@given(st.one_of(words, st.none(), st.integers(-5, 99), st.booleans()), st.integers(1, 80),
       st.one_of(st.none(), st.integers(-5, 99), st.booleans(), words))
def test_a_column_of_one_value_is_written_as_the_records_would_be(value, count, odd):
    # every record's value alike (written into the format once), and the same with one other
    # value (1 == True, but they are written differently)
    for column in ([value] * count, [value] * count + [odd]):
        table = Table(["a", "b%"], [column, list(range(len(column)))])
        assert "[" + table.json() + "]" == dumps(table.dicts())


def test_duration_and_number_columns_take_the_bulk_path():
    assert hms.column(["00:01:02", "10:00:00"]) == [62, 36000]
    assert integer.column(["1", "22"]) == [1, 22]
    assert text.column([" a ", "<unknown>", ""]) == ["a", None, None]


# --- concise output -------------------------------------------------------------------

FIELD = st.sampled_from(["", "x", "PJSIP/1-0001", "(None)", "Wait", "36000", "1", "-", " 2", "a b",
                         "6312365e-e6b8-472c-a65c-bdc84d25987d", "SIP/200-0002", "é"])


@st.composite
def concise_outputs(draw):
    count = draw(st.integers(0, 80))
    lines = []
    for _ in range(count):
        fields = draw(st.lists(FIELD, min_size=14, max_size=14))
        if draw(st.integers(0, 40)) == 0:  # now and then a "!" in the data, or 1.6's 13 fields
            fields = fields[:6] + ["a!b"] + fields[7:] if draw(st.booleans()) else fields[:13]
        lines.append("!".join(fields))
    if draw(st.integers(0, 20)) == 0:
        lines.insert(0, "")
    return "\n".join(lines) + "\n"


def record_at_a_time(text):
    lines = [line.rstrip() for line in text.splitlines()]
    return core_show_channels._parse_concise(lines, [])


@PROFILE
@given(concise_outputs())
def test_concise_table_gives_the_line_by_line_records(text):
    records = core_show_channels.parse_table(text, "concise", [])
    as_dicts = records.dicts() if isinstance(records, Table) else records
    assert as_dicts == record_at_a_time(text)
    assert core_show_channels.parse(text, "concise", []) == as_dicts
    # and the channels query maps them alike, a column or a record at a time
    mapped = Records.of(records).map(channel_from_concise)
    assert dumps(mapped.json_list()) == dumps([channel_from_concise(r) for r in as_dicts])


def test_a_long_plain_concise_output_is_a_table():
    line = "PJSIP/%d-01!ctx!100!1!Up!Wait!36000!!!!3!42!!1700000000.%d"
    text = "\n".join(line % (i, i) for i in range(200)) + "\n"
    records = core_show_channels.parse_table(text, "concise", [])
    assert isinstance(records, Table) and records.count == 200
    assert records.dicts()[5]["priority"] == 1 and records.dicts()[5]["duration"] == 42


# --- AMI runs ---------------------------------------------------------------------------

def test_run_table_and_channel_mapping_agree_with_the_dicts():
    event = (b"Event: CoreShowChannel\r\nActionID: 1\r\nChannel: PJSIP/%d\r\nChannelStateDesc: Up\r\n"
             b"CallerIDNum: <unknown>\r\nPriority: %d\r\nDuration: 00:0%d:10\r\nBridgeId: \r\n\r\n")
    data = b"".join(event % (i, i, i % 10) for i in range(300))
    items = AmiParser(expect_banner=False, run_after=0).feed(data)
    run = next(item for item in items if isinstance(item, MessageRun))
    dicts = [m.fields for m in run.messages()]
    table = run_table(run, ["Channel", "Duration", "Nope"])
    assert table.dicts() == [{"Channel": d["Channel"], "Duration": d["Duration"], "Nope": None} for d in dicts]
    assert channel_from_event.table(run_table(run, channel_from_event.sources)).dicts() == \
        [channel_from_event(d) for d in dicts]


# --- the rx route: output parsed while it arrives ------------------------------------------

@PROFILE
@given(concise_outputs(), st.lists(st.integers(min_value=0, max_value=10 ** 6), max_size=10),
       st.sampled_from([1, 64, 16384]))
def test_output_parsed_in_pieces_gives_the_records_of_the_whole(text, cuts, piece):
    from amijson.parsers import OutputParse
    data = text.encode("utf-8")
    streamed = OutputParse.for_command("core show channels concise", channel_from_concise)
    streamed.PIECE = piece
    points = sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]
    last = 0
    for point in points:
        streamed.feed(data[last:point])
        last = point
    streamed.feed(b"", final=True)
    parsed = streamed.records()
    whole = [channel_from_concise(r) for r in core_show_channels.parse(text, "concise", [])]
    if parsed is not None:  # None: some piece needs the whole output, which then decides
        assert parsed[0] == "core_show_channels.concise"
        assert dumps(parsed[1].json_list()) == dumps(whole)
        lines = output_lines(text)
        items = streamed.output_items(len(lines))
        if text:
            assert dumps(items) == dumps(lines)


def test_output_parsed_in_pieces_gives_nothing_until_its_end_came():
    # A route that stops handing the output on (a broken AMI output tap) never ends it:
    # the pieces it fed must not pass for the whole output.
    from amijson.parsers import OutputParse
    streamed = OutputParse.for_command("core show channels concise", channel_from_concise)
    streamed.PIECE = 1
    streamed.feed(b"PJSIP/a!ctx!s!1!Up!Wait!5!!!!3!7!!17.1\n")
    assert streamed.records() is None and streamed.output_items(1) is None
    streamed.feed(b"", final=True)
    assert len(streamed.records()[1]) == 1 and streamed.output_items(1) is not None


def test_only_line_wise_parsers_stream():
    from amijson.parsers import OutputParse
    assert OutputParse.for_command("core show channels concise") is not None
    assert OutputParse.for_command("core show channels") is None  # a table: the header decides
    assert OutputParse.for_command("database show") is None
