"""One memory budget for a run that asks several PBXes at once.

A single run holds at most ``--max-size`` MiB of what its peer sent: each route
counts what it reads and stops with a ``protocol`` error past it. A fleet
(``--profiles``, a ``--host`` list) runs up to ``--parallel`` PBXes at once, so
that bound alone made the run's memory ``--parallel`` times ``--max-size``:
sixteen hostile peers sending endless ``Output:`` lines took 942 MB. Here the
whole run shares one ``Budget`` of ``--max-size`` MiB, and each PBX draws on it
through its own ``Share`` as bytes arrive:

* a read that keeps the run within its budget goes ahead;
* past it, a PBX may still hold its own share, ``--max-size / --parallel``
  (1 MiB by default), so that hostile peers filling the budget cannot starve an
  honest one whose answer is small; a PBX past both fails with ``protocol``;
* a PBX that answered keeps what it drew (its records stay in the document until
  the run prints it); one that failed gives all of it back, since what it held
  is dropped with its session.

So the PBXes still reading hold at most twice ``--max-size`` between them, and
a hostile peer costs the others at most what it holds at that moment.

Called from the routes' reading threads (fleet.run's workers): the count is
under a lock.
"""

import threading

from amijson.errors import AmijsonError


class Budget:
    """``limit`` bytes for the whole run, shared by every PBX of it; ``running`` PBXes read
    at once, each sure of ``limit // running``."""

    def __init__(self, limit, running):
        self.limit = limit
        self.own = limit // max(1, running)
        self.used = 0
        self.lock = threading.Lock()

    def share(self):
        return Share(self)


class Share:
    """One PBX's draw on the run's ``Budget``."""

    __slots__ = ("budget", "taken")

    def __init__(self, budget):
        self.budget = budget
        self.taken = 0

    def take(self, count, what):
        """Count ``count`` more bytes read, or a ``protocol`` error when the run's budget
        would go past its limit (``what``: what the route was reading)."""
        budget = self.budget
        with budget.lock:
            if budget.used + count > budget.limit and self.taken + count > budget.own:
                raise AmijsonError("protocol", "the run's --max-size of %d MiB, shared by all its PBXes, was used "
                                   "up %s, and this PBX had sent more than its own share of %.2f MiB; --max-size "
                                   "raises the limit" % (budget.limit >> 20, what, budget.own / 1048576.0))
            budget.used += count
        self.taken += count

    def release(self):
        """Give back all this PBX took: what it held is dropped (it failed)."""
        with self.budget.lock:
            self.budget.used -= self.taken
        self.taken = 0
