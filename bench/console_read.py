"""Reference for scripts/bench: a Python process that only reads the control socket.

Connects to the daemon's control socket (AMIJSON_CONSOLE), reads its banner line,
asks for ``core show channels concise`` as ``asterisk -rx`` does (``cli quit
after``, ended by a NUL), reads with ``recv_into`` into one buffer until the
daemon closes, and writes what came after the banner out unchanged (no verbose
lines come at the default verbosity): the least the rx route pays before
parsing or JSON.
"""
import os

import _socket  # not socket: its import alone (enum, selectors) costs more than the reading

sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
sock.connect(os.environ["AMIJSON_CONSOLE"])
banner = sock.recv(256)
sock.sendall(b"cli quit after core show channels concise\0")
buffer = bytearray(1 << 18)
view = memoryview(buffer)
chunks = [banner.partition(b"\n")[2]]  # the banner is one line; output may follow it in the same read
while True:
    count = sock.recv_into(buffer)
    if not count:
        break
    chunks.append(bytes(view[:count]))
os.write(1, b"".join(chunks))
