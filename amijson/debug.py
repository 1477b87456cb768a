"""``--debug``: the AMI exchange on standard error, secrets redacted.

Lines sent start with ``> ``, lines received with ``< ``. The values of
``Secret`` and of Login's ``Key`` (the MD5 login key; another action's ``Key``,
DBGet's say, is data) are replaced by ``********``, and so is the secret
itself wherever else it would appear (a hostile peer could echo it, split
across reads if it likes). The document on standard output is unchanged.
"""

from amijson.document import REDACTED, SECRET_KEYS


class Transcript:
    def __init__(self, stream, secrets=()):
        self.stream = stream
        self.secrets = [s for s in secrets if s]
        # What came after the last newline received: a peer that echoes the secret
        # may split it across two reads, so received lines are shown whole.
        self.partial = b""

    def __call__(self, direction, data, redact=()):
        """Show ``data`` sent (``>``) or received (``<``); the values of the
        ``redact`` keys (Login's ``Secret`` or ``Key``) and of every ``Secret``
        header are hidden, and so is the secret wherever it appears."""
        if self.stream is None:
            return
        closed = not data
        if direction == "<":
            data, self.partial = self.partial + data, b""
            if not closed:
                cut = data.rfind(b"\n") + 1
                data, self.partial = data[:cut], data[cut:]
                if not data:
                    return
        hidden = {key.lower() for key in redact} | SECRET_KEYS if direction == ">" else set()
        text = data.decode("utf-8", "replace")
        if text.endswith("\n"):
            text = text[:-1]
        out = []
        for line in text.split("\n") if text else ():
            line = line.rstrip("\r")
            key, colon, _value = line.partition(":")
            if colon and key.strip().lower() in hidden:
                line = "%s: %s" % (key, REDACTED)
            for secret in self.secrets:
                line = line.replace(secret, REDACTED)
            out.append("%s %s\n" % (direction, line))
        if closed:
            out.append("%s (connection closed)\n" % direction)
        self._write("".join(out))

    def flush(self):
        """Show a last received line that had no newline (the run ends here)."""
        if self.partial:
            self("<", b"\n")

    def _write(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass
