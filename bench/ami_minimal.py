"""Baseline for scripts/bench: a minimal Python AMI client, read line by line.

socket + makefile, log in, one action, collect the events carrying our ActionID
until the list completes, print them with json.dumps. No error handling: this is
the least a script does, not a tool. Settings from AMIJSON_HOST/PORT/USER/SECRET.
"""
import json
import os
import socket
import sys

action = sys.argv[1] if len(sys.argv) > 1 else "CoreShowChannels"
sock = socket.create_connection((os.environ.get("AMIJSON_HOST", "127.0.0.1"),
                                 int(os.environ.get("AMIJSON_PORT", "5038"))), timeout=10)
stream = sock.makefile("rb")
stream.readline()  # banner
sock.sendall(("Action: Login\r\nUsername: %s\r\nSecret: %s\r\nEvents: off\r\nActionID: 1\r\n\r\n"
              "Action: %s\r\nActionID: 2\r\n\r\n" % (os.environ["AMIJSON_USER"], os.environ["AMIJSON_SECRET"],
                                                    action)).encode())
records = []
message = {}
done = False
while not done:
    line = stream.readline()
    if not line:
        break
    line = line.rstrip(b"\r\n").decode("utf-8", "replace")
    if not line:
        if message.get("ActionID") == "2":
            if "Event" in message:
                if message.get("EventList", "").lower() == "complete":
                    done = True
                else:
                    records.append(message)
            elif message.get("Response", "").lower() == "error" or message.get("EventList", "").lower() != "start":
                done = True
        message = {}
        continue
    key, _, value = line.partition(": ")
    message[key] = value
sock.sendall(b"Action: Logoff\r\nActionID: 3\r\n\r\n")
sock.close()
print(json.dumps({"records": records}))
