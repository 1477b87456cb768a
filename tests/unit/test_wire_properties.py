"""Property tests of the sans-IO parser (hypothesis).

Any byte string, split at any points, gives the same messages as fed whole, and
nothing but ProtocolError ever escapes. scripts/fuzz-parser runs the same
properties for a million examples or more, outside the normal test run.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amijson.wire import AmiParser, Banner, ProtocolError

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
