"""ReceiveBuffer: the bytes received, where the next message starts, how far searches got."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amijson.wire import ReceiveBuffer


def buffer_of(*pieces):
    buf = ReceiveBuffer()
    for piece in pieces:
        buf.feed(piece)
    return buf


def blocks(buf):
    """Every block the buffer gives, blank lines before each skipped, as the parser takes them."""
    out = []
    while buf.skip_blank_lines():
        block = buf.maybe_extract_block()
        if block is None:
            break
        out.append(block)
    return out


def test_feed_counts_every_byte_and_len_is_what_is_not_taken():
    buf = buffer_of(b"Event: A\r\n", b"\r\nEvent: B")
    assert buf.received == 20 and len(buf) == 20
    assert buf.maybe_extract_block() == b"Event: A\r"
    assert len(buf) == 8 and buf.received == 20 and buf.peek(5) == b"Event"
    assert buf.compact() == 8 and buf.data == b"Event: B" and buf.start == 0


def test_a_line_waits_for_its_lf_and_loses_its_line_end():
    buf = buffer_of(b"Asterisk Call Manager/11.0.0\r")
    assert buf.maybe_extract_line() is None and len(buf) == 29
    buf.feed(b"\nEvent: A\n")
    assert buf.maybe_extract_line() == b"Asterisk Call Manager/11.0.0"
    assert buf.maybe_extract_line() == b"Event: A" and buf.maybe_extract_line() is None


def test_a_block_ends_at_the_first_lf_followed_by_an_empty_line():
    assert blocks(buffer_of(b"A: 1\r\nB: 2\r\n\r\nC: 3\n\nD: 4\r\n\nE: 5\n\r\nF: 6")) == [
        b"A: 1\r\nB: 2\r", b"C: 3", b"D: 4\r", b"E: 5"]
    # Whichever blank line comes first ends it, CRLF or bare LF.
    assert blocks(buffer_of(b"A: 1\n\nB: 2\r\n\r\n")) == [b"A: 1", b"B: 2\r"]
    assert blocks(buffer_of(b"A: 1\r\n\r\nB: 2\n\n")) == [b"A: 1\r", b"B: 2"]


def test_a_block_is_not_taken_before_its_blank_line_is_whole():
    buf = buffer_of(b"A: 1\r\n\r")
    assert buf.maybe_extract_block() is None and buf.start == 0
    buf.feed(b"\n")
    assert buf.maybe_extract_block() == b"A: 1\r" and len(buf) == 0


def test_blank_lines_are_skipped_and_a_lone_cr_is_not():
    buf = buffer_of(b"\r\n\n\r\n")
    assert not buf.skip_blank_lines() and len(buf) == 0
    buf = buffer_of(b"\n\r\n\rA: 1")
    assert buf.skip_blank_lines() and buf.peek(3) == b"\rA:"


def test_extract_takes_up_to_an_end_and_moves_past_a_line_end():
    buf = buffer_of(b"text--END COMMAND--\r\n\r\nNext")
    assert buf.extract(4, 23) == b"text" and buf.peek(4) == b"Next"
    assert buf.extract(buf.start + 2) == b"Ne" and bytes(buf.data[buf.start:]) == b"xt"


def test_last_blank_finds_the_last_one_also_across_feeds():
    buf = buffer_of(b"A: 1\r\n\r\nB: 2\r\n")
    assert buf.last_blank() == 4
    buf.feed(b"\r")
    assert buf.last_blank() == 4
    buf.feed(b"\nC")  # the blank line straddles two feeds
    assert buf.last_blank() == 12
    assert buffer_of(b"A: 1\n\n").last_blank() == -1


def test_compact_drops_what_was_taken_and_shifts_every_position():
    buf = buffer_of(b"A: 1\r\n\r\nB: 2\r\n\r\nC: 3\r\n")
    data = buf.data
    assert buf.last_blank() == 12 and buf.maybe_extract_block() == b"A: 1\r"
    assert buf.maybe_extract_block() == b"B: 2\r" and buf.maybe_extract_block() is None
    assert buf.compact() == 6 and buf.data is data and data == b"C: 3\r\n"
    assert buf.last_blank() == -1  # the blank lines found lay in what was dropped
    buf.feed(b"\r\nD")
    assert buf.last_blank() == 4 and buf.maybe_extract_block() == b"C: 3\r"
    assert buf.compact() == 1 and buf.compact() == 1


class CountingBytes(bytearray):
    """A bytearray that adds up how many bytes its searches cover."""

    scanned = 0

    def find(self, sub, start=0, end=None):
        self.scanned += len(self) - start
        return bytearray.find(self, sub, start) if end is None else bytearray.find(self, sub, start, end)

    def rfind(self, sub, start=0, end=None):
        self.scanned += len(self) - start
        return bytearray.rfind(self, sub, start) if end is None else bytearray.rfind(self, sub, start, end)


def test_a_message_growing_over_many_feeds_is_searched_once():
    """Each search goes on where the one before stopped (less a few bytes a
    line end may straddle), before and after compaction: a 5,000-line reply
    that comes in a thousand pieces is not searched a thousand times over."""
    buf = ReceiveBuffer()
    buf.data = CountingBytes()
    buf.feed(b"Response: Success\r\n\r\n")
    assert buf.maybe_extract_block() and buf.last_blank() == 17
    buf.compact()
    body = b"".join(b"Output: line %d\r\n" % i for i in range(5000))
    pieces = [body[i:i + 80] for i in range(0, len(body), 80)]
    for piece in pieces:
        buf.feed(piece)
        assert buf.last_blank() == -1 and buf.maybe_extract_block() is None
        buf.compact()
    # two searches for a block's end ("\n\r\n", "\n\n") and one for a blank line
    assert buf.data.scanned <= 3 * len(body) + 3 * 3 * len(pieces)
    buf.feed(b"\r\n")
    assert buf.maybe_extract_block() == body[:-1]


frames = st.lists(st.sampled_from([b"A: 1", b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"\n\n", b"B"]), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(frames.map(b"".join), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_any_split_gives_the_same_blocks(data, cuts):
    whole = buffer_of(data)
    expected = blocks(whole)
    buf = ReceiveBuffer()
    got = []
    last = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]:
        buf.feed(data[last:cut])
        last = cut
        got.extend(blocks(buf))
        buf.compact()
    assert got == expected and bytes(buf.data) == bytes(whole.data[whole.start:])


def test_lines_ahead_gives_the_complete_lines_not_taken_from_an_offset_and_within_a_bound():
    buf = ReceiveBuffer()
    buf.feed(b"A: 1\r\n\r\nB: 2\r\nC: 3\r\nD: pa")
    buf.start = 8  # the first message taken
    assert buf.lines_ahead(0) == (8, b"B: 2\r\nC: 3\r\n")
    assert buf.lines_ahead(6) == (8, b"C: 3\r\n")
    assert buf.lines_ahead(0, 6) == (8, b"B: 2\r\n")
    assert buf.lines_ahead(0, 5) == (8, b"")  # the bound cuts the line: no complete line within it
    buf.compact()
    assert buf.lines_ahead(0, 6) == (8, b"B: 2\r\n")  # the place in the stream stays
