"""What ``manager show user USER`` (the CLI, run through AMI's Command action) says of an
AMI user: its read and write classes and its ACL. Sans-IO: lines in, data out.

Asterisk has no action that tells a session its own classes; this CLI command does, but
it needs the ``command`` write class. doctor's ``classes`` check and the events verb's
read-class check both read it here. The layout (16 and 22 alike)::

             username: amijson_least
            read perm: system,reporting
           write perm: system,command,reporting
    ACL: (unnamed)
    ---------------------------------------------
      0:  deny - 0.0.0.0/0.0.0.0
      1: allow - 127.0.0.1/255.255.255.255
"""

# The class that stands for every class in manager.conf's read = / write =.
EVERY_CLASS = "all"


def command(user):
    """The CLI command that shows ``user``."""
    return "manager show user %s" % user


def parse(lines):
    """{"read": [...], "write": [...], "acl": ["deny 0.0.0.0/0.0.0.0", ...]} from the
    command's output lines, or None when they are not a user's description (no such user,
    another layout)."""
    shown = {"read": None, "write": None, "acl": []}
    for line in lines or ():
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if key in ("read perm", "write perm") and colon:
            shown[key.split()[0]] = [name for name in value.strip().split(",") if name]
        elif key.isdigit() and colon and " - " in value:  # "  0:  deny - 0.0.0.0/0.0.0.0"
            sense, _, network = value.strip().partition(" - ")
            shown["acl"].append("%s %s" % (sense.strip(), network.strip()))
    return shown if shown["write"] is not None and shown["read"] is not None else None


def missing(needed, read):
    """The classes of ``needed`` that the read classes ``read`` do not cover, sorted."""
    have = {name.strip().lower() for name in read}
    if EVERY_CLASS in have:
        return []
    return sorted(set(needed) - have)
