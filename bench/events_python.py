"""Baseline for scripts/bench --events: a bare Python AMI event reader.

socket + makefile, log in with every event class, then for each event its lines
split into a dict and one json.dumps line written (and flushed) per event, until
killed. No error handling, no filters, no buffer: the least a script does, not a
tool. Settings from AMIJSON_HOST/PORT/USER/SECRET.
"""
import json
import os
import socket
import sys

sock = socket.create_connection((os.environ.get("AMIJSON_HOST", "127.0.0.1"),
                                 int(os.environ.get("AMIJSON_PORT", "5038"))))
stream = sock.makefile("rb")
stream.readline()  # banner
sock.sendall(("Action: Login\r\nUsername: %s\r\nSecret: %s\r\nEvents: on\r\nActionID: 1\r\n\r\n"
              % (os.environ["AMIJSON_USER"], os.environ["AMIJSON_SECRET"])).encode())
out = sys.stdout
message = {}
for line in stream:
    line = line.rstrip(b"\r\n").decode("utf-8", "replace")
    if not line:
        if "Event" in message:
            out.write(json.dumps(message) + "\n")
            out.flush()
        message = {}
        continue
    key, _, value = line.partition(": ")
    message[key] = value
