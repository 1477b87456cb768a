"""Actions whose result arrives later, as an event (sans-IO).

Asterisk answers some actions at once and tells what came of them afterwards,
in an event of its own. ``Originate`` with ``Async`` acks "Originate successfully
queued" while the phone has not rung yet; the call's real outcome is the
``OriginateResponse`` that carries the action's ``ActionID`` (``fast_originate`` in
``main/manager.c``, the same in 16 and 22). The ``AGI`` action queues a command for
a channel in ``AGI(agi:async)``; its result is the ``AsyncAGIExec`` with the
action's ``CommandID`` (``res/res_agi.c``). No other action of 16's or 22's
``manager.c`` answers through an event that names its request.

``LATER`` is that table: which event ends which action, the header both carry,
the event class the session must receive it in, and what the event means. A
route asks ``Awaited`` whether a message is the one, and ``Later.outcome``
turns it into the document's ``outcome``; no route knows any action by name.
"""

import os

# ast_true() and ast_false() of main/utils.c: the words Asterisk reads as a yes or a no.
TRUE_WORDS = ("yes", "true", "y", "t", "1", "on")
FALSE_WORDS = ("no", "false", "n", "f", "0", "off")

# Originate's Timeout: milliseconds, 30,000 when not given (action_originate's `to`),
# read with sscanf("%30d") into an int.
ORIGINATE_TIMEOUT_MS = 30000
MAX_TIMEOUT_MS = 2 ** 31 - 1
# What a run's deadline adds to Originate's own Timeout when the caller set none: the
# dialling ends at the Timeout, and the reply or event, the Logoff and our own start
# come after it.
DEADLINE_MARGIN = 5.0

# main/pbx.c pbx_dial_reason(): the AST_CONTROL_* frame that ended the dialling, as
# fast_originate writes it in Reason.
REASONS = {
    "4": "answered",    # AST_CONTROL_ANSWER
    "1": "hangup",      # AST_CONTROL_HANGUP: the dial's caller hung up
    "5": "busy",        # AST_CONTROL_BUSY: cause USER_BUSY
    "8": "congestion",  # AST_CONTROL_CONGESTION: rejected, out of order, congestion causes
    "3": "no_answer",   # AST_CONTROL_RINGING: it rang (NO_ANSWER, ANSWERED_ELSEWHERE)
    "0": "failed",      # any other failure: no channel, unallocated, hung up before answer
}


def header(headers, name):
    """The first value of header ``name`` (any case), as Asterisk's astman_get_header reads
    it, or None."""
    lower = name.lower()
    for key, value in headers:
        if key.lower() == lower:
            return value
    return None


def _words(values):
    return ", ".join(values)


def is_true(name, value):
    """Asterisk's reading of a yes/no header; a ``usage`` error for a value it would read
    as neither (its ast_true() then says no, which is rarely what the caller meant)."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    from amijson.errors import AmijsonError
    from amijson.inputs import shown
    raise AmijsonError("usage", "%s=%s: Asterisk reads %s as true and %s as false"
                       % (name, shown(value), _words(TRUE_WORDS), _words(FALSE_WORDS)))


def milliseconds(name, value):
    """A header that Asterisk reads as a whole number of milliseconds."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_TIMEOUT_MS:
        from amijson.errors import AmijsonError
        from amijson.inputs import shown
        raise AmijsonError("usage", "%s=%s: a whole number of milliseconds (0 to %d) is expected"
                           % (name, shown(value), MAX_TIMEOUT_MS))
    return int(text)


def new_id():
    """An id for a header the caller left out (ChannelId, CommandID): unique without a
    counter shared between runs, and within what Asterisk takes (149 characters)."""
    return "amijson-" + os.urandom(8).hex()


def _originate_result(event):
    word = REASONS.get((event.get("Reason") or "").strip(), "unknown")
    success = (event.get("Response") or "").strip().lower() == "success"
    if success != (word == "answered"):
        # fast_originate says Success exactly when the call was answered (Reason 4): an
        # event that says one without the other tells nothing sure.
        return False, "unknown"
    return success, word


def _agi_result(event):
    # Result is the AGI reply, URL-encoded: "200%20result%3D1%0A".
    result = (event.get("Result") or "").strip()
    if not result:
        return False, "unknown"
    return (True, "done") if result.startswith("200") else (False, "failed")


class Later:
    """One row of ``LATER``: ``action``'s result comes as ``event``, which carries the
    same ``correlate`` header (``ActionID``: the one amijson gives the action itself).
    The session receives it only with ``event_class`` in its event mask. ``names``: the
    header amijson adds with a new id when the caller gave none, so that even a failure
    names something to look for later. ``waits(headers)``: whether this request's result
    comes as the event (Originate: only with Async). ``result(event)``: (ok, word)."""

    __slots__ = ("action", "event", "correlate", "event_class", "names", "waits", "result", "detail",
                 "timeout_header", "sync_word", "sync_failure")

    def __init__(self, action, event, correlate, event_class, names, waits, result, detail, timeout_header=None,
                 sync_word=None, sync_failure=None):
        self.action = action
        self.event = event
        self.correlate = correlate
        self.event_class = event_class
        self.names = names
        self.waits = waits
        self.result = result
        self.detail = detail  # the event's header that says why, named in a failure's message
        # The action's own timeout header (milliseconds): the run's deadline must cover it.
        self.timeout_header = timeout_header
        # What a request that does not wait learns from a Success reply (Originate
        # without Async: Asterisk replies Success only once the call was answered).
        self.sync_word = sync_word
        self.sync_failure = sync_failure  # its Error reply's Message when the call was not answered

    def correlation(self, action_id, headers):
        """The value the event must carry in ``correlate``."""
        if self.correlate.lower() == "actionid":
            return action_id
        return (header(headers, self.correlate) or "").strip()

    def event_mask(self, mask):
        """The login's event mask: ``mask`` (--events) with this row's class added."""
        word = (mask or "off").strip().lower()
        if word in FALSE_WORDS:
            return self.event_class
        if word in TRUE_WORDS or word == "all" or self.event_class in [part.strip() for part in word.split(",")]:
            return mask
        return "%s,%s" % (mask, self.event_class)

    def filter_headers(self, value):
        """The ``Filter`` action that limits the session's events to the one awaited: a
        regular expression over the event's text (the legacy form, which 16 and 22 both
        take), or None when ``value`` holds more than plain id characters (a caller's
        CommandID): we still skip every other event ourselves."""
        if not value or not all(c.isascii() and (c.isalnum() or c in "._-") for c in value):
            return None
        return [("Operation", "Add"), ("Filter", "%s: %s[[:space:]]" % (self.correlate, value.replace(".", "\\.")))]

    def outcome(self, event):
        """The document's ``outcome`` for the awaited event (a Message), or for none yet."""
        if event is None:
            return {"awaited": self.event, "result": None, "event": None}
        from amijson.document import message_to_json
        return {"awaited": self.event, "result": self.result(event)[1], "event": message_to_json(event)}

    def outcome_of_reply(self, reply):
        """The ``outcome`` of a request that did not run in the background: the reply
        is all Asterisk tells (``sync_word`` on Success, no word on an Error)."""
        from amijson.exchange import is_error
        return {"awaited": None, "result": None if is_error(reply) else self.sync_word, "event": None}

    def sync_failed(self):
        return ("%s: Asterisk's reply without Async does not say why (busy, no answer, congestion...); "
                "with Async=true amijson reports the outcome" % self.sync_failure)

    def ended(self, action, word, event):
        """A failure's message: the outcome word, the header that says why, the channel."""
        return "%s ended %s (%s %s): %s" % (action, word, self.detail, (event.get(self.detail) or "").strip()
                                            or "missing", (event.get("Channel") or "").strip() or "no channel")

    def missed(self, action, seconds):
        """A timeout's message while the event was still awaited."""
        return ("deadline of %gs passed waiting for %s, the outcome of %s, which Asterisk had accepted; "
                "it sends that event only to a manager user whose read classes include %s"
                % (seconds, self.event, action, self.event_class))

    def deadline(self, headers):
        """Seconds the run needs for this request by its own timeout header, or None."""
        if self.timeout_header is None:
            return None
        value = header(headers, self.timeout_header)
        ms = ORIGINATE_TIMEOUT_MS if value is None else milliseconds(self.timeout_header, value)
        return ms / 1000.0


def _async(headers):
    value = header(headers, "Async")
    return value is not None and is_true("Async", value)


LATER = {row.action.lower(): row for row in (
    Later("Originate", "OriginateResponse", "ActionID", "call", "ChannelId", _async, _originate_result, "Reason",
          timeout_header="Timeout", sync_word="answered", sync_failure="Originate failed"),
    # The event spells it CommandId (res_agi.c), the action reads CommandID in any case.
    Later("AGI", "AsyncAGIExec", "CommandId", "agi", "CommandID", lambda headers: True, _agi_result, "Result"),
)}


def prepare(action, headers, wait=True):
    """(headers, the ``Later`` row or None, where its outcome comes from) for an action:
    ``"event"`` (wait for the row's event), ``"reply"`` (a request that does not run in
    the background: its reply tells) or None (``wait`` False, ``--no-wait``: the ack
    alone, as for any action). Its yes/no and timeout headers are checked as Asterisk
    reads them (``usage`` before anything connects), and the id header is added when
    the caller gave none."""
    row = LATER.get(action.lower())
    if row is None:
        return headers, None, None
    waits = row.waits(headers)
    row.deadline(headers)  # a timeout header Asterisk would refuse: refused here
    if row.names and header(headers, row.names) is None:
        headers = list(headers) + [(row.names, new_id())]
    if not waits:
        return headers, row, "reply" if row.sync_word else None
    return headers, row, "event" if wait else None


class Awaited:
    """The event one request waits for: fed every message the session reads (in any
    order with the reply: Asterisk may queue the event before it writes the ack), it
    keeps the first that is ``row.event`` with our ``value`` in ``row.correlate``."""

    __slots__ = ("row", "value", "event")

    def __init__(self, row, value):
        self.row = row
        self.value = value
        self.event = None

    def take(self, message):
        """True when ``message`` is the awaited event (now kept)."""
        if self.event is not None or message.kind != "event":
            return False
        if (message.get("Event") or "").strip().lower() != self.row.event.lower():
            return False
        if (message.get(self.row.correlate) or "").strip() != self.value:
            return False
        self.event = message
        return True


def arrange(row, action_id, headers, events):
    """What a session does for a request that waits for ``row``'s event, its action
    sent with ``action_id``: (the ``Awaited`` to feed, the login's event mask, the
    actions to send before it: the ``Filter`` that keeps other events away)."""
    value = row.correlation(action_id, headers)
    filter_headers = row.filter_headers(value)
    return (Awaited(row, value), row.event_mask(events),
            [("Filter", filter_headers)] if filter_headers else [])


def fit_timeout(request, settings):
    """``settings.timeout`` for a request whose outcome comes later: a run whose timeout
    no one set (``settings.timeout_given``) lasts the action's own timeout header and a
    margin (Originate: 30 s of ringing by default, where the run's default is 10); a
    request that waits for its reply (Originate without Async), given a shorter one, is a
    ``usage`` error: Asterisk holds the reply until the call is answered or the action's
    Timeout ends, and the run would end first."""
    needed = request.later.deadline(request.headers)
    if needed is None:
        return
    if not settings.timeout_given:
        settings.timeout = max(settings.timeout, needed + DEADLINE_MARGIN)
    elif request.later_from == "reply" and settings.timeout < needed:
        from amijson.errors import AmijsonError
        raise AmijsonError("usage", "--timeout %g is shorter than the %s's %s=%d (%g s), and without Async "
                           "Asterisk replies only once the call was answered or that ended: give a --timeout of "
                           "at least %g, or Async=true" % (settings.timeout, request.later.action,
                                                            request.later.timeout_header, needed * 1000, needed,
                                                            needed + DEADLINE_MARGIN))
