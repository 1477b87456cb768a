"""Whether a host is this machine: the rx route answers only for this machine.

``--via auto`` falls back to the local ``asterisk -rx`` when AMI cannot be
reached. For ``--host pbx2.example`` that would answer a question about
another PBX with this one's facts, so the fallback is allowed only when the
target is this machine: no host given, a loopback address, or a name whose
every address is one of this machine's own.
"""

import _socket

from amijson.errors import AmijsonError


def _is_own_address(family, address):
    """True for loopback, and for an address of one of this machine's interfaces
    (binding to it succeeds only there; nothing is sent)."""
    if family == _socket.AF_INET and address[0].startswith("127."):
        return True
    if family == _socket.AF_INET6 and address[0] in ("::1", "::ffff:127.0.0.1"):
        return True
    sock = _socket.socket(family, _socket.SOCK_DGRAM)
    try:
        sock.bind((address[0], 0) if family == _socket.AF_INET else (address[0], 0, 0, address[3]))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def is_this_machine(host, deadline):
    """True when every address ``host`` stands for is this machine's."""
    found = addresses(host, deadline)
    return bool(found) and all(own for _address, own in found)


def addresses(host, deadline):
    """[(address, whether it is this machine's)] for every address ``host`` stands for,
    in the resolver's order, once each; None when it cannot be resolved."""
    from amijson.transport import literal_address, resolve
    try:
        infos = literal_address(host, 0) or resolve(host, 0, deadline)
    except AmijsonError:
        return None
    found = {}
    for family, _kind, _proto, _name, address in infos or ():
        if address[0] not in found:
            found[address[0]] = _is_own_address(family, address)
    return list(found.items()) or None
