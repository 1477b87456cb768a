"""AMI over HTTP, the HTTP side (amijson.httpwire): bytes in, responses out."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amijson.httpwire import BodyTooLarge, HttpError, ResponseReader, cookie_value, form_body, format_request

# Asterisk 22's answer to a Login over POST /rawman (main/http.c ast_http_send, main/manager.c
# generic_http_callback), as the sandbox sends it.
LOGIN_22 = (b"HTTP/1.1 200 OK\r\nServer: Asterisk/22.10.1\r\nDate: Thu, 26 Nov 2026 12:13:31 GMT\r\n"
            b"Cache-Control: no-cache, no-store\r\nContent-type: text/plain\r\n"
            b'Set-Cookie: mansession_id="8a6977db"; Version=1; Max-Age=60\r\nPragma: SuppressEvents\r\n'
            b"Content-Length: 69\r\n\r\n"
            b"Response: Success\r\nActionID: l1\r\nMessage: Authentication accepted\r\n\r\n")


def test_a_whole_response_with_content_length():
    response = ResponseReader().feed(LOGIN_22)
    assert (response.status, response.reason) == (200, "OK")
    assert response.body.startswith(b"Response: Success\r\n") and response.body.endswith(b"\r\n\r\n")
    assert len(response.body) == 69
    assert response.keep_alive
    assert response.header("server") == "Asterisk/22.10.1"
    assert cookie_value(response.header("set-cookie"), "mansession_id") == "8a6977db"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(LOGIN_22)), max_size=12))
def test_any_split_of_the_bytes_gives_the_same_response(cuts):
    reader = ResponseReader()
    pieces = []
    last = 0
    for cut in sorted(set(cuts)) + [len(LOGIN_22)]:
        pieces.append(LOGIN_22[last:cut])
        last = cut
    found = [r for r in (reader.feed(p) for p in pieces) if r is not None]
    assert len(found) == 1 and found[0].body == ResponseReader().feed(LOGIN_22).body


def test_two_responses_on_one_connection_one_after_the_other():
    reader = ResponseReader()
    first = reader.feed(LOGIN_22 + LOGIN_22[:30])
    assert first.body.startswith(b"Response: Success")
    assert reader.feed(LOGIN_22[30:]).status == 200


def test_connection_close_is_not_kept_alive():
    # Asterisk 11 (main/http.c, 11.25.3) closes after every response and says so.
    head = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    assert not ResponseReader().feed(head).keep_alive


def test_chunked_body_with_a_trailer():
    data = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"7\r\nRespons\r\n0a;ext=1\r\ne: Success\r\n0\r\nX-Trailer: 1\r\n\r\n")
    reader = ResponseReader()
    assert reader.feed(data[:40]) is None
    response = reader.feed(data[40:])
    assert response.body == b"Response: Success"


def test_a_body_that_runs_to_the_end_of_the_stream():
    reader = ResponseReader()
    assert reader.feed(b"HTTP/1.0 200 OK\r\n\r\nResponse: Success\r\n") is None
    response = reader.end()
    assert response.body == b"Response: Success\r\n" and not response.keep_alive


def test_closed_mid_body_or_before_any_response_is_an_error():
    reader = ResponseReader()
    assert reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nResp") is None
    with pytest.raises(HttpError, match="middle"):
        reader.end()
    with pytest.raises(HttpError, match="before any response"):
        ResponseReader().end()


@pytest.mark.parametrize("data", [
    b"Asterisk Call Manager/11.0.0\r\n",       # AMI's own port
    b"SSH-2.0-OpenSSH_9.2\r\n",
    b"HTTP/1.1 abc OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
])
def test_what_is_not_http_is_refused(data):
    with pytest.raises(HttpError):
        ResponseReader().feed(data)


def test_an_endless_head_is_refused():
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(HttpError, match="longer"):
        for _ in range(100):
            reader.feed(b"X-Filler: " + b"a" * 1000 + b"\r\n")


def test_form_body_keeps_order_and_repeats_and_escapes():
    body = form_body([("Action", "Originate"), ("Variable", "a=1"), ("Variable", "b=José & co")])
    assert body == b"Action=Originate&Variable=a%3D1&Variable=b%3DJos%C3%A9%20%26%20co"


def test_format_request_and_header_injection():
    data = format_request("POST", "/rawman", "127.0.0.1:8088", [("Cookie", "mansession_id=1")], b"a=b")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [b"POST /rawman HTTP/1.1", b"Host: 127.0.0.1:8088", b"Cookie: mansession_id=1",
                                   b"Content-Type: application/x-www-form-urlencoded", b"Content-Length: 3"]
    assert body == b"a=b"
    with pytest.raises(ValueError):
        format_request("POST", "/rawman", "h", [("Cookie", "x\r\nEvil: 1")], b"")


def test_cookie_value():
    assert cookie_value('mansession_id="0badcafe"; Version=1; Max-Age=60', "mansession_id") == "0badcafe"
    assert cookie_value("other=1", "mansession_id") is None
    assert cookie_value(None, "mansession_id") is None


# --- numbers from the peer, read strictly ------------------------------------------------

CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunked(*chunks):
    """A chunked response of ``chunks``, each ``(size line, data)``."""
    return CHUNKED_HEAD + b"".join(size + b"\r\n" + data + b"\r\n" for size, data in chunks) + b"0\r\n\r\n"


def test_a_negative_chunk_size_is_refused_at_once():
    # int("-1", 16) is -1: the old reader then took the whole buffer but one byte as the
    # chunk, again and again, and the body grew without bound.
    reader = ResponseReader(max_body=1 << 20)
    with pytest.raises(HttpError, match="bad chunk size"):
        reader.feed(CHUNKED_HEAD + b"-1\r\n" + b"x" * 1000 + b"\r\n" + b"-1\r\n" * 1000)


@pytest.mark.parametrize("size", [
    b"-1", b"+5", b" 5", b"5 ", b"0x10", b"1_0", b"", b";ext=1", b"5\t",
    "٣".encode("utf-8"), "²".encode("latin-1"), "٣".encode("latin-1", "replace"), b"1" * 17,
])
def test_a_chunk_size_is_ascii_hex_digits_only(size):
    with pytest.raises(HttpError, match="bad chunk size"):
        ResponseReader().feed(chunked((size, b"hello")))


@pytest.mark.parametrize("size", [b"5;name=value", b"5 ;name=value", b"5\t; a ; b=\"q;x\"", b"05",
                                  b"0000000000000005"])
def test_chunk_extensions_and_leading_zeros_are_accepted(size):
    assert ResponseReader().feed(chunked((size, b"hello"))).body == b"hello"


def test_a_chunk_extension_holding_a_control_character_is_refused():
    with pytest.raises(HttpError, match="bad chunk extension"):
        ResponseReader().feed(chunked((b"5;a=\x00", b"hello")))
    with pytest.raises(HttpError, match="bad chunk"):
        ResponseReader().feed(chunked((b"5;a\rb", b"hello")))


def test_hex_chunk_sizes_in_either_case():
    body = ResponseReader().feed(chunked((b"1A", b"a" * 26), (b"1a", b"b" * 26), (b"F", b"c" * 15))).body
    assert body == b"a" * 26 + b"b" * 26 + b"c" * 15


@pytest.mark.parametrize("after", [b"XY", b"\n\n", b"\rX", b"5\r"])
def test_chunk_data_must_end_in_crlf(after):
    data = CHUNKED_HEAD + b"5\r\nhello" + after + b"0\r\n\r\n"
    with pytest.raises(HttpError, match="not followed by CRLF"):
        ResponseReader().feed(data)


def test_an_endless_chunk_size_line_or_trailer_is_refused():
    reader = ResponseReader()
    reader.feed(CHUNKED_HEAD + b"5;" + b"x" * 4000)
    with pytest.raises(HttpError, match="chunk-size line longer"):
        reader.feed(b"x" * 200)
    reader = ResponseReader()
    reader.feed(CHUNKED_HEAD + b"0\r\n")
    with pytest.raises(HttpError, match="trailer longer"):
        for _ in range(100):
            reader.feed(b"X-Trailer: " + b"a" * 1000 + b"\r\n")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=20),
       st.lists(st.integers(min_value=1, max_value=400), max_size=12), st.booleans())
def test_any_chunking_and_any_split_give_the_body(body, sizes, cuts, extensions):
    pieces = []
    position = 0
    for size in sizes * (len(body) // sum(sizes) + 1):
        if position >= len(body):
            break
        pieces.append(body[position:position + size])
        position += size
    ext = b" ;n=v" if extensions else b""
    data = (CHUNKED_HEAD + b"".join(b"%x%s\r\n%s\r\n" % (len(p), ext, p) for p in pieces) + b"0" + ext
            + b"\r\nX-Trailer: 1\r\n\r\n")
    reader = ResponseReader(max_body=len(body))
    found = []
    last = 0
    for cut in sorted(set(c for c in cuts if c < len(data))) + [len(data)]:
        response = reader.feed(data[last:cut])
        last = cut
        if response is not None:
            found.append(response)
    assert len(found) == 1 and found[0].body == body


@pytest.mark.parametrize("value", [
    b"+5", b"-1", b"0x10", b"1_0", b"5 5", b"5,", b"", "٣".encode("utf-8"), "²".encode("latin-1"),
    b"1" * 19, b"5, 6", b"\xa05", b"5\x85", b"\x0b5",
])
def test_content_length_is_ascii_digits_only(value):
    with pytest.raises(HttpError, match="Content-Length"):
        ResponseReader().feed(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nhello")


def test_repeated_content_length_must_agree():
    # RFC 9112 section 6.3: the same value repeated is that value; differing values are an error.
    same = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello"
    assert ResponseReader().feed(same).body == b"hello"
    differing = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 3\r\n\r\nhello"
    with pytest.raises(HttpError, match="differing Content-Length"):
        ResponseReader().feed(differing)


def test_content_length_may_have_spaces_around_it():
    # Optional whitespace around a field value is no part of it (RFC 9110 section 5.5).
    assert ResponseReader().feed(b"HTTP/1.1 200 OK\r\nContent-Length:   5  \r\n\r\nhello").body == b"hello"


@pytest.mark.parametrize("line", [
    b"HTTP/1.1 \xb200 OK", "HTTP/1.1 ٢٠٠ OK".encode("utf-8"), b"HTTP/1.1 +20 OK", b"HTTP/1.1 -20 OK",
    b"HTTP/1.1  200 OK", b"HTTP/1.1 2000 OK", b"HTTP/1.1 20 OK", b"HTTP/1.1 099 Low", b"HTTP/1.1 600 High",
    b"HTTP/1.1 2_0 OK", b"HTTP/1.x 200 OK", b"HTTP/1.10 200 OK", b"HTTP/1.\xb2 200 OK",
])
def test_the_status_line_is_read_strictly(line):
    with pytest.raises(HttpError, match="not an HTTP response"):
        ResponseReader().feed(line + b"\r\nContent-Length: 0\r\n\r\n")


def test_a_status_without_a_reason_is_accepted():
    response = ResponseReader().feed(b"HTTP/1.1 204\r\n\r\n")
    assert (response.status, response.reason) == (204, "")


# --- max_body ------------------------------------------------------------------------------

def test_a_decoded_body_over_max_body_is_refused_before_its_data():
    reader = ResponseReader(max_body=100)
    assert reader.feed(CHUNKED_HEAD + b"3c\r\n" + b"a" * 60 + b"\r\n") is None
    # The second chunk's size line alone is enough: 60 + 60 > 100.
    with pytest.raises(BodyTooLarge) as raised:
        reader.feed(b"3c\r\n")
    assert (raised.value.size, raised.value.limit, raised.value.announced) == (120, 100, True)


def test_many_small_chunks_count_as_decoded_bytes():
    # Extensions make the wire bytes many times the decoded ones; the limit is on the body.
    reader = ResponseReader(max_body=1000)
    with pytest.raises(BodyTooLarge):
        reader.feed(CHUNKED_HEAD + b"1;padding=xxxxxxxxxxxxxxxxxxxxxxxx\r\nx\r\n" * 1001)
    assert ResponseReader(max_body=1000).feed(chunked(*[(b"1", b"x")] * 1000)).body == b"x" * 1000


def test_a_content_length_over_max_body_fails_on_the_head_alone():
    reader = ResponseReader(max_body=1 << 20)
    with pytest.raises(BodyTooLarge) as raised:
        reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\n")
    assert raised.value.announced and raised.value.size == 999999999999999999
    exact = ResponseReader(max_body=5).feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert exact.body == b"hello"


def test_a_huge_chunk_size_fails_on_its_line_alone():
    with pytest.raises(BodyTooLarge):
        ResponseReader(max_body=1 << 20).feed(CHUNKED_HEAD + b"ffffffffffffffff\r\n")


def test_a_body_to_the_end_of_the_stream_over_max_body():
    reader = ResponseReader(max_body=10)
    assert reader.feed(b"HTTP/1.0 200 OK\r\n\r\n0123456789") is None
    with pytest.raises(BodyTooLarge) as raised:
        reader.feed(b"x")
    assert not raised.value.announced


def test_responses_without_a_body_ignore_max_body():
    # A HEAD answer's Content-Length describes the body a GET would bring.
    reader = ResponseReader(method="HEAD", max_body=10)
    assert reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n").body == b""
    not_modified = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5000\r\n\r\n"
    assert ResponseReader(max_body=10).feed(not_modified).body == b""
