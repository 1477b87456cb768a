"""amijson.console: the console socket's banner, and the lines asterisk -rx drops, in any pieces."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amijson.console import ConsoleError, ConsoleReader, command_bytes, parse_banner

BANNER = b"vm/8836/22.10.1+dfsg+~cs6.17.60671434-1\n"
VERBOSE = b"\xfb  -- Executing [s@default:1] Wait(\"Local/100@x-0000;2\", \"1\") in new stack\n"


def read(*pieces):
    reader = ConsoleReader()
    out = b"".join(reader.feed(piece) for piece in pieces)
    reader.finish()
    return reader, out


def asterisk_rx_filter(data, read_size=511):
    """ast_remotecontrol's loop (main/asterisk.c, 16 and 22) over reads of ``read_size``
    bytes, line by line as the C code walks them; its stop at a read with nothing to
    write left out (it depends on how reads fall), and no NUL in ``data``."""
    out = []
    linefull, prev_line_verbose = True, False
    for at in range(0, len(data), read_size):
        buffer = data[at:at + read_size]
        cur = 0
        while cur < len(buffer):
            prev_linefull = linefull
            newline = buffer.find(b"\n", cur)
            if newline >= 0:
                linefull, nextline = True, newline + 1
            else:
                linefull, nextline = False, len(buffer)
            first = buffer[cur] if buffer[cur] < 128 else buffer[cur] - 256  # a signed char
            if (not prev_linefull and not prev_line_verbose) or (prev_linefull and first > 0):
                prev_line_verbose = False
                out.append(buffer[cur:nextline])
            else:
                prev_line_verbose = True
            cur = nextline
    return b"".join(out)


def test_the_command_ends_in_a_nul():
    assert command_bytes("core show version") == b"cli quit after core show version\x00"


def test_the_banner_names_host_pid_and_version():
    banner = parse_banner(BANNER[:-1])
    assert (banner.host, banner.pid, banner.version) == ("vm", 8836, "22.10.1+dfsg+~cs6.17.60671434-1")
    assert banner.line == BANNER[:-1].decode()


@pytest.mark.parametrize("line", [b"No more connections allowed", b"Asterisk Call Manager/11.0.0", b"a/b/c",
                                  b"host/12/", b"host/\xd9\xa3/22"])
def test_a_first_line_that_is_not_a_banner_is_refused(line):
    with pytest.raises(ConsoleError) as caught:
        read(line + b"\n")
    assert caught.value.text == line.decode("utf-8", "replace")


def test_output_after_the_banner_passes_and_the_banner_may_come_in_pieces():
    reader, out = read(BANNER[:5], BANNER[5:] + b"Asterisk 22", b".10.1\n")
    assert out == b"Asterisk 22.10.1\n" and reader.banner.pid == 8836


def test_verbose_and_log_lines_are_dropped_with_their_newline():
    _, out = read(BANNER + b"one\n" + VERBOSE + b"two\n\xa0[Dec  1] NOTICE: x\nthree")
    assert out == b"one\ntwo\nthree"


def test_a_dropped_line_cut_by_a_read_stays_dropped_and_a_kept_one_stays_kept():
    _, out = read(BANNER, VERBOSE[:10], VERBOSE[10:] + b"ke", b"pt \xc3\xa9\n\xfe", b"x\n", b"end\n")
    assert out == b"kept \xc3\xa9\nend\n"


def test_a_line_starting_with_a_non_ascii_character_is_dropped_as_asterisk_rx_does():
    _, out = read(BANNER + "Écho\nplain é\n".encode())
    assert out == "plain é\n".encode()


def test_nul_bytes_are_dropped():
    _, out = read(BANNER + b"a\x00b\n\x00c\n")
    assert out == b"ab\nc\n"


def test_a_first_line_without_end_is_refused_past_the_banners_size():
    reader = ConsoleReader()
    with pytest.raises(ConsoleError):
        for _ in range(100):
            reader.feed(b"x" * 100)


def test_a_close_before_the_banner_is_an_error():
    with pytest.raises(ConsoleError):
        read(b"")
    with pytest.raises(ConsoleError):
        read(b"vm/12")


LINES = st.lists(st.tuples(st.sampled_from([b"", b"\x80", b"\xfb", b"\xc3\xa9", b"\x1b[0m", b" "]),
                           st.binary(max_size=40).map(lambda b: b.replace(b"\x00", b"").replace(b"\n", b"")),
                           st.booleans()), max_size=40)


def joined(lines):
    return b"".join(first + rest + (b"\n" if end else b"") for first, rest, end in lines)


@settings(max_examples=300, deadline=None)
@given(LINES, st.lists(st.integers(min_value=0, max_value=2000), max_size=12), st.integers(1, 600))
def test_any_pieces_give_what_asterisk_rx_writes(lines, cuts, read_size):
    data = joined(lines)
    cuts = sorted(set(c for c in cuts if c < len(data)))
    pieces = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    _, out = read(BANNER, *pieces)
    assert out == asterisk_rx_filter(data) == asterisk_rx_filter(data, read_size)
