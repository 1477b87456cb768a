"""AMI over HTTP, the HTTP side (amijson.httpwire): bytes in, responses out."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amijson.httpwire import HttpError, ResponseReader, cookie_value, form_body, format_request

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
