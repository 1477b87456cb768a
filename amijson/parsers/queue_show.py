"""Parser for ``queue show [<queue>]`` (app_queue, Asterisk 11 to 22).

Usage::

    from amijson.parsers import queue_show
    records = queue_show.parse(text)

Output: one record per queue.

========================  =============  ====================================
field                     type           meaning
========================  =============  ====================================
``queue``                 str            the queue's name
``calls``                 int            callers waiting now
``max_calls``             int or None    ``maxlen``; None for ``unlimited``
``strategy``              str            ``ringall``, ``leastrecent``, ...
``holdtime``              int            average hold time, seconds
``talktime``              int            average talk time, seconds
``weight``                int            ``W:``
``completed``             int            ``C:`` calls completed
``abandoned``             int            ``A:`` calls abandoned
``service_level_perf``    float          ``SL:`` percent
``service_level_perf2``   float or None  ``SL2:`` percent (Asterisk 15 and
                                         later; None before)
``service_level``         int            ``within <n>s``: seconds
``members``               list           see below
``callers``               list           ``{position: int, channel: str,
                                         wait: int seconds, priority: int}``
========================  =============  ====================================

Each member (line ``<name> (<interface>[ from <state interface>])[ with
penalty N] (ringinuse enabled|disabled)[ (dynamic)][ (realtime)][ (in call)][
(paused[:<reason>] was N secs ago)] (<status>) has taken ...``)::

    name             str            the member's name
    interface        str            its interface (the name when Asterisk did
                                    not print one: they are the same)
    state_interface  str or None    shown as ``(<iface> from <state iface>)``
    status           str            device state: "Not in use", "In use",
                                    "Unavailable", "Busy", "Ringing", ...
    dynamic          bool           ``(dynamic)``: added at run time
    realtime         bool           ``(realtime)``
    in_call          bool           ``(in call)``
    paused           bool           ``(paused)``, ``(paused:<reason> was N secs ago)``
    paused_reason    str or None    the reason after ``paused:``
    paused_secs      int or None    ``was N secs ago`` of the pause (14+)
    ringinuse        bool or None   ``(ringinuse enabled|disabled)``; None
                                    when the version does not print it
    penalty          int or None    ``with penalty N``; None when not shown (0)
    calls_taken      int            0 for ``has taken no calls yet``
    last_call_secs   int or None    ``(last was N secs ago)``
    login_secs       int or None    ``(login was N secs ago)`` (late 16.x,
                                    18 and later)

ANSI colour codes (printed around the flags and the status when the daemon
runs with colour) are removed first. ``No such queue: <name>.`` and
``No queues.`` give ``[]``.

Example input::

    support has 1 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s
       Members: 
          Alice (PJSIP/101) (ringinuse enabled) (Not in use) has taken no calls yet (login was 46 secs ago)
       Callers: 
          1. Local/queue@amijson-test-00000004;2 (wait: 0:02, prio: 0)

Example output::

    [{"queue": "support", "calls": 1, "max_calls": null, "strategy": "ringall",
      "holdtime": 0, "talktime": 0, "weight": 0, "completed": 0,
      "abandoned": 0, "service_level_perf": 0.0, "service_level_perf2": 0.0,
      "service_level": 0,
      "members": [{"name": "Alice", "interface": "PJSIP/101",
                   "state_interface": null, "status": "Not in use",
                   "dynamic": false, "realtime": false, "in_call": false,
                   "paused": false, "paused_reason": null, "paused_secs": null,
                   "ringinuse": true, "penalty": null, "calls_taken": 0,
                   "last_call_secs": null, "login_secs": 46}],
      "callers": [{"position": 1,
                   "channel": "Local/queue@amijson-test-00000004;2",
                   "wait": 2, "priority": 0}]}]
"""

from amijson.parsers.columns import ascii_digits, float_or_none, int_or_none, strip_ansi

COMMANDS = {"queue show": "default"}

_QUEUE = (
    r"^(?P<queue>.+?) has (?P<calls>\d+) calls \(max (?P<max>\d+|unlimited)\)"
    r" in '(?P<strategy>[^']*)' strategy"
    r" \((?P<holdtime>-?\d+)s holdtime, (?P<talktime>-?\d+)s talktime\),"
    r" W:(?P<weight>-?\d+), C:(?P<completed>\d+), A:(?P<abandoned>\d+),"
    r" SL:(?P<sl>[-\d.]+|-?nan)%(?:, SL2:(?P<sl2>[-\d.]+|-?nan)%)?"
    r" within (?P<within>-?\d+)s\s*$"
)
_CALLER = r"^\s*(?P<position>\d+)\. (?P<channel>.+) \(wait: (?P<min>\d+):(?P<sec>\d+), prio: (?P<prio>-?\d+)\)\s*$"


def _secs_ago(text, prefix):
    """``N`` of ``<prefix> N secs ago``, or None."""
    if not text.startswith(prefix) or not text.endswith(" secs ago"):
        return None
    return int_or_none(text[len(prefix):-len(" secs ago")])


def _member(line):
    """A member dict from a member line (ANSI codes already removed)."""
    text = line.strip()
    member = {
        "name": None,
        "interface": None,
        "state_interface": None,
        "status": None,
        "dynamic": False,
        "realtime": False,
        "in_call": False,
        "paused": False,
        "paused_reason": None,
        "paused_secs": None,
        "ringinuse": None,
        "penalty": None,
        "calls_taken": 0,
        "last_call_secs": None,
        "login_secs": None,
    }
    head, taken, tail = text.rpartition(" has taken ")
    if not taken:
        head, tail = text, ""
    # The tail: "no calls yet" or "N calls (last was M secs ago)", then
    # " (login was N secs ago)" since Asterisk 16.
    tail = tail.strip()
    if tail.endswith(")") and "(login was " in tail:
        index = tail.rfind("(login was ")
        member["login_secs"] = _secs_ago(tail[index + 1:-1], "login was ")
        tail = tail[:index].strip()
    if tail and ascii_digits(tail[0]):
        number, _, rest = tail.partition(" calls")
        member["calls_taken"] = int(number) if ascii_digits(number) else 0
        rest = rest.strip()
        if rest.startswith("(") and rest.endswith(")"):
            member["last_call_secs"] = _secs_ago(rest[1:-1], "last was ")
    # The head, read from the right: "(status)", then flags in parentheses and
    # " with penalty N", then "(interface[ from state_interface])", then the name.
    rest = head.rstrip()
    if rest.endswith(")"):
        index = rest.rfind(" (")
        if index >= 0:
            member["status"] = rest[index + 2:-1]
            rest = rest[:index]
    while True:
        rest = rest.rstrip()
        if rest.endswith(")") and " (" in rest:
            index = rest.rfind(" (")
            inner = rest[index + 2:-1]
            if inner == "dynamic":
                member["dynamic"] = True
            elif inner == "realtime":
                member["realtime"] = True
            elif inner == "in call":
                member["in_call"] = True
            elif inner.startswith("ringinuse "):
                member["ringinuse"] = inner == "ringinuse enabled"
            elif inner.startswith("with penalty ") and int_or_none(inner[13:]) is not None:
                member["penalty"] = int_or_none(inner[13:])
            elif inner == "paused" or inner.startswith("paused:") or inner.startswith("paused "):
                member["paused"] = True
                body = inner[len("paused"):]
                if body.endswith(" secs ago") and " was " in body:
                    body, _, ago = body.rpartition(" was ")
                    member["paused_secs"] = _secs_ago("was " + ago, "was ")
                if body.startswith(":"):
                    member["paused_reason"] = body[1:] or None
            else:
                break
            rest = rest[:index]
            continue
        words = rest.rsplit(" ", 3)
        if len(words) == 4 and words[1:3] == ["with", "penalty"] and int_or_none(words[3]) is not None:
            member["penalty"] = int_or_none(words[3])
            rest = words[0]
            continue
        break
    rest = rest.strip()
    if rest.endswith(")") and " (" in rest:
        index = rest.rfind(" (")
        interface = rest[index + 2:-1]
        name = rest[:index].strip()
        interface, sep, state_interface = interface.partition(" from ")
        member["name"] = name
        member["interface"] = interface
        member["state_interface"] = state_interface if sep else None
    else:
        member["name"] = rest
        member["interface"] = rest
    return member


def parse(text, variant=None, warnings=None):
    """Records, one per queue (``[]`` for ``No queues.`` / ``No such queue``)."""
    import re

    # re.ASCII: a str pattern's \d takes any script's digits, and int() reads them.
    queue_re = re.compile(_QUEUE, re.ASCII)
    caller_re = re.compile(_CALLER, re.ASCII)
    records = []
    section = None
    for raw in strip_ansi(text or "").splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            section = None
            continue
        if stripped == "No queues." or stripped.startswith("No such queue:"):
            continue
        match = queue_re.match(line) if not line.startswith(" ") else None
        if match:
            records.append({
                "queue": match.group("queue"),
                "calls": int(match.group("calls")),
                "max_calls": None if match.group("max") == "unlimited" else int(match.group("max")),
                "strategy": match.group("strategy"),
                "holdtime": int(match.group("holdtime")),
                "talktime": int(match.group("talktime")),
                "weight": int(match.group("weight")),
                "completed": int(match.group("completed")),
                "abandoned": int(match.group("abandoned")),
                "service_level_perf": float_or_none(match.group("sl")),
                "service_level_perf2": float_or_none(match.group("sl2")) if match.group("sl2") else None,
                "service_level": int(match.group("within")),
                "members": [],
                "callers": [],
            })
            section = None
            continue
        if not records:
            if warnings is not None:
                warnings.append("unrecognised line ignored: %r" % stripped)
            continue
        if stripped in ("Members:", "No Members"):
            section = "members" if stripped == "Members:" else None
            continue
        if stripped in ("Callers:", "No Callers"):
            section = "callers" if stripped == "Callers:" else None
            continue
        if section == "members":
            records[-1]["members"].append(_member(line))
        elif section == "callers":
            found = caller_re.match(line)
            if found:
                records[-1]["callers"].append({
                    "position": int(found.group("position")),
                    "channel": found.group("channel"),
                    "wait": int(found.group("min")) * 60 + int(found.group("sec")),
                    "priority": int(found.group("prio")),
                })
            elif warnings is not None:
                warnings.append("unrecognised caller line ignored: %r" % stripped)
        elif warnings is not None:
            warnings.append("unrecognised line ignored: %r" % stripped)
    return records
