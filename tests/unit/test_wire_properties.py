"""Property tests of the sans-IO parser (hypothesis).

Any byte string, split at any points, gives the same messages as fed whole, and
nothing but ProtocolError ever escapes. scripts/fuzz-parser runs the same
properties for a million examples or more, outside the normal test run.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amijson.jsonout import dumps
from amijson.wire import AmiParser, Banner, MessageRun, ProtocolError

EXAMPLES = int(os.environ.get("AMIJSON_FUZZ_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
# Pieces AMI streams are made of, so that random streams hit the interesting paths.
PIECES = [b"\r\n", b"\n", b"\r", b": ", b":", b"Response: Success", b"Response: Follows", b"Event: X",
          b"ActionID: 1", b"EventList: start", b"EventList: Complete", b"--END COMMAND--", b"Output: ",
          b"Privilege: Command", b"\r\n\r\n", b"\n\n", b"\xe9", b"\xff\xfe", b"\x00", b"Key", b"value", b" "]
streams = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=12)), max_size=60).map(b"".join)


def feed_all(chunks):
    """Items from feeding the chunks in order: ('error',) if ProtocolError."""
    parser = AmiParser(max_message=4096)
    items = []
    try:
        for chunk in chunks:
            items.extend(parser.feed(chunk))
    except ProtocolError:
        return None
    return [(type(i).__name__, getattr(i, "text", None), getattr(i, "pairs", None), getattr(i, "body", None),
             tuple(getattr(i, "fell_back", ()))) for i in items]


def split(data, cuts):
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return pieces


@PROFILE
@given(streams, st.lists(st.integers(min_value=0, max_value=10 ** 6), max_size=12))
def test_any_split_gives_the_same_messages(body, cuts):
    data = BANNER + body
    whole = feed_all([data])
    parts = feed_all(split(data, cuts))
    if whole is None or parts is None:
        # a size error may come earlier or later, but both must refuse
        assert whole is None and parts is None
        return
    assert parts == whole


@PROFILE
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0, max_value=10 ** 6), max_size=8))
def test_arbitrary_bytes_raise_only_protocol_error(data, cuts):
    parser = AmiParser(max_message=256)
    try:
        for chunk in split(data, cuts):
            for item in parser.feed(chunk):
                assert isinstance(item, Banner) or item.kind in ("response", "event", "other")
    except ProtocolError:
        pass


# --- runs ------------------------------------------------------------------------------

VALUE_PIECES = [b"Wait", b"00:01:02", b": ", b":", b" ", b'"', b"\\", b"\xc3\xa9", b"\xe9", b"\t", b"\x7f",
                b"<unknown>", b"x"]
values = st.lists(st.sampled_from(VALUE_PIECES), max_size=4).map(b"".join)
list_items = st.lists(st.tuples(st.sampled_from([b"9", b"9", b"9", b"8"]), values, values), max_size=40)


def list_stream(items):
    out = [b"Response: Success\r\nActionID: 9\r\nEventList: start\r\n\r\n"]
    for action_id, channel, data in items:
        out.append(b"Event: CoreShowChannel\r\nActionID: " + action_id + b"\r\nChannel: " + channel +
                   b"\r\nApplicationData: " + data + b"\r\nBridgeId: \r\n\r\n")
    return BANNER + b"".join(out)


def opened(items):
    out = []
    for item in items:
        out.extend(item.messages() if isinstance(item, MessageRun) else [item])
    return [(type(i).__name__, getattr(i, "pairs", None), tuple(getattr(i, "fell_back", ()))) for i in out]


@PROFILE
@given(list_items, st.lists(st.integers(min_value=0, max_value=10 ** 6), max_size=8))
def test_runs_give_the_messages_and_json_of_the_message_at_a_time_path(items, cuts):
    data = list_stream(items)
    plain = AmiParser(run_after=None).feed(data)
    with_runs = []
    parser = AmiParser(run_after=0)
    for piece in split(data, cuts):
        with_runs.extend(parser.feed(piece))
    assert opened(with_runs) == opened(plain)
    for item in with_runs:
        if isinstance(item, MessageRun):
            assert b"[" + item.json() + b"]" == dumps([m.fields for m in item.messages()]).encode()


COLUMN_KEYS = ["Event", "ActionID", "Channel", "ApplicationData", "BridgeId", "Nope", "channel"]


@PROFILE
@given(list_items, st.lists(st.integers(min_value=0, max_value=10 ** 6), max_size=8),
       st.lists(st.sampled_from(COLUMN_KEYS), max_size=6))
def test_a_runs_columns_are_its_messages_values_for_any_keys(items, cuts, keys):
    # one wanted key, several, none the run has, repeated: each a value per message
    parser = AmiParser(run_after=0)
    for piece in split(list_stream(items), cuts):
        for item in parser.feed(piece):
            if isinstance(item, MessageRun):
                columns = item.columns(keys)
                assert columns == [[m.fields.get(k) for m in item.messages()] for k in keys]
                assert all(len(column) == item.count for column in columns)
