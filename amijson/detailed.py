"""Named queries answered over AMI by a list action and one detail action per item.

Some records need a field that no list action carries: a PJSIP endpoint's caller ID
and its static contacts' states come only from PJSIPShowEndpoint, one endpoint at a
time. Such a query is a ``Detailed`` entry of ``queries.QUERIES``: over AMI (TCP or
HTTP) one session asks the list action, then, in one write, the detail action for
every name it listed (and whatever ``extra`` asks for a field the list left empty);
through rx its CLI command answers, as a plain ``Query`` would. The records are the
same on every route; only the CLI's table cuts a value at its column's width.
"""

from amijson.fields import glob_match
from amijson.records import Records
from amijson.request import Batch, Request


class Detailed:
    """One named question, declared as data.

    ``command``       the CLI command that answers it on rx; ``from_cli`` maps each of
                      its parser's records (a ``Query`` of its own does it)
    ``action``        the list action; ``list_name`` the header of its events naming an item
    ``detail_action`` the action asked once per listed item, its name in ``detail_header``
    ``from_details``  a function (list events, {name: that item's detail events} in the
                      list's order, extra records) giving the records
    ``extra``         a function of the list events giving more Requests for the second
                      round (a field the list left empty), or None
    ``empty_errors``  the list action's errors that mean "an empty list"
    ``order_by``, ``name_key``, ``fields``: as in ``queries.Query``; a PATTERN is
                      matched on the list's names before any detail is asked
    """

    one_record = False
    filtered = None
    filter_header = None
    missing_hint = None

    def __init__(self, cli_query, action, list_name, detail_action, detail_header, from_details, extra=None,
                 empty_errors=()):
        self.cli_query = cli_query
        self.command = cli_query.command
        self.fields = cli_query.fields
        self.name_key = cli_query.name_key
        self.order_by = cli_query.order_by
        self.argument = cli_query.argument
        self.action = action
        self.list_name = list_name
        self.detail_action = detail_action
        self.detail_header = detail_header
        self.from_details = from_details
        self.extra = extra
        self.empty_errors = empty_errors

    def usage(self, name):
        return self.cli_query.usage(name)

    def request(self, name, args, route):
        """On ``ami``, a ``Batch`` of two rounds; on ``rx``, the CLI command."""
        request = self.cli_query.request(name, args, route)  # the operands checked as any query's
        if route != "ami":
            return request
        batch = Batch([Request(self.action, [])])
        batch.pattern = request.pattern
        batch.follow_up = lambda parts: self._second_round(parts[0], batch.pattern)
        return batch

    def _second_round(self, listed, pattern):
        if listed.error is not None:
            return []
        events = list(listed.records)
        names = [event.get(self.list_name) for event in events]
        return ([Request(self.detail_action, [(self.detail_header, name)]) for name in names
                 if name and (pattern is None or glob_match(pattern, name))]
                + (self.extra(events) if self.extra is not None else []))

    def shape(self, request, answer, parsed=None):
        if type(request) is not Batch:
            self.cli_query.shape(request, answer, parsed)
            return
        listed, rest = answer.parts[0], answer.parts[1:]
        if listed.error is not None:
            if listed.error.message in self.empty_errors:
                answer.records = Records()
                return
            listed.error.message = "%s: %s" % (self.action, listed.error.message)
            raise answer.failed(listed.error)
        details, extras = {}, []
        answer.warnings.extend(listed.warnings)
        for sent, part in zip(request.followed, rest):
            if part.error is not None:  # an item gone between the two rounds: the CLI lists it no more
                answer.warnings.append("%s %s: %s (left out)" % (sent.action, dict(sent.headers).get(
                    self.detail_header, ""), part.error.message))
            elif sent.action == self.detail_action:
                details[dict(sent.headers)[self.detail_header]] = list(part.records)
            else:
                extras.append(list(part.records))
            answer.warnings.extend(part.warnings)
        events = [event for event in listed.records if event.get(self.list_name) in details]
        answer.records = Records(self.from_details(events, details, extras))
        if self.order_by is not None:
            key = self.order_by
            answer.records = Records(sorted(answer.records, key=lambda r: (r[key] is None, r[key] or "")))

    def output_parse(self, request):
        return None if type(request) is Batch else self.cli_query.output_parse(request)

