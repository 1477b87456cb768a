"""Sans-IO framing: bytes in, messages out."""

import pytest

from amijson.jsonout import dumps
from amijson.wire import (AmiParser, Banner, Message, MessageRun, ProtocolError, format_action, split_fields,
                          split_message)

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def expanded(items):
    """Items with every MessageRun opened into its messages."""
    out = []
    for item in items:
        out.extend(item.messages() if isinstance(item, MessageRun) else [item])
    return out


def parse(data, **kw):
    return expanded(AmiParser(**kw).feed(data))


def parse_split(data, size, **kw):
    parser = AmiParser(**kw)
    out = []
    for i in range(0, len(data), size):
        out.extend(parser.feed(data[i:i + size]))
    return expanded(out)


def messages(data, **kw):
    return [m for m in parse(BANNER + data, **kw) if isinstance(m, Message)]


def test_banner_comes_first_and_alone():
    items = parse(BANNER)
    assert len(items) == 1 and isinstance(items[0], Banner)
    assert items[0].version == "11.0.0"


def test_banner_waits_for_its_newline_and_rejects_non_ami():
    assert AmiParser().feed(b"Asterisk Call Man") == []
    with pytest.raises(ProtocolError):
        parse(b"SSH-2.0-OpenSSH_9.2\r\n")
    with pytest.raises(ProtocolError):
        parse(b"HTTP/1.1 400 Bad Request\r\n")
    with pytest.raises(ProtocolError):
        AmiParser().feed(b"x" * 5000)


def test_crlf_bare_lf_and_mixed_framing():
    data = (b"Response: Success\r\nActionID: 1\r\n\r\n"
            b"Event: A\nKey: v\n\n"
            b"Event: B\r\nKey: w\r\n\n"
            b"\r\n\r\n"  # empty messages are ignored
            b"Response: Error\r\nMessage: No endpoints found\n\r\n\r\n")
    got = messages(data)
    assert [m.pairs for m in got] == [
        [("Response", "Success"), ("ActionID", "1")],
        [("Event", "A"), ("Key", "v")],
        [("Event", "B"), ("Key", "w")],
        [("Response", "Error"), ("Message", "No endpoints found")],
    ]


def test_values_and_keys():
    (m,) = messages(b"Event: X\r\nEmpty:\r\nNoSpace:x\r\nIndented:    a  \r\nOutput: a\r\noutput: b\r\n\r\n")
    assert m.get("empty") == "" and m.get("nospace") == "x"
    assert m.get("Indented") == "   a  "  # one space after the colon is the separator
    assert m.get_all("OUTPUT") == ["a", "b"] and "output" in m
    assert m.get("OUTPUT") == "a" and m.get("output") == "a"  # a repeated key's first value, in any case


def test_kind_comes_from_the_first_line():
    got = messages(b"Event: OriginateResponse\r\nResponse: Success\r\n\r\nResponse: Success\r\n\r\n")
    assert [m.kind for m in got] == ["event", "response"]


def test_line_without_colon_continues_the_previous_value():
    (m,) = messages(b"Event: X\r\nText: first\nsecond\r\n\r\n")
    assert m.get("Text") == "first\nsecond"


def test_follows_body_keeps_blank_and_header_like_lines():
    data = (b"Response: Follows\r\nPrivilege: Command\r\nActionID: 5\r\n"
            b"\n/amijson/test/greeting  : hello\n\nObjects found: 2\n--END COMMAND--\r\n\r\n"
            b"Response: Success\r\n\r\n")
    got = messages(data)
    assert got[0].pairs == [("Response", "Follows"), ("Privilege", "Command"), ("ActionID", "5")]
    assert got[0].body == "\n/amijson/test/greeting  : hello\n\nObjects found: 2\n"
    assert got[1].pairs == [("Response", "Success")]


def test_follows_marker_glued_and_empty():
    (m,) = messages(b"Response: Follows\r\nPrivilege: Command\r\ntext--END COMMAND--\r\n\r\n")
    assert m.body == "text"
    (m,) = messages(b"Response: Follows\r\nPrivilege: Command\r\n--END COMMAND--\r\n\r\n")
    assert m.body == ""


def test_latin1_falls_back_per_value_and_says_which():
    (m,) = messages(b"Event: X\r\nCallerIDName: Jos\xe9\r\nChannel: ok\r\n\r\n")
    assert m.get("CallerIDName") == "Jos\u00e9" and m.get("Channel") == "ok"
    assert m.fell_back == ("CallerIDName",)
    (m,) = messages(b"Event: X\r\nName: \xe9\r\n\r\n", fallback_encoding="cp1252")
    assert m.get("Name") == "\u00e9"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_split_anywhere_gives_the_same_messages(size):
    data = (BANNER + b"Response: Success\r\nActionID: 1\r\n\r\nEvent: A\nB: c\n\n"
            b"Response: Follows\r\nPrivilege: Command\r\n\nx\n\n--END COMMAND--\r\n\r\n"
            b"Event: L\r\nN: Jos\xe9\r\n\r\n")
    whole = parse(data)
    assert [getattr(m, "pairs", None) for m in parse_split(data, size)] == [getattr(m, "pairs", None) for m in whole]
    assert [getattr(m, "body", None) for m in parse_split(data, size)] == [getattr(m, "body", None) for m in whole]


def test_message_size_is_bounded():
    parser = AmiParser(max_message=1000)
    parser.feed(BANNER)
    with pytest.raises(ProtocolError):
        parser.feed(b"Event: X\r\nBig: " + b"a" * 2000)


def test_long_crlf_stream_in_one_chunk():
    data = BANNER + b"".join(b"Event: E\r\nActionID: 1\r\nN: %d\r\n\r\n" % i for i in range(20000))
    got = messages(data[len(BANNER):])
    assert len(got) == 20000 and got[-1].get("N") == "19999"


# --- runs: long lists taken as whole stretches --------------------------------------

def channel(i, value=b"Wait"):
    return (b"Event: CoreShowChannel\r\nActionID: 9\r\nChannel: PJSIP/%d\r\nApplication: " % i + value
            + b"\r\nDuration: 00:01:%02d\r\nBridgeId: \r\n\r\n" % (i % 60))


def test_a_long_list_comes_as_runs_whose_json_is_the_encoders():
    data = BANNER + b"".join(channel(i, b'say "hi" \\o/ a:b :x') for i in range(3000))
    items = AmiParser().feed(data)
    runs = [item for item in items if isinstance(item, MessageRun)]
    assert runs and sum(run.count for run in runs) > 2000  # runs start after 64 KiB
    for run in runs:
        as_dicts = [m.fields for m in run.messages()]
        assert len(as_dicts) == run.count
        assert b"[" + run.json() + b"]" == dumps(as_dicts).encode()
        assert run.template.get("Event") == "CoreShowChannel" and run.template.get("ActionID") == "9"
    assert [m.pairs for m in expanded(items)[1:]] == [m.pairs for m in parse(data, run_after=None)[1:]]


@pytest.mark.parametrize("odd", [b"caf\xc3\xa9", b"caf\xe9", b"tab\there", b"bare\nlf", b"x\ry"])
def test_a_message_runs_cannot_hold_breaks_the_run_and_nothing_else(odd):
    data = BANNER + b"".join(channel(i, odd if i == 1500 else b"Wait") for i in range(3000))
    whole = AmiParser(run_after=0).feed(data)
    plain = parse(data, run_after=None)
    assert [getattr(m, "pairs", None) for m in expanded(whole)] == [getattr(m, "pairs", None) for m in plain]
    assert [getattr(m, "fell_back", None) for m in expanded(whole)] == [getattr(m, "fell_back", None)
                                                                         for m in plain]
    assert sum(isinstance(item, MessageRun) for item in whole) >= 2  # before and after the odd one
    for size in (1, 700, 65536):
        split = parse_split(data, size, run_after=0)
        assert [getattr(m, "pairs", None) for m in split] == [getattr(m, "pairs", None) for m in plain]


def test_a_run_may_hold_colon_space_in_a_value_and_its_json_is_still_the_encoders():
    # Only the JSON writing (which replaces each ": ") minds it: it writes such a run
    # through the encoder instead; a query mapping the run reads the values by key.
    data = BANNER + b"".join(channel(i, b"a: b" if i == 1500 else b"Wait") for i in range(3000))
    items = AmiParser(run_after=0).feed(data)
    runs = [item for item in items if isinstance(item, MessageRun)]
    odd = [run for run in runs if any(m.get("Application") == "a: b" for m in run.messages())]
    assert len(odd) == 1
    for run in runs:
        assert b"[" + run.json() + b"]" == dumps([m.fields for m in run.messages()]).encode()
        assert run.columns(["Application"])[0] == [m.get("Application") for m in run.messages()]
    assert [m.pairs for m in expanded(items)[1:]] == [m.pairs for m in parse(data, run_after=None)[1:]]


def test_runs_keep_routing_values_uniform():
    # Another ActionID, or the list's closing event, never joins a run of items.
    data = BANNER + b"".join(channel(i) for i in range(50)) + channel(50).replace(b"ActionID: 9", b"ActionID: 8") \
        + b"".join(channel(i) for i in range(51, 100)) \
        + b"Event: CoreShowChannelsComplete\r\nActionID: 9\r\nEventList: Complete\r\nListItems: 99\r\n\r\n"
    items = AmiParser(run_after=0).feed(data)
    for item in items:
        if isinstance(item, MessageRun):
            assert all(m.get("ActionID") == "9" and m.get("Event") == "CoreShowChannel" for m in item.messages())
    assert expanded(items)[51].get("ActionID") == "8" and expanded(items)[-1].get("EventList") == "Complete"


def test_a_routing_value_holding_colon_space_makes_no_runs():
    # The run's JSON is written by replacing each ": ": one inside a routing value,
    # taken literally into the pattern, would be split as a key's end.
    data = BANNER + b"".join(channel(i).replace(b"ActionID: 9", b"ActionID: a: b") for i in range(3000))
    items = AmiParser(run_after=0).feed(data)
    assert not any(isinstance(item, MessageRun) for item in items)
    assert [m.pairs for m in items[1:]] == [m.pairs for m in parse(data, run_after=None)[1:]]


def test_format_action_and_header_injection():
    assert format_action("Ping", [("ActionID", "1")]) == b"Action: Ping\r\nActionID: 1\r\n\r\n"
    with pytest.raises(ValueError):
        format_action("Originate", [("Channel", "x\r\nAction: Command")])


def test_key_ends_at_the_first_colon_space():
    (m,) = messages(b"Event: X\r\nChanVariable(IAX2/10.0.0.1:4569-1): a=b\r\nDuration: 00:00:03\r\n\r\n")
    assert m.get("ChanVariable(IAX2/10.0.0.1:4569-1)") == "a=b" and m.get("Duration") == "00:00:03"


def test_bulk_list_and_message_by_message_agree():
    """A long list arrives in one piece (the bulk path) or byte by byte (one
    message at a time): the same messages, repeated keys and case included."""
    items = b"".join(b"Event: CoreShowChannel\r\nActionID: 7\r\nChannel: L/%d\r\nOutput: a\r\noutput: b\r\n"
                     b"Duration: 00:00:0%d\r\n\r\n" % (i, i % 10) for i in range(50))
    data = BANNER + b"Response: Success\r\nActionID: 7\r\nEventList: start\r\n\r\n" + items + \
        b"\r\n\r\nEvent: CoreShowChannelsComplete\r\nActionID: 7\r\nEventList: Complete\r\nListItems: 50\r\n\r\n"
    whole = [m for m in parse(data) if isinstance(m, Message)]
    dribbled = [m for m in parse_split(data, 1) if isinstance(m, Message)]
    assert [m.pairs for m in whole] == [m.pairs for m in dribbled]
    assert len(whole) == 52 and whole[1].get_all("OUTPUT") == ["a", "b"] and whole[1].repeats
    assert whole[-1].get("listitems") == "50" and not whole[-1].repeats


# --- split_message: the one way a message's text becomes its fields ---------------------

def test_split_fields_splits_plain_text_at_each_first_colon_space():
    m = split_fields("Event: X\r\nChanVariable(IAX2/10.0.0.1:4569-1): a: b\r\nEmpty: ")
    assert m.pairs == [("Event", "X"), ("ChanVariable(IAX2/10.0.0.1:4569-1)", "a: b"), ("Empty", "")]
    assert not m.repeats and m.kind == "event"
    m = split_fields("Response: Follows\r\nOutput: a\r\nOutput: b\r\noutput: c")
    assert m.repeats and m.get_all("output") == ["a", "b", "c"] and m.get("Output") == "a"


def test_split_fields_leaves_a_line_without_colon_space_to_the_careful_path():
    assert split_fields("Event: X\r\nNoSpace:x") is None
    assert split_fields("Event: X\r\ncontinued") is None
    assert split_message(b"Event: X\r\nNoSpace:x").pairs == [("Event", "X"), ("NoSpace", "x")]


@pytest.mark.parametrize("raw, pairs", [
    (b"Event: X\r\nKey: v\r", [("Event", "X"), ("Key", "v")]),  # the CR before the last LF
    (b"Event: X\nKey: v", [("Event", "X"), ("Key", "v")]),  # bare LF line ends
    (b"Event: X\r\nText: first\nsecond", [("Event", "X"), ("Text", "first\nsecond")]),
    (b"Event: X\r\nKey: a\rb", [("Event", "X"), ("Key", "a\rb")]),  # a stray CR stays in its value
    (b"Event: X\r\nKey: v\r\r", [("Event", "X"), ("Key", "v\r")]),  # one CR per line end, no more
    (b"Event: X\r\n: no key\r\nlone", [("Event", "X"), ("", "no key\nlone")]),
    (b"Event: X\r\nKey:\r\nIndented:  a ", [("Event", "X"), ("Key", ""), ("Indented", " a ")]),
])
def test_split_message_reads_what_is_not_plain_line_by_line(raw, pairs):
    m = split_message(raw)
    assert m.pairs == pairs and m.fell_back == () and m.body is None


def test_split_message_decodes_per_value_and_names_what_fell_back():
    m = split_message(b"Event: X\r\nCallerIDName: Jos\xe9\r\nChannel: caf\xc3\xa9")
    assert m.pairs == [("Event", "X"), ("CallerIDName", "Jos\u00e9"), ("Channel", "caf\u00e9")]
    assert m.fell_back == ("CallerIDName",)
    assert split_message(b"Name: \x80", fallback="cp1252").get("Name") == "\u20ac"


def test_split_message_gives_plain_and_careful_text_the_same_message():
    plain = split_message(b"Event: X\r\nA: 1\r\nA: 2\r\nB: 3\r")
    careful = split_message(b"Event: X\nA: 1\nA: 2\nB: 3")
    assert plain == careful and plain.repeats == careful.repeats and plain.get("a") == careful.get("a") == "1"


def test_split_message_shares_the_key_lookup_of_one_list():
    cache = {}
    one = split_message(b"Event: X\r\nKey: 1", key_cache=cache)
    two = split_message(b"Event: X\r\nKey: 2", key_cache=cache)
    assert one._keys is two._keys and len(cache) == 1


PLAIN_BLOCKS = [b"Response: Success\r\nActionID: 1\r\nEventList: start", b"Event: C\r\nNoSpace:x",
                b"Event: D\r\nOutput: a\r\nOutput: b"] + [b"Event: E\r\nActionID: 1\r\nN: %d" % i for i in range(3000)]
# Any one of these sends the whole stream down the message-by-message path.
ODD_BLOCKS = PLAIN_BLOCKS[:2] + [b"Event: A\r\nKey: caf\xe9", b"Event: B\nText: x\ny"] + PLAIN_BLOCKS[2:]


@pytest.mark.parametrize("blocks", [PLAIN_BLOCKS, ODD_BLOCKS], ids=["plain", "odd"])
@pytest.mark.parametrize("size, run_after", [(None, None), (None, 0), (1, None), (997, 0)])
def test_every_framing_path_splits_with_split_message(blocks, size, run_after):
    """Whole (the bulk path), byte by byte (one message at a time), with runs:
    each message is what split_message makes of its block."""
    data = BANNER + b"".join(block + (b"\n\n" if b"\n" in block.replace(b"\r\n", b"") else b"\r\n\r\n")
                             for block in blocks)
    got = messages(data[len(BANNER):], run_after=run_after) if size is None else \
        [m for m in parse_split(data, size, run_after=run_after) if isinstance(m, Message)]
    assert got == [split_message(block) for block in blocks]


def test_a_runs_messages_are_split_message_of_its_blocks():
    items = AmiParser(run_after=0).feed(BANNER + b"".join(channel(i) for i in range(100)))
    (run,) = [item for item in items if isinstance(item, MessageRun)]
    blocks = run.raw[:-4].split(b"\r\n\r\n")
    assert run.messages() == [split_message(block) for block in blocks] and len(blocks) == run.count


def test_a_runs_columns_are_its_messages_values():
    data = BANNER + b"".join(channel(i, b'say "hi" a:b :x' if i % 2 else b"") for i in range(200))
    runs = [item for item in AmiParser(run_after=0).feed(data) if isinstance(item, MessageRun)]
    keys = ["Application", "Nope", "Channel", "BridgeId"]
    for run in runs:
        assert run.columns(keys) == [[m.fields.get(k) for m in run.messages()] for k in keys]


def detail(action_id):
    """A hundred-field event (PJSIPShowEndpoint's EndpointDetail is about that size)."""
    return (b"Event: EndpointDetail\r\nActionID: %d\r\n" % action_id
            + b"".join(b"Field%d: value %d\r\n" % (k, k) for k in range(100)) + b"\r\n")


def test_big_messages_whose_shape_never_repeats_make_no_runs_and_the_same_messages():
    # one detail action per endpoint: each its own ActionID, so each its own shape
    data = BANNER + b"".join(detail(i) for i in range(300))
    items = AmiParser(run_after=0).feed(data)
    assert not any(isinstance(item, MessageRun) for item in items)
    assert [m.pairs for m in items[1:]] == [m.pairs for m in parse(data, run_after=None)[1:]]


def test_big_messages_of_one_shape_run_from_the_second_as_small_ones_do():
    data = BANNER + b"".join(detail(7) for _ in range(50))
    items = AmiParser(run_after=0).feed(data)
    (run,) = [item for item in items if isinstance(item, MessageRun)]
    assert run.count == 49 and isinstance(items[1], Message)
    assert [m.pairs for m in expanded(items)[1:]] == [m.pairs for m in parse(data, run_after=None)[1:]]
