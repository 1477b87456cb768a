"""What ``amijson doctor``'s checks share: a check's outcome, the run's state, the words
several checks use (``amijson.doctor`` runs them; the checks live in ``doctor_network`` and
``doctor_access``). Loaded for the ``doctor`` verb only."""

import os

from amijson import routes
from amijson.errors import AmijsonError

MIN_STEP = 2.0  # seconds: the least a check that waits on a peer may wait


class Check:
    """One check's outcome. ``ok``: True, False, or None (not run: what it needs did
    not pass, or it does not apply). ``seen``: facts (a dict); ``summary``: the same in
    words; ``hint``: the setting to change, or None; ``code``: amijson's error code
    for a failure (``amijson.errors``), or None."""

    __slots__ = ("name", "ok", "seen", "hint", "summary", "code")

    def __init__(self, name, ok, seen, hint=None, summary="", code=None):
        self.name = name
        self.ok = ok
        self.seen = seen
        self.hint = hint
        self.summary = summary
        self.code = code

    def to_dict(self, needed):
        return {"name": self.name, "ok": self.ok, "needed": needed, "summary": self.summary,
                "seen": self.seen, "hint": self.hint, "code": self.code}


class NotRun(Exception):
    """A check that cannot run here; its message says why."""

    def __init__(self, why, code=None):
        super().__init__(why)
        self.code = code


def passed(name, summary, seen, hint=None):
    return Check(name, True, seen, hint, summary)


def failed(name, code, summary, seen, hint):
    return Check(name, False, seen, hint, summary, code)


def check_named(name):
    def mark(function):
        function.check_name = name
        return function
    return mark


# --- the run's state, shared by the checks ------------------------------------------------

class Doctor:
    def __init__(self, options, environ, stdin, deadline):
        self.options = options
        self.environ = environ
        self.stdin = stdin
        self.deadline = deadline
        self.settings = None
        self.results = {}  # check name -> Check, as they come
        self.warnings = []
        self.this_machine = None  # the host is this machine (amijson.locality), once known
        self.sock = None  # the AMI port's TCP socket, before TLS
        self.peer = None
        self.connection = None  # amijson.transport.Connection to AMI (after TLS, when asked)
        self.ami = None  # the AmiSession over it
        self.http = None  # the HttpAmiSession kept for logging in over HTTP (--via http)
        self.session = None  # the session that logged in
        self.listing = None  # ListCommands' exchange
        self.after_login = None  # an AmijsonError that came after the login succeeded

    @property
    def route(self):
        """The route the run would take: ``ami`` (for ``auto`` too), ``http`` or ``rx``."""
        via = self.settings.via if self.settings is not None else routes.AUTO
        return "ami" if via == routes.AUTO else via

    def ports(self):
        """(AMI's port, the HTTP server's port): the checks of both routes run, whichever
        one --via chose. ``settings.port`` is the chosen route's; with --via http, AMI's
        checks take AMIJSON_PORT (or --port), else AMI's default port."""
        settings = self.settings
        ami, http = routes.BY_NAME["ami"], routes.BY_NAME["http"]
        http_port = getattr(settings, "http_port", None) or http.default_port(settings.tls)
        if settings.via != "http":
            return settings.port, http_port
        ami_port = ami.default_port(settings.tls)
        if self.environ.get("AMIJSON_PORT"):
            from amijson.inputs import integer
            try:
                ami_port = integer("port", self.environ["AMIJSON_PORT"])
            except AmijsonError:
                pass
        return ami_port, settings.port

    def step(self):
        """The deadline of one wait on a peer: --connect-timeout (at least MIN_STEP) of the run's."""
        return self.deadline.within(max(self.settings.connect_timeout, MIN_STEP))

    def need(self, *names):
        for name in names:
            check = self.results.get(name)
            if check is None or check.ok is not True:
                raise NotRun("not run: needs the %s check, which %s" % (
                    name, "did not pass" if check is not None and check.ok is False else "did not run"))

    def is_this_machine(self):
        if self.this_machine is None:
            from amijson.locality import is_this_machine
            self.this_machine = is_this_machine(self.settings.host, self.step())
        return self.this_machine

    def close(self):
        """Log off and close every session still open; never raises."""
        for session in (self.ami, self.http):
            if session is None:
                continue
            if session is self.ami and self.connection is not None:
                self.connection.deadline = self.deadline  # Logoff may use what is left of the run
            try:
                session.logoff()
                session.close()
            except Exception:  # the peer is gone: nothing left to end
                pass
        if self.ami is None and self.connection is not None:  # connected, but the ami check never ran
            self.connection.close()
        self.ami = self.http = self.session = self.connection = None
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


def on_deadline(session, deadline):
    """Make ``session`` (AMI or HTTP) wait on ``deadline`` from now on."""
    connection = getattr(session, "connection", None)
    if hasattr(session, "logoff_deadline"):  # HttpAmiSession: it connects again when the server closed
        session.deadline = deadline
    if connection is not None:
        connection.deadline = deadline


# --- words shared by several checks ------------------------------------------------------

def address(sockname):
    """``ip:port`` of a socket address (``[ip]:port`` for IPv6)."""
    host, port = sockname[0], sockname[1]
    return ("[%s]:%s" if ":" in host else "%s:%s") % (host, port)


def file_facts(path):
    """``path``, owner, group and mode (octal text) of a file, or the error that stopped stat."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return {"path": path, "error": exc.strerror or str(exc)}
    import grp
    import pwd
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return {"path": path, "owner": owner, "group": group, "mode": "%04o" % (info.st_mode & 0o7777)}


def this_user():
    import pwd
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def secret_file_of(doctor):
    """The file the secret came from, or None (the environment, standard input, none)."""
    settings = doctor.settings
    source = settings.secret_source
    if source == "secret-file":
        return settings.secret_path
    if source == "config":
        return settings.config_path
    if source == "manager.conf":
        return manager_conf_path(doctor)
    return None


def manager_conf_path(doctor):
    from amijson.settings import DEFAULT_MANAGER_CONF
    return (doctor.options.get("manager_conf") or doctor.environ.get("AMIJSON_MANAGER_CONF")
            or DEFAULT_MANAGER_CONF)


def source_words(doctor):
    source = doctor.settings.secret_source
    path = secret_file_of(doctor)
    return {"stdin": "standard input (--secret-stdin)",
            "secret-file": "the secret file %s" % path,
            "environment": "AMIJSON_SECRET",
            "config": "secret = in the config file %s" % path,
            "manager.conf": "the user's secret in %s" % path}.get(source, "nowhere")


def asterisk_release(ami_version):
    """The Asterisk release an AMI version implies (``AMI_VERSION`` in main/manager.c), or None."""
    major, _, rest = (ami_version or "").partition(".")
    minor = rest.partition(".")[0]
    if not (major.isascii() and major.isdigit() and len(major) < 4):
        return None
    major = int(major)
    if major >= 3:  # 14 brought AMI 3.0.0; each release since adds one (22: 11.0.0)
        return str(major + 11)
    if major == 2:
        return "12 or 13"
    if major == 1:
        return {"0": "1.4", "1": "1.6 or 1.8", "2": "10", "3": "11"}.get(minor)
    return None
