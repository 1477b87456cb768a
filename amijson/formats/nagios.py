"""``--format nagios``: the Nagios plugin API (Nagios, Icinga, Naemon, Centreon, Shinken).

One status line, perfdata after ``|``, and the exit code the plugin guidelines define::

    AMIJSON OK - status of pbx1: Asterisk 22.10.1, 3 calls, 6 channels, ... | calls=3;50;100;0 ...

====  ========  ==============================================================
exit  state     when
====  ========  ==============================================================
0     OK        every threshold holds
1     WARNING   a ``--warning`` range alerts (and no ``--critical`` one)
2     CRITICAL  a ``--critical`` range alerts, or the PBX cannot be reached,
                refuses the login, does not answer in time or is not AMI
                (``connect``, ``tls``, ``rx_unavailable``, ``auth``,
                ``timeout``, ``protocol``)
3     UNKNOWN   the check could not be made: a usage or config error, a user
                without the rights, Asterisk refused the question, a field
                without a value, a bug
====  ========  ==============================================================

Thresholds: ``--warning FIELD=RANGE`` and ``--critical FIELD=RANGE``, each repeatable,
RANGE as the guidelines write it: ``10`` (alert outside 0..10), ``10:`` (below 10),
``~:10`` (above 10), ``10:20`` (outside 10..20), ``@10:20`` (inside 10..20, ends
included). FIELD is a numeric field of a one-record query (``status``: ``calls``,
``endpoints_unavailable``...), or, for a list query, ``count`` (its records) or
``count[FIELD=VALUE,...]`` (the records whose FIELD is VALUE, every condition
holding; ``!=`` for "is not"; values compared as text, case-insensitively, a null
field being empty), e.g. ``--critical 'count[state=Unavailable]=0'`` on ``endpoints``.

Perfdata: every numeric field of a one-record query (``U`` when it has no value),
``count`` and each filtered count of a list query; ``s`` for seconds, ``c`` for
counters; min 0 for counts. Labels keep the field's name; in a filtered count ``=``
becomes ``:`` (``count[state:Unavailable]``), since the guidelines forbid ``=`` in a
label. With several PBXes each label starts with its PBX (``pbx1::calls``), each PBX
gets a line of long text, and the state is the worst of them (CRITICAL, WARNING,
UNKNOWN, OK, in that order).
"""

from amijson.errors import AmijsonError
from amijson.formats import COUNTERS, ONE_RECORD, SECONDS, numeric_fields

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
WORST_FIRST = (CRITICAL, WARNING, UNKNOWN, OK)
# Errors that say the PBX is down for its users too; any other error means the check itself failed.
CRITICAL_ERRORS = frozenset(("connect", "tls", "rx_unavailable", "auth", "timeout", "protocol"))
_INF = float("inf")


def worst(states):
    return next((state for state in WORST_FIRST if state in states), OK)


# --- ranges and thresholds ------------------------------------------------------------

class Range:
    """A threshold range of the plugin guidelines; ``alerts(value)`` when the value is bad."""

    __slots__ = ("text", "start", "end", "inside")

    def __init__(self, text):
        from amijson.inputs import shown
        self.text = text.strip()
        body = self.text
        self.inside = body.startswith("@")
        if self.inside:
            body = body[1:]
        start, colon, end = body.partition(":")
        if not colon:
            start, end = "0", start  # "10" is 0:10
        try:
            if not (colon or end):
                raise ValueError("no number")  # "" or "@"
            self.start = -_INF if start == "~" else (_number(start) if start else 0)
            self.end = _number(end) if end else _INF
        except ValueError:
            raise AmijsonError("usage", "not a threshold range: %s (10, 10:, ~:10, 10:20, @10:20)" % shown(text))
        if self.start > self.end:
            raise AmijsonError("usage", "threshold range %s: its start is above its end" % shown(text))

    def alerts(self, value):
        if self.inside:
            return self.start <= value <= self.end
        return value < self.start or value > self.end

    def __repr__(self):
        return "Range(%r)" % self.text


def _number(text):
    """A decimal number as the guidelines write them: ASCII digits, a sign, a point."""
    body = text[1:] if text[:1] in "+-" else text
    whole, _, fraction = body.partition(".")
    if not (whole or fraction) or not (whole + fraction).isascii() or not (whole + fraction).isdigit() \
            or body.count(".") > 1:
        raise ValueError(text)
    return float(text) if "." in text else int(text)


class Check:
    """One FIELD of the thresholds, with its warning and critical range (either may be None).
    ``conditions``: for ``count[...]``, the (field, value, wanted) each counted record meets."""

    __slots__ = ("field", "conditions", "warning", "critical")

    def __init__(self, field, conditions=None):
        self.field = field
        self.conditions = conditions
        self.warning = None
        self.critical = None

    @property
    def shown(self):
        if not self.conditions:
            return self.field
        return "count[%s]" % ",".join("%s%s%s" % (field, "=" if wanted else "!=", value)
                                      for field, value, wanted in self.conditions)

    def key(self):
        return (self.field, tuple(self.conditions or ()))


def thresholds(query, warnings, criticals):
    """The Checks that ``--warning``/``--critical`` ask for on ``query``, in the order given."""
    from amijson.inputs import shown
    checks = {}
    for level, specs in (("warning", warnings), ("critical", criticals)):
        for spec in specs:
            what, eq, text = spec.rpartition("=")
            if not eq or not what or not text:
                raise AmijsonError("usage", "--%s takes FIELD=RANGE (calls=10:20, count=0): %s" % (level, shown(spec)))
            check = _check(query, what.strip())
            check = checks.setdefault(check.key(), check)
            if getattr(check, level) is not None:
                raise AmijsonError("usage", "--%s %s given twice" % (level, check.shown))
            setattr(check, level, Range(text))
    return list(checks.values())


def _check(query, what):
    from amijson.inputs import shown
    if query in ONE_RECORD:
        fields = numeric_fields(query)
        if what not in fields:
            raise AmijsonError("usage", "%s is one record: a threshold names one of its numeric fields (%s), not %s"
                               % (query, ", ".join(fields), shown(what)))
        return Check(what)
    if what == "count":
        return Check("count", [])
    if not (what.startswith("count[") and what.endswith("]")):
        raise AmijsonError("usage", "%s is a list: a threshold counts its records, count or count[FIELD=VALUE], "
                                    "not %s" % (query, shown(what)))
    conditions = []
    for condition in what[len("count["):-1].split(","):
        field, eq, value = condition.partition("=")
        wanted = not field.endswith("!")
        field = field.rstrip("!").strip()
        if not eq or not field or not field.replace("_", "").isalnum() or not field.isascii():
            raise AmijsonError("usage", "in %s: a condition is FIELD=VALUE or FIELD!=VALUE, not %s"
                               % (shown(what), shown(condition)))
        conditions.append((field, value.strip(), wanted))
    # From the query's declared fields, not from the records: a typo must not read OK
    # whenever the list happens to be empty, and it is said before anything connects.
    from amijson.queries import QUERIES
    fields = QUERIES[query].fields
    unknown = [field for field, _value, _wanted in conditions if field not in fields]
    if unknown:
        raise AmijsonError("usage", "in %s: %s records have no field %s (their fields: %s)"
                           % (shown(what), query, ", ".join(map(shown, unknown)), ", ".join(fields)))
    return Check("count", conditions)


# --- one PBX ----------------------------------------------------------------------------

class Verdict:
    """One PBX's state, what to say about it and its perfdata [(label, value, unit, check)]."""

    def __init__(self, state, text, perfdata=()):
        self.state = state
        self.text = text
        self.perfdata = list(perfdata)


def judge(answer, query, checks):
    if answer.error is not None:
        code = answer.error.get("code")
        return Verdict(CRITICAL if code in CRITICAL_ERRORS else UNKNOWN,
                       "%s: %s" % (code, answer.error.get("message")))
    if query in ONE_RECORD:
        return _one_record(answer, query, checks)
    return _list(answer, query, checks)


def _one_record(answer, query, checks):
    if len(answer.records) != 1:
        why = answer.warnings[-1] if answer.warnings else "the answer held %d records" % len(answer.records)
        return Verdict(UNKNOWN, "%s gave no record to check (%s)" % (query, why))
    record = answer.records[0]
    states, problems, perfdata = [], [], []
    by_field = {check.field: check for check in checks}
    for field, value in record.items():
        if _numeric(value) or (value is None and field in numeric_fields(query)):
            perfdata.append((field, value, _unit(field), by_field.get(field)))
    for check in checks:
        value = record.get(check.field)
        if not _numeric(value):
            states.append(UNKNOWN)
            problems.append("%s has no value" % check.field if value is None
                            else "%s is not a number: %s" % (check.field, value))
            continue
        state, said = _apply(check, value)
        states.append(state)
        if said:
            problems.append(said)
    summary = _status_summary(record) if query == "status" else _fields_summary(record)
    return Verdict(worst(states), ", ".join(problems + [summary] if problems else [summary]), perfdata)


def _list(answer, query, checks):
    records = answer.records
    states, problems = [], []
    perfdata = [("count", len(records), "", next((c for c in checks if c.conditions == []), None))]
    summary = ["%d %s" % (len(records), _plural(query, len(records)))]
    for check in checks:
        if check.conditions:  # each field one the query declares (thresholds checked it)
            value = sum(1 for record in records if _meets(record, check.conditions))
            perfdata.append((check.shown, value, "", check))  # _label writes its = as :
        else:
            value = len(records)
        state, said = _apply(check, value)
        states.append(state)
        if said:
            problems.append(said)
        elif check.conditions:
            summary.append("%s=%d" % (check.shown, value))
    return Verdict(worst(states), ", ".join(problems + summary), perfdata)


def _meets(record, conditions):
    for field, value, wanted in conditions:
        found = record.get(field)
        text = "" if found is None else str(found)
        if (text.lower() == value.lower()) != wanted:
            return False
    return True


def _apply(check, value):
    """(state, what to say when it alerts)."""
    for state, limit in ((CRITICAL, check.critical), (WARNING, check.warning)):
        if limit is not None and limit.alerts(value):
            return state, "%s=%s (%s %s)" % (check.shown, _value(value), NAMES[state].lower(), limit.text)
    return OK, None


def _numeric(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unit(field):
    return "s" if field in SECONDS else "c" if field in COUNTERS else ""


def _value(value):
    if value is None:
        return "U"
    if isinstance(value, float):
        text = ("%.6f" % value).rstrip("0").rstrip(".")
        return text or "0"
    return str(value)


def _plural(query, count):
    return query[:-1] if count == 1 and query.endswith("s") else query


def _status_summary(record):
    """The status record in a sentence: what someone paged at night reads first."""
    parts = []
    if record.get("version"):
        parts.append("Asterisk %s" % record["version"])
    for field, one, many in (("calls", "call", "calls"), ("channels", "channel", "channels")):
        if _numeric(record.get(field)):
            parts.append("%d %s" % (record[field], one if record[field] == 1 else many))
    if _numeric(record.get("endpoints")):
        text = "%d of %d endpoints available" % (record.get("endpoints_available") or 0, record["endpoints"]) \
            if _numeric(record.get("endpoints_available")) else "%d endpoints" % record["endpoints"]
        parts.append(text)
    if _numeric(record.get("contacts_unreachable")) and record["contacts_unreachable"]:
        parts.append("%d contacts unreachable" % record["contacts_unreachable"])
    if _numeric(record.get("queue_callers")):
        waiting = "%d %s waiting" % (record["queue_callers"], "caller" if record["queue_callers"] == 1 else "callers")
        if record["queue_callers"] and _numeric(record.get("longest_wait_seconds")):
            waiting += " (longest %d s)" % record["longest_wait_seconds"]
        parts.append(waiting)
    for prefix, driver in (("sip_peers", "SIP"), ("iax2_peers", "IAX2")):
        if _numeric(record.get(prefix + "_monitored")) and record[prefix + "_monitored"]:
            parts.append("%d of %d %s peers online" % (record.get(prefix + "_online") or 0,
                                                       record[prefix + "_monitored"], driver))
    if _numeric(record.get("uptime_seconds")):
        parts.append("up %s" % _duration(record["uptime_seconds"]))
    return ", ".join(parts) or _fields_summary(record)


def _fields_summary(record):
    shown = ["%s=%s" % (field, _value(value) if not isinstance(value, str) else value)
             for field, value in record.items() if value is not None and not isinstance(value, (list, dict))]
    return ", ".join(shown[:8]) or "no values"


def _duration(seconds):
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return "%d d %d h" % (days, hours)
    if hours:
        return "%d h %d min" % (hours, minutes)
    return "%d min" % minutes if minutes else "%d s" % seconds


# --- the plugin output ------------------------------------------------------------------

def render(answers, query, checks, fleet, failure=None):
    """(the plugin output, its exit code) for ``answers`` (``amijson.formats.Result``)."""
    if not answers:  # the run ended before any PBX was asked (a usage or config error)
        error = failure or {"code": "internal", "message": "no PBX was asked"}
        return "AMIJSON UNKNOWN - %s: %s\n" % (_text(error["code"]), _text(error["message"])), UNKNOWN
    verdicts = [(answer, judge(answer, query, checks)) for answer in answers]
    state = worst([verdict.state for _, verdict in verdicts])
    if not fleet:
        answer, verdict = verdicts[0]
        subject = "%s of %s" % (query, answer.pbx) if query else answer.pbx
        line = "AMIJSON %s - %s: %s" % (NAMES[state], _text(subject), _text(verdict.text))
        perfdata = " ".join(_perfdata(item) for item in verdict.perfdata)
        lines = [line + (" | " + perfdata if perfdata else "")]
        lines += ["warning: %s" % _text(warning) for warning in answer.warnings]
        return "\n".join(lines) + "\n", state
    counts = []
    for each in WORST_FIRST:
        named = [_text(answer.pbx) for answer, verdict in verdicts if verdict.state == each]
        if named:
            counts.append("%d %s" % (len(named), NAMES[each]) + (" (%s)" % ", ".join(named) if each != OK else ""))
    lines = ["AMIJSON %s - %s%d PBXes: %s" % (NAMES[state], query + " of " if query else "", len(verdicts),
                                              ", ".join(counts))]
    lines += ["%s: %s - %s" % (_text(answer.pbx), NAMES[verdict.state], _text(verdict.text))
              for answer, verdict in verdicts]
    perf_lines = [" ".join(_perfdata(item, answer.pbx) for item in verdict.perfdata)
                  for answer, verdict in verdicts if verdict.perfdata]
    if perf_lines:
        lines[-1] += " | " + perf_lines[0]
        lines += perf_lines[1:]
    return "\n".join(lines) + "\n", state


def _text(value):
    """Plugin text: one line, and no ``|`` (which starts the perfdata)."""
    return " ".join(str(value).replace("|", "/").split())


def _label(label, pbx=None):
    if pbx is not None:
        label = "%s::%s" % (pbx, label)
    label = label.replace("'", "").replace("=", ":").replace("|", "/")
    label = " ".join(label.split())
    plain = all(c.isalnum() or c in "_-.:[]!@" for c in label) and label.isascii()
    return label if plain else "'%s'" % label


def _perfdata(item, pbx=None):
    label, value, unit, check = item
    warning = check.warning.text if check is not None and check.warning is not None else ""
    critical = check.critical.text if check is not None and check.critical is not None else ""
    # Every value amijson reports is a count or a duration: none is below 0.
    return "%s=%s%s;%s;%s;0" % (_label(label, pbx), _value(value), unit if value is not None else "",
                                warning, critical)
