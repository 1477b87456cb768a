"""TCP and TLS connections to AMI, all bounded by one deadline.

Plain TCP uses the C ``_socket`` module directly: the ``socket`` package (and
``ssl``) cost more start-up time than a whole small run, so they are imported
only when TLS is asked for.
"""

import _socket

from amijson.errors import AmijsonError


def _lost(exc, peer, what):
    """A peer that hung up (reset, broken pipe) is the same event as one that
    closed cleanly: whether a send or a read notices first is a race. Other
    socket errors mean the network failed."""
    if isinstance(exc, (BrokenPipeError, ConnectionResetError)):  # EPIPE, ECONNRESET: no errno import
        return AmijsonError("protocol", "Asterisk closed the connection %s" % what)
    return AmijsonError("connect", "connection to %s lost %s: %s" % (peer, what, exc.strerror or exc))


class Connection:
    """A connected stream socket with deadline-aware ``send`` and ``recv``."""

    def __init__(self, sock, deadline, peer, verified=False):
        self.sock = sock
        self.deadline = deadline
        self.peer = peer
        self.verified = verified  # TLS with the certificate and host name checked

    def send(self, data):
        self.sock.settimeout(self.deadline.left_or_fail("while sending to %s" % self.peer))
        try:
            self.sock.sendall(data)
        except _socket.timeout:
            raise AmijsonError("timeout", "deadline of %gs passed while sending to %s"
                               % (self.deadline.seconds, self.peer))
        except OSError as exc:
            raise _lost(exc, self.peer, "while sending")

    def recv(self, what="waiting for Asterisk"):
        """Up to 256 KiB of what arrived, b"" at end of stream."""
        self.sock.settimeout(self.deadline.left_or_fail(what))
        try:
            return self.sock.recv(262144)
        except _socket.timeout:
            raise AmijsonError("timeout", "deadline of %gs passed %s" % (self.deadline.seconds, what))
        except OSError as exc:
            if type(exc).__name__.startswith("SSL"):
                raise AmijsonError("tls", "TLS failure from %s: %s" % (self.peer, exc))
            raise _lost(exc, self.peer, what)

    def is_verified_tls(self):
        """True when the secret cannot be read off the wire, nor by a peer that is
        not the one named: TLS whose certificate and host name were verified.
        (Loopback is no such place: any local user may listen on the port while
        Asterisk restarts.)"""
        return self.verified

    def send_now(self, data):
        """Send what the socket takes at once, without waiting: a last word (Logoff) that
        must not cost time, not even after the deadline. Never raises."""
        try:
            self.sock.settimeout(0.0)
            self.sock.send(data)
        except Exception:  # a full buffer, a closed peer, a TLS layer that wants to wait
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def literal_address(host, port):
    """getaddrinfo's answer for an IP literal, without getaddrinfo: resolving
    encodes the name with the idna codec, a start-up cost a literal does not need."""
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(family, host)
        except (OSError, ValueError):
            continue
        address = (host, port) if family == _socket.AF_INET else (host, port, 0, 0)
        return [(family, _socket.SOCK_STREAM, 0, "", address)]
    return None


def resolve(host, port, deadline):
    """getaddrinfo under the deadline: it has no timeout of its own, and a
    broken resolver can block far longer than the run may take. It runs in a
    daemon thread that is simply abandoned if the deadline passes."""
    import threading

    result = {}

    def lookup():
        try:
            result["infos"] = _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:  # UnicodeError: a name the idna codec refuses
            result["error"] = exc

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(deadline.left_or_fail("before resolving %s" % host))
    if worker.is_alive():
        raise AmijsonError("timeout", "deadline of %gs passed while resolving %s" % (deadline.seconds, host))
    if "error" in result:
        exc = result["error"]
        raise AmijsonError("connect", "cannot resolve %s: %s" % (host, exc.strerror or exc))
    return result["infos"]


def _connect_tcp(host, port, deadline, connect_timeout, socket_class):
    peer = "%s:%s" % (host, port)
    infos = literal_address(host, port)
    if infos is None:
        infos = resolve(host, port, deadline)
    last = None
    for family, kind, proto, _name, address in infos:
        sock = socket_class(family, kind, proto)
        left = deadline.left_or_fail("while connecting to %s" % peer)
        sock.settimeout(min(left, connect_timeout))
        try:
            sock.connect(address)
            return sock, peer
        except _socket.timeout:
            sock.close()
            if deadline.remaining() <= 0:
                raise AmijsonError("timeout", "deadline of %gs passed while connecting to %s"
                                   % (deadline.seconds, peer))
            last = "no answer within %gs" % connect_timeout
        except OSError as exc:
            sock.close()
            last = exc.strerror or str(exc)
    raise AmijsonError("connect", "cannot connect to %s: %s" % (peer, last))


def connect_tcp(host, port, deadline, connect_timeout, for_tls=False):
    """(connected socket, "host:port"). ``for_tls``: a ``socket.socket``, which ``ssl`` can
    wrap; else the C module's socket, which costs no import."""
    if not for_tls:
        return _connect_tcp(host, port, deadline, connect_timeout, _socket.socket)
    import socket
    return _connect_tcp(host, port, deadline, connect_timeout, socket.socket)


def plain_connection(sock, deadline, peer):
    """The Connection over a connected plain TCP socket."""
    sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
    return Connection(sock, deadline, peer)


def tls_context(cafile=None, insecure=False):
    """The client side's SSLContext: certificate and host name verified, unless ``insecure``."""
    import ssl

    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise AmijsonError("config", "cannot load CA file %s: %s" % (cafile, exc))
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def tls_handshake(context, sock, peer, host, deadline):
    """The Connection after a TLS handshake over ``sock`` (from ``connect_tcp(..., for_tls=True)``),
    which is closed when the handshake fails."""
    import socket
    import ssl

    sock.settimeout(deadline.left_or_fail("during the TLS handshake with %s" % peer))
    try:
        tls_sock = context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise AmijsonError("tls", "certificate of %s not trusted: %s" % (peer, exc.verify_message or exc))
    except socket.timeout:
        sock.close()
        raise AmijsonError("timeout", "deadline of %gs passed during the TLS handshake with %s"
                           % (deadline.seconds, peer))
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        raise AmijsonError("tls", "TLS handshake with %s failed: %s" % (peer, exc))
    return Connection(tls_sock, deadline, peer, verified=context.verify_mode == ssl.CERT_REQUIRED
                      and context.check_hostname)


def connect(host, port, deadline, connect_timeout, tls=False, cafile=None, insecure=False):
    if not tls:
        sock, peer = connect_tcp(host, port, deadline, connect_timeout)
        return plain_connection(sock, deadline, peer)
    context = tls_context(cafile, insecure)  # a bad CA file fails before anything connects
    sock, peer = connect_tcp(host, port, deadline, connect_timeout, for_tls=True)
    return tls_handshake(context, sock, peer, host, deadline)
