"""Which form of Asterisk's ``Filter`` action the events verb sends, sans-IO.

Two forms (main/manager.c, ``action_filter``):

* legacy: ``Filter: REGEX``, a POSIX regular expression matched against each event's
  text. Every release takes it (16.28 included).
* ``MatchCriteria: name(N),header(H),method(M)`` beside ``Filter: PATTERN``, on 18.26,
  20.11, 21.6, 22.1 and every release from 23 (the same change, backported in 2024).
  ``name(N)`` is checked on a hash of the event's name before anything else, so
  Asterisk spends little on the events it holds back; an exclusion (``action(exclude)``)
  can be said too. The default method is ``none`` (the name or header alone); the
  methods are ``regex``, ``exact``, ``starts_with``, ``ends_with``, ``contains`` and
  ``none``, spelled so: the reference's ``startsWith`` is refused. An older release
  ignores the MatchCriteria header and would read PATTERN as a regular expression, so
  the form goes by the release, never by trial.

The banner names the AMI version, and that the release (AMI 5 is 16, 11 is 22), but not
its point release: for 18, 20, 21 and 22 the run asks ``CoreSettings`` (AsteriskVersion)
and sends its Filters once the answer comes; over HTTP the Server header names the
version. A release that cannot be told gets the legacy form, which every release takes.
Our own matching stays the truth either way: the Filter only spares the wire.
"""

# The first point release of each major that has MatchCriteria; every major from
# ALL_FROM on has it, none before 18.
SINCE = {18: 26, 20: 11, 21: 6, 22: 1}
ALL_FROM = 23
LEGACY = "regex"
MATCH_CRITERIA = "match_criteria"
ASK = "ask"  # the banner names a release whose point release decides: CoreSettings


def ami_release(ami_version):
    """The Asterisk major release an AMI version stands for (AMI_VERSION in main/manager.c:
    3.0.0 came with 14, each release since added one), or None."""
    major = (ami_version or "").partition(".")[0]
    if not (major.isascii() and major.isdigit() and len(major) < 4) or int(major) < 3:
        return None
    return int(major) + 11


def _major_minor(version):
    """(major, minor) of the first ``N.N`` in an AsteriskVersion (``22.10.1+dfsg...``,
    ``certified-20.7-cert3``, ``Asterisk/21.6.0``), or None (``GIT-master-...``)."""
    text = version or ""
    index = 0
    while index < len(text):
        end = index
        while end < len(text) and text[end] in _DIGITS:
            end += 1
        if end > index and text[end:end + 1] == "." and text[end + 1:end + 2] in _DIGITS and end + 1 < len(text):
            after = end + 1
            while after < len(text) and text[after] in _DIGITS:
                after += 1
            return int(text[index:end]), int(text[end + 1:after])
        index = max(end, index + 1)
    return None


_DIGITS = "0123456789"


def has_match_criteria(version):
    """True when the Asterisk whose version text this is takes MatchCriteria; False when it
    does not or cannot be told."""
    found = _major_minor(version)
    if found is None:
        return False
    major, minor = found
    if major >= ALL_FROM:
        return True
    return major in SINCE and minor >= SINCE[major]


def form_for_banner(ami_version):
    """LEGACY, MATCH_CRITERIA, or ASK (the point release decides) for a banner's AMI version."""
    release = ami_release(ami_version)
    if release is None or release < 18:
        return LEGACY
    if release >= ALL_FROM:
        return MATCH_CRITERIA
    return ASK if release in SINCE else LEGACY


def form_for_version(version, unknown=LEGACY):
    """The form for an AsteriskVersion (or an HTTP Server header); ``unknown`` when it
    names no version."""
    if _major_minor(version) is None:
        return unknown
    return MATCH_CRITERIA if has_match_criteria(version) else LEGACY


def can_ask(settings):
    """CoreSettings may be sent: a profile's allow-list that does not list it keeps it unsent."""
    allow = getattr(settings, "allow", None)
    return allow is None or "coresettings" in allow.actions


class FilterPlan:
    """The Filter actions of one session: ``actions(form)`` gives (action, headers) pairs
    and the label each stands for in the summary's ``server_filters`` (the legacy
    expression as sent; ``eventfilter(CRITERIA) = PATTERN``, manager.conf's own spelling,
    for MatchCriteria)."""

    def __init__(self, watch):
        self.watch = watch

    def wanted(self):
        """True when some Filter is to be sent in some form (MatchCriteria says all the
        legacy form says, and exclusions too): else there is no release to ask about."""
        return bool(self._match_criteria())

    def actions(self, form):
        if form == MATCH_CRITERIA:
            entries = self._match_criteria()
        else:
            entries = [("", regex) for regex in self._legacy()]
        actions, labels = [], []
        for criteria, pattern in entries:
            headers = [("Operation", "Add")]
            if criteria:
                headers.append(("MatchCriteria", criteria))
            if pattern:
                headers.append(("Filter", pattern))
            actions.append(("Filter", headers))
            if not criteria:
                labels.append(pattern)
            else:
                labels.append("eventfilter(%s)%s" % (criteria, " = " + pattern if pattern else ""))
        return actions, labels

    def _legacy(self):
        """Asterisk lets an event by when any expression matches, so the --until event, kept
        whatever the filters say, needs its own alternatives beside the filters'; when either
        side has none (any event may match it), no Filter is sent at all."""
        watch = self.watch
        regexes = watch.filters.server_filters()
        if watch.until is not None:
            more = watch.until.server_filters()
            regexes = regexes + [regex for regex in more if regex not in regexes] if regexes and more else []
        return regexes

    def _match_criteria(self):
        """As _legacy, in MatchCriteria; exclusions only without --until (they would hold
        back the --until event, which is kept whatever the filters say)."""
        watch = self.watch
        if watch.until is None:
            return watch.filters.match_criteria()
        entries = watch.filters.match_criteria(exclusions=False)
        more = watch.until.match_criteria(exclusions=False)
        if not entries or not more:
            return []
        return entries + [entry for entry in more if entry not in entries]
