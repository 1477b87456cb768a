"""What one run asks of Asterisk."""


# The actions amijson.deferred's table names (a unit test holds the two together): any other
# action is sent as it is, without loading that module, as start-up time counts.
LATER_ACTIONS = ("originate", "agi")


class Request:
    """An AMI action with its headers, or a CLI command (sent as the Command
    action over AMI, or run by ``asterisk -rx``)."""

    def __init__(self, action, headers, command=None, list_mapper=None, later=None, later_from=None):
        self.action = action
        self.headers = headers
        self.command = command
        # The FieldMap the action's list items go through (a named query's), or None:
        # the route maps them as they arrive, while Asterisk still writes the list.
        self.list_mapper = list_mapper
        # For an action whose result comes later (amijson.deferred): its Later row, and
        # where the outcome comes from, "event" or "reply"; None for any other request.
        self.later = later
        self.later_from = later_from

    @classmethod
    def cli(cls, command):
        return cls("Command", [("Command", command)], command)

    @classmethod
    def for_action(cls, action, headers, wait=True):
        """An AMI action; one whose result Asterisk tells later (amijson.deferred) gets its
        headers checked and completed, and waits for that event unless ``wait`` is False."""
        if action.lower() not in LATER_ACTIONS:
            return cls(action, headers)
        from amijson.deferred import prepare
        headers, later, later_from = prepare(action, headers, wait)
        request = cls(action, headers, later=later, later_from=later_from)
        request.wait = wait
        return request

    wait = True  # False: an action whose result comes later returns at its reply (--no-wait)
    pattern = None  # a named query's PATTERN operand, matched by amijson on the records it gets


class Batch:
    """Several Requests answered in one run, for a named query made of parts
    (``queries.Combined``): over AMI (TCP or HTTP) one session, one login, the
    actions sent together; through ``asterisk -rx`` one process per command, all
    started at once. A route's ``run_batch`` answers it with one ``Answer`` whose
    ``parts`` hold an Answer per request, in order.

    It is no single request: ``action`` and ``command`` are None."""

    action = None
    command = None
    list_mapper = None
    later = None
    later_from = None

    pattern = None  # a named query's PATTERN operand (see Request.pattern)

    def __init__(self, requests, follow_up=None):
        self.requests = list(requests)
        # A function of the first round's Answers (one per request) giving the Requests of
        # a second round in the same session (details of what the first one listed), or
        # None. The route puts them in ``followed`` and their Answers after the first ones.
        self.follow_up = follow_up
        self.followed = []

    def cli_only(self):
        """True when every request is a CLI command (the rx route can run them all)."""
        return all(request.command is not None for request in self.requests)
