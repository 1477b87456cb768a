"""amijson.limits: a request over what Asterisk takes on a route is a usage error."""

import pytest

from amijson.errors import AmijsonError
from amijson.limits import AMI_MAX_LINE, HTTP_MAX_BODY, RX_MAX_COMMAND, check
from amijson.request import Request


def refused(request, route):
    with pytest.raises(AmijsonError) as caught:
        check(request, route)
    assert caught.value.code == "usage"
    return caught.value.message


def test_rx_counts_bytes_not_characters():
    check(Request.cli("x" * RX_MAX_COMMAND), "rx")
    assert str(RX_MAX_COMMAND) in refused(Request.cli("x" * (RX_MAX_COMMAND + 1)), "rx")
    refused(Request.cli("\u00e9" * (RX_MAX_COMMAND // 2 + 1)), "rx")  # two bytes each in UTF-8


def test_ami_line_length_includes_key_and_crlf():
    value = "x" * (AMI_MAX_LINE - len("Family: \r\n"))
    check(Request("DBGet", [("Family", value)]), "ami")
    assert "Family" in refused(Request("DBGet", [("Family", value + "x")]), "ami")
    check(Request("DBGet", [("Family", value + "x")]), "http")  # no such line limit over HTTP


def test_ami_header_count():
    check(Request("UserEvent", [("H%d" % i, "v") for i in range(126)]), "ami")
    refused(Request("UserEvent", [("H%d" % i, "v") for i in range(127)]), "ami")


def test_http_body_size():
    check(Request("DBGet", [("Family", "x" * (HTTP_MAX_BODY - 200))]), "http")
    assert str(HTTP_MAX_BODY) in refused(Request("DBGet", [("Family", "x" * HTTP_MAX_BODY)]), "http")
    # percent-encoding counts: each of these is three bytes on the wire
    refused(Request("DBGet", [("Family", "/" * (HTTP_MAX_BODY // 3 + 10))]), "http")


def test_cr_and_lf_are_refused_on_every_route():
    for route in ("ami", "http"):
        refused(Request("QueueStatus", [("Queue", "a\r\nAction: Originate")]), route)
        refused(Request("QueueStatus", [("Queue", "a\nb")]), route)
    refused(Request.cli("core show uptime\ncore stop now"), "rx")
    refused(Request.cli("core show uptime\rx"), "ami")
