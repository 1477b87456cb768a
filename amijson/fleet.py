"""Many PBXes, one document: the same request to a whole fleet, at once.

    amijson --profiles NAME,NAME,... [options] action|command|QUERY ...
    amijson --profiles all ...             every profile of the config file
    amijson --host H1,H2,... [options] ...    several hosts, the other settings shared

Each PBX (a ``Member``) gets its own settings, its own plan and its own
``Document``, exactly as a single run against it would; up to ``--parallel``
of them run at once, in threads (the work is waiting on sockets), all under the
run's one deadline. The fleet document (``fleet.schema.json``) lists the PBXes'
documents in the order given, each with its ``pbx`` (the profile name, or the
host), and a summary.

How settings combine. A profile names a PBX: its host, port, user, secret, TLS,
route and the like come from that profile (over ``[default]``) and from nowhere
else. Given on the command line beside ``--profiles`` they are a usage error;
in the environment they are left out, with a warning: a stray ``AMIJSON_HOST``
must not send the whole fleet to one host, nor ``AMIJSON_SECRET`` one secret
to every PBX. What concerns the run itself (``--timeout``, ``--connect-timeout``,
``--max-size``, ``--fallback-encoding``, ``--events``, ``--config``) applies to
every PBX; ``--max-size`` is one budget for the whole run (amijson.budget).
``--host H1,H2`` asks for the same settings on every host: that
secret goes to each of them, as asked, except one from this machine's
manager.conf, which goes to each host that is this machine (every address it
stands for is one of this machine's) and to no other, wherever it is listed.
One host written twice (``127.0.0.1,127.0.0.1.``) is a usage error.
"""

import os
import threading

from amijson import inputs
from amijson.deadline import Deadline
from amijson.document import Document
from amijson.errors import EXIT_CODES, AmijsonError
from amijson.settings import ENVIRONMENT

# Settings that say which PBX and how to reach and log in to it.
# Every other setting (settings.ENVIRONMENT) names one PBX: a new one is a PBX's unless listed here.
RUN_SETTINGS = ("timeout", "connect_timeout", "config", "fallback_encoding", "max_size")
PBX_OPTIONS = tuple(name for name in ENVIRONMENT if name not in RUN_SETTINGS) + ("secret_stdin",)
PBX_ENVIRONMENT = tuple(ENVIRONMENT[name] for name in PBX_OPTIONS if name in ENVIRONMENT) + ("AMIJSON_SECRET",)
# Measured by scripts/fleet-scale (docs/speed.md): with 200 ms answers, 64 at a time ask
# 200 PBXes in about a second; memory hardly grows with it (it follows the answers), and
# past about 128 the run waits on the CPU (a few ms per PBX), not on the PBXes.
DEFAULT_PARALLEL = 64
MAX_PARALLEL = 1024
MAX_MEMBERS = 10000
PARTIAL = 9  # the exit code when some PBX failed (each failure is in its own document)


class Member:
    __slots__ = ("name", "settings", "document", "exit_code")

    def __init__(self, name, settings):
        self.name = name  # the profile name, or the host
        self.settings = settings
        self.document = Document()
        self.document.warnings.extend(settings.warnings)
        self.exit_code = None


def members(options, environ, stdin, deadline, warnings):
    """The fleet's Members, every setting resolved: a usage or config error
    (an unknown profile, a bad port in one) ends the run before anything connects."""
    from amijson.settings import SYSTEM_CONFIG
    if os.path.isfile(SYSTEM_CONFIG):  # a locked user has one profile: no fleet of others
        from amijson.profilelock import find as find_lock
        lock = find_lock(SYSTEM_CONFIG)
        if lock is not None:
            lock.check(options, environ, {})
    if options.get("debug"):
        raise AmijsonError("usage", "--debug traces one PBX: use --profile NAME or one --host")
    if options.get("profiles") is not None:
        return _from_profiles(options, environ, deadline, warnings)
    return _from_hosts(options, environ, stdin, deadline, warnings)


def _names(text, what):
    names = [name.strip() for name in inputs.text(what, text).split(",")]
    if not all(names):
        raise AmijsonError("usage", "%s: an empty name in %s" % (what, inputs.shown(text)))
    seen = set()
    twice = sorted({name for name in names if name in seen or seen.add(name)})
    if twice:
        raise AmijsonError("usage", "%s names %s more than once" % (what, ", ".join(map(inputs.shown, twice))))
    if len(names) > MAX_MEMBERS:
        raise AmijsonError("usage", "%s: more than %d PBXes in one run" % (what, MAX_MEMBERS))
    return names


def _from_profiles(options, environ, deadline, warnings):
    from amijson.settings import find_config, read_config, resolve
    given = sorted("--" + name.replace("_", "-") for name in PBX_OPTIONS if options.get(name) is not None)
    if given:
        raise AmijsonError("usage", "%s cannot be combined with --profiles: each profile names its own PBX"
                           % ", ".join(given))
    left_out = [name for name in PBX_ENVIRONMENT if environ.get(name, "") != ""]
    if left_out:
        warnings.append("%s left out: with --profiles each PBX's settings come from its profile"
                        % ", ".join(left_out))
        environ = {key: value for key, value in environ.items() if key not in left_out}
    path = find_config(options.get("config"), environ)
    if path is None:
        raise AmijsonError("config", "--profiles needs a config file with a section per PBX, and none was found")
    sections = read_config(path)  # once: read per profile, a 1,000-profile file cost seconds
    from amijson.profilelock import SECTION as LOCKS
    available = [name for name in sections if name not in ("default", LOCKS)]
    if options["profiles"].strip() == "all":
        names = available
        if not names:
            raise AmijsonError("config", "--profiles all: %s has no profile besides [default]" % path)
    else:
        names = _names(options["profiles"], "--profiles")
    shared = {key: value for key, value in options.items() if key not in ("profiles", "parallel")}
    found = [Member(name, resolve(dict(shared, profile=name), environ, None, Deadline(deadline.seconds), sections))
             for name in names]
    # The run's deadline: --timeout (or AMIJSON_TIMEOUT), which every profile then has, else
    # the longest of the profiles' own; each PBX keeps to its own within it.
    deadline.set(max(member.settings.timeout for member in found))
    return found


def _from_hosts(options, environ, stdin, deadline, warnings):
    from amijson.settings import resolve, use_local_secret
    hosts = [inputs.host(host) for host in _names(options["host"], "--host")]
    _one_pbx_once(hosts)
    # The shared settings, with this machine's manager.conf secret (if that is where the
    # secret comes from) held back: each host gets it only if it is this machine, whatever
    # its place in the list, and a host that does not get it is named in its own document.
    shared = resolve(dict(options, host=hosts[0], parallel=None), environ, stdin, deadline,
                     local_secret_later=True)
    found = []
    for host in hosts:
        settings = _copy(shared)
        settings.host = host
        use_local_secret(settings, deadline)
        settings.local_secret = None  # given or not: nothing else reads it
        found.append(Member(host, settings))
    return found


def _one_pbx_once(hosts):
    """A usage error when two entries of a ``--host`` list are one PBX written twice
    (``127.0.0.1`` and ``127.0.0.1.``, ``::1`` and ``0:0::1``, ``PBX`` and ``pbx``): it
    would be asked twice and counted twice. Names are compared as written, not resolved."""
    seen = {}
    for host in hosts:
        key = _host_key(host)
        if key in seen:
            raise AmijsonError("usage", "--host names one PBX twice: %s and %s are the same host; list it once"
                               % (inputs.shown(seen[key]), inputs.shown(host)))
        seen[key] = host


def _host_key(host):
    """One spelling per host: IP literals in their canonical form, names in lower case
    without the root's trailing dot (as the resolver reads them)."""
    import _socket
    name = host.lower()
    name = name[:-1] if name.endswith(".") else name
    address, percent, zone = name.partition("%")
    for family in (_socket.AF_INET6, _socket.AF_INET):
        try:
            return _socket.inet_ntop(family, _socket.inet_pton(family, address)) + percent + zone
        except (OSError, ValueError):
            continue
    if name.replace(".", "").isdigit():  # 127.1, as inet_aton (and so the resolver) reads it
        try:
            return _socket.inet_ntoa(_socket.inet_aton(name))
        except (OSError, ValueError):
            pass
    return name


def _copy(settings):
    copy = settings.__class__.__new__(settings.__class__)
    copy.__dict__.update(settings.__dict__)
    copy.warnings = list(settings.warnings)
    return copy


def run(fleet, make_plan, deadline, environ, parallel):
    """Run ``make_plan()`` against every member, ``parallel`` at a time; each
    member's document and exit code are filled in. Returns when all are done or
    the deadline (and a second's grace) has passed, whatever a straggler does.
    Every member draws on one memory budget, ``--max-size`` for the whole run
    (amijson.budget): ``parallel`` members each holding ``--max-size`` took GBs."""
    from amijson.budget import Budget
    from amijson.runner import execute
    budget = Budget(max(member.settings.max_size for member in fleet) << 20, min(parallel, len(fleet)))
    for member in fleet:
        member.settings.budget = budget.share()
    queue = list(reversed(fleet))
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not queue:
                    return
                member = queue.pop()
            _answer(member, make_plan, deadline, environ, execute)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(parallel, len(fleet)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline.remaining()) + 1.0)
    for member in fleet:
        if member.exit_code is None:  # still under way past the deadline: no answer, said so
            member.document.fail("timeout", "deadline of %gs passed before this PBX answered" % deadline.seconds)
            member.exit_code = EXIT_CODES["timeout"]


def _answer(member, make_plan, deadline, environ, execute):
    document = member.document
    own = deadline.within(member.settings.timeout)
    try:
        own.left_or_fail("before this PBX's turn came (--parallel)")
        execute(member.settings, make_plan(), document, own, environ)
        member.exit_code = 0
    except AmijsonError as exc:
        document.fail(exc.code, exc.message)
        member.exit_code = exc.exit_code
    except Exception as exc:  # a bug: this PBX's document says so, the others stand
        document.fail("internal", "internal error: %s: %s" % (type(exc).__name__, exc))
        member.exit_code = EXIT_CODES["internal"]
    if member.exit_code:  # what it read is dropped with its session: the others may have it
        member.settings.budget.release()


def summary(fleet):
    errors = {}
    for member in fleet:
        error = member.document.error
        if error is not None:
            errors[error["code"]] = errors.get(error["code"], 0) + 1
    failed = sum(errors.values())
    return {"pbxes": len(fleet), "answered": len(fleet) - failed, "failed": failed, "errors": errors}


def outcome(fleet):
    """(the run's error or None, exit code)."""
    counts = summary(fleet)
    if not counts["failed"]:
        return None, 0
    by_code = ", ".join("%s %d" % item for item in sorted(counts["errors"].items()))
    return ({"code": "partial", "message": "%d of %d PBXes failed (%s)" % (counts["failed"], counts["pbxes"], by_code)},
            PARTIAL)


def document(fleet, warnings, error):
    """The fleet document: each PBX's document (its JSON written as it is) under ``pbxes``."""
    from amijson.jsonout import JsonItems, dump_parts, expand_items
    pbxes = []
    for member in fleet:
        shown = dict(pbx=member.name, **member.document.to_dict())
        pbxes.append(JsonItems(b"".join(dump_parts(shown)), 1,
                               lambda shown=shown: [{key: expand_items(value) for key, value in shown.items()}]))
    return {"ok": error is None, "pbxes": pbxes, "summary": summary(fleet), "warnings": warnings, "error": error}


def records(fleet):
    """Every record of every PBX that answered, each with its ``pbx`` first."""
    found = []
    for member in fleet:
        if member.exit_code == 0:
            for record in member.document.records:
                tagged = {"pbx": member.name}
                tagged.update(item for item in record.items() if item[0] != "pbx")
                found.append(tagged)
    return found


def failed_document(warnings, code, message):
    """The fleet document of a run that ended before any PBX was asked."""
    return {"ok": False, "pbxes": [], "summary": {"pbxes": 0, "answered": 0, "failed": 0, "errors": {}},
            "warnings": warnings, "error": {"code": code, "message": message}}
