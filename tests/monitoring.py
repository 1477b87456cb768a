"""Readers for what the monitoring formats print, written from each format's own rules, for
the unit tests (formats fed documents) and the integration tests (amijson against Asterisk):

* ``parse_nagios``: the plugin output of the Nagios plugin guidelines (status line, long
  text, perfdata in ``'label'=value[UOM];[warn];[crit];[min];[max]``), strictly;
* ``parse_exposition``: Prometheus' text exposition format 0.0.4 (a HELP and a TYPE for
  every family, its samples together, names and labels as the format allows);
* ``check_lld``: Zabbix low-level discovery rows (macro names, scalar values only);
* ``STATUS``: a status record as the named query gives it, for the unit tests.
"""

import json
import re

STATUS = {
    "version": "22.10.1", "uptime_seconds": 93784, "reload_seconds": 120, "channels": 6, "calls": 3,
    "calls_processed": 41, "endpoints": 4, "endpoints_available": 2, "endpoints_unavailable": 2,
    "contacts_unreachable": 0, "queues": 2, "queue_callers": 1, "longest_wait_seconds": 42,
    "sip_peers": 4, "sip_peers_monitored": 3, "sip_peers_unmonitored": 1, "sip_peers_online": 1,
    "sip_peers_offline": 2, "iax2_peers": 3, "iax2_peers_monitored": 2, "iax2_peers_unmonitored": 1,
    "iax2_peers_online": 1, "iax2_peers_offline": 1,
}

STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
UNITS = ("", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c")
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(r"^@?(?:(?:~|%s)?:)?(?:%s)?$" % (_NUMBER, _NUMBER))
_PERF = re.compile(r"^(?:'(?P<quoted>[^'=]+)'|(?P<plain>[^'=\s]+))=(?P<value>%s|U)(?P<uom>[a-zA-Z%%]*)"
                   r"(?:;(?P<warn>[^;\s]*))?(?:;(?P<crit>[^;\s]*))?(?:;(?P<min>[^;\s]*))?(?:;(?P<max>[^;\s]*))?$"
                   % _NUMBER)


class PluginOutput:
    def __init__(self, state, text, long_text, perfdata):
        self.state = state              # OK, WARNING, CRITICAL or UNKNOWN
        self.text = text                # the first line, before "|"
        self.long_text = long_text      # the other lines of text
        self.perfdata = perfdata        # label -> {value, uom, warn, crit, min, max}


def _perf_items(text):
    """The space-separated items of a perfdata section, a quoted label kept whole."""
    items, item, quoted = [], "", False
    for char in text:
        if char == "'":
            quoted = not quoted
        if char.isspace() and not quoted:
            if item:
                items.append(item)
            item = ""
        else:
            item += char
    assert not quoted, "unbalanced quote in perfdata: %r" % text
    return items + ([item] if item else [])


def parse_nagios(output, prefix="AMIJSON"):
    """A plugin's output, held to the guidelines; an AssertionError says where it strays."""
    assert output.endswith("\n") and output.strip(), repr(output)
    lines = output[:-1].split("\n")
    first, _, perf = lines[0].partition("|")
    match = re.match(r"^%s (OK|WARNING|CRITICAL|UNKNOWN) - \S" % prefix, first)
    assert match, "status line not 'SERVICE STATE - text': %r" % lines[0]
    perf_texts = [perf]
    long_text = []
    in_perf = False
    for line in lines[1:]:
        if in_perf:
            perf_texts.append(line)
            continue
        text, bar, rest = line.partition("|")
        long_text.append(text.rstrip())
        if bar:
            in_perf = True
            perf_texts.append(rest)
    perfdata = {}
    for item in _perf_items(" ".join(perf_texts)):
        found = _PERF.match(item)
        assert found, "perfdata item not 'label'=value[UOM];[warn];[crit];[min];[max]: %r" % item
        label = found.group("quoted") or found.group("plain")
        assert label not in perfdata, "perfdata label twice: %r" % label
        assert found.group("uom") in UNITS, "unit not in the guidelines: %r" % item
        for key in ("warn", "crit"):
            assert not found.group(key) or _RANGE.match(found.group(key)), "bad %s range: %r" % (key, item)
        for key in ("min", "max"):
            assert not found.group(key) or re.match("^%s$" % _NUMBER, found.group(key)), item
        value = found.group("value")
        perfdata[label] = {"value": None if value == "U" else float(value), "uom": found.group("uom"),
                           "warn": found.group("warn") or "", "crit": found.group("crit") or "",
                           "min": found.group("min") or "", "max": found.group("max") or ""}
    return PluginOutput(match.group(1), first.rstrip(), long_text, perfdata)


# --- Prometheus --------------------------------------------------------------------------

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_exposition(text):
    """{family: {"type", "help", "samples": [(labels dict, value)]}}, every rule of the format
    checked: HELP and TYPE once each and before the samples, a family's samples together, no
    label set twice, names and escapes as allowed."""
    assert text.endswith("\n"), "the last line must end with a newline"
    families = {}
    current = None
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], line[7:].partition(" ")[0], line[7:].partition(" ")[2]
            assert _NAME.match(name), line
            family = families.setdefault(name, {"type": None, "help": None, "samples": []})
            assert not family["samples"], "%s after samples of %s" % (kind, name)
            key = "help" if kind == "HELP" else "type"
            assert family[key] is None, "a second %s for %s" % (kind, name)
            family[key] = rest
            if key == "type":
                assert rest in ("counter", "gauge", "histogram", "summary", "untyped"), line
            current = name
            continue
        assert not line.startswith("#") and line.strip(), "unexpected line: %r" % line
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        assert match, "not a sample: %r" % line
        name, body, value = match.groups()
        suffixes = {"summary": ("_sum", "_count"), "histogram": ("_sum", "_count", "_bucket")}
        if name != current and current and name[len(current):] in suffixes.get(families[current]["type"], ()):
            name = current  # a summary's or a histogram's own series
        assert name == current, "sample of %s outside its family (HELP/TYPE of %s above)" % (name, current)
        labels = {}
        rest = body or ""
        while rest:
            found = _LABEL.match(rest)
            assert found, "bad labels in %r" % line
            assert found.group(1) not in labels, line
            labels[found.group(1)] = found.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            rest = rest[found.end():]
        if name == match.group(1):  # (a summary's _sum and _count share its labels)
            assert labels not in [got for got, _ in families[name]["samples"]], "label set twice: %r" % line
        families[name]["samples"].append((labels, float(value)))
    for name, family in families.items():
        assert family["help"] and family["type"], "%s lacks HELP or TYPE" % name
        if family["type"] == "counter":
            assert name.endswith("_total"), name
    return families


def sample(families, name, **labels):
    """The value of the one sample of ``name`` whose labels include ``labels``."""
    found = [value for got, value in families[name]["samples"] if all(got.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, "%s%r: %d samples" % (name, labels, len(found))
    return found[0]


# --- Zabbix ------------------------------------------------------------------------------

MACRO = re.compile(r"^\{#[A-Z0-9_.]+\}$")


def check_lld(text):
    """Zabbix's rules for LLD data: a JSON array of objects whose macros are {#NAME} with
    string or number values (never null, a bool, an array or an object). Returns the rows."""
    rows = json.loads(text)
    assert isinstance(rows, list), "LLD must be a JSON array: %r" % text[:200]
    for row in rows:
        assert isinstance(row, dict), row
        for key, value in row.items():
            if key.startswith("{#"):
                assert MACRO.match(key), "bad macro name %r" % key
                assert isinstance(value, (str, int, float)) and not isinstance(value, bool), (key, value)
    return rows
