"""amijson.locality: which hosts are this machine (the only ones rx may answer for)."""

import socket

from amijson.deadline import Deadline
from amijson.locality import is_this_machine


def test_loopback_and_own_names_are_this_machine():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost", socket.gethostname()):
        assert is_this_machine(host, Deadline(3)), host


def test_other_hosts_are_not():
    # Nothing is sent: an address is judged by whether it can be bound here.
    for host in ("192.0.2.1", "2001:db8::1", "pbx2.invalid"):
        assert not is_this_machine(host, Deadline(3)), host
