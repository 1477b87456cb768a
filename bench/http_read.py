"""Reference for scripts/bench: a Python process that only fetches CoreShowChannels over HTTP.

Logs in with the plain secret (``POST /rawman``, as a PHP page does), keeps the
session cookie, posts CoreShowChannels on the same connection, reads the whole
reply (Asterisk sends a Content-Length), writes its body out unchanged and logs off: the
least any client of Asterisk's HTTP manager pays, before parsing or JSON.
Settings: AMIJSON_HOST, AMIJSON_HTTP_PORT, AMIJSON_USER, AMIJSON_SECRET.
"""
import os

import _socket  # not socket nor urllib: their imports cost more than a small reply

host = os.environ.get("AMIJSON_HOST", "127.0.0.1")
sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
sock.connect((host, int(os.environ.get("AMIJSON_HTTP_PORT", "8088"))))
buffer = b""
PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def quote(text):
    return "".join(chr(b) if b in PLAIN else "%%%02X" % b for b in text.encode())


def post(fields, cookie=b""):
    """Send one POST /rawman and return (headers, body)."""
    global buffer
    body = "&".join("%s=%s" % (k, quote(v)) for k, v in fields).encode()
    sock.sendall(b"POST /rawman HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: %d\r\n%s\r\n%s" % (host.encode(), len(body), cookie, body))
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    chunks, size = [buffer], len(buffer)
    while size < length:
        chunk = sock.recv(262144)
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    buffer = data[length:]
    return head, data[:length]


head, _ = post([("Action", "Login"), ("Username", os.environ["AMIJSON_USER"]),
                ("Secret", os.environ["AMIJSON_SECRET"]), ("Events", "off")])
cookie = next(line.split(b":", 1)[1].split(b";")[0].strip() for line in head.split(b"\r\n")
              if line.lower().startswith(b"set-cookie:"))
_, body = post([("Action", "CoreShowChannels")], b"Cookie: %s\r\n" % cookie)
os.write(1, body)
# Logged off, as every client here is: a session left to expire keeps Asterisk's event queue
# (and so every later login's purge of it) long through the next minute's runs.
post([("Action", "Logoff")], b"Cookie: %s\r\n" % cookie)
