"""amijson.transport: what a failed socket call means."""

import errno
import os

import pytest

from amijson.transport import _lost


@pytest.mark.parametrize("number", [errno.EPIPE, errno.ECONNRESET])
def test_a_peer_that_hung_up_is_a_closed_connection(number):
    # A reset or a broken pipe is the same event as a clean close: which one a send or
    # a read notices first is a race, so they read alike.
    error = _lost(OSError(number, os.strerror(number)), "127.0.0.1:5038", "while reading")
    assert error.code == "protocol" and error.message == "Asterisk closed the connection while reading"


@pytest.mark.parametrize("number", [errno.EHOSTUNREACH, errno.ETIMEDOUT, errno.ENETDOWN])
def test_any_other_socket_error_is_the_network_failing(number):
    error = _lost(OSError(number, os.strerror(number)), "127.0.0.1:5038", "while reading")
    assert error.code == "connect"
    assert error.message == "connection to 127.0.0.1:5038 lost while reading: %s" % os.strerror(number)
