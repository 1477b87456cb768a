"""``--debug``: the AMI exchange on standard error, secrets redacted.

Lines sent start with ``> ``, lines received with ``< ``. The values of
``Secret`` and ``Key`` (the MD5 login key) are replaced by ``********``, and so
is the secret itself wherever else it would appear (a hostile peer could echo
it). The document on standard output is unchanged.
"""

REDACTED = "********"


class Transcript:
    def __init__(self, stream, secrets=()):
        self.stream = stream
        self.secrets = [s for s in secrets if s]

    def __call__(self, direction, data, redact=()):
        if self.stream is None:
            return
        hidden = {key.lower() for key in redact} | {"secret", "key"} if direction == ">" else set()
        text = data.decode("utf-8", "replace")
        if text.endswith("\n"):
            text = text[:-1]
        out = []
        for line in text.split("\n"):
            line = line.rstrip("\r")
            key, colon, _value = line.partition(":")
            if colon and key.strip().lower() in hidden:
                line = "%s: %s" % (key, REDACTED)
            for secret in self.secrets:
                line = line.replace(secret, REDACTED)
            out.append("%s %s\n" % (direction, line))
        if not data:
            out.append("%s (connection closed)\n" % direction)
        try:
            self.stream.write("".join(out))
            self.stream.flush()
        except (OSError, ValueError):
            pass
