"""One deadline for the whole run, shared by every route (AMI, rx, reading
the secret from standard input). Its own module so that the rx route does not
load the socket module just to keep time."""

import time

from amijson.errors import AmijsonError

DEFAULT_TIMEOUT = 10.0


class Deadline:
    """One deadline for the whole run: every wait asks what is left of it."""

    def __init__(self, seconds):
        self.start = time.monotonic()
        self.seconds = seconds
        self.end = self.start + seconds

    def set(self, seconds):
        """Make the deadline ``seconds`` after the start. The run starts its clock
        before reading anything (a config file, a secret on standard input),
        and only learns its timeout from what it read."""
        self.seconds = seconds
        self.end = self.start + seconds

    def remaining(self):
        return self.end - time.monotonic()

    def left_or_fail(self, what):
        left = self.remaining()
        if left <= 0:
            raise AmijsonError("timeout", "deadline of %gs passed %s" % (self.seconds, what))
        return left

    def reserve(self, seconds):
        """A deadline that ends ``seconds`` (at most a quarter of the run) before
        this one, for the work of the run; what is left is for cleaning up after
        it, such as ending a manager session that would otherwise linger."""
        inner = Deadline.__new__(Deadline)
        inner.start, inner.seconds = self.start, self.seconds
        inner.end = self.end - min(seconds, self.seconds / 4)
        return inner

    def within(self, seconds):
        """A deadline ``seconds`` from now, or this one if it ends sooner: one PBX of a
        fleet keeps to its own timeout and to the run's."""
        inner = Deadline.__new__(Deadline)
        inner.start = time.monotonic()
        inner.seconds = seconds
        inner.end = min(self.end, inner.start + seconds)
        return inner
