"""Where each connection setting comes from, and the secret above all.

Precedence for every setting: command line, then environment
(``AMIJSON_HOST``, ``AMIJSON_PORT``, ...), then the chosen profile of the config
file, then its ``[default]`` section, then the built-in default.

The secret never comes from argv (any user can read it with ``ps``). Sources,
first found wins: ``--secret-stdin``, ``--secret-file PATH``
(``AMIJSON_SECRET_FILE``), ``AMIJSON_SECRET``, the config file, and, on the
Asterisk host, the user's ``secret`` in ``/etc/asterisk/manager.conf`` (and
what it ``#include``s; ``--manager-conf`` or ``AMIJSON_MANAGER_CONF`` point
elsewhere), only when the host asked is this machine.

Config files are INI: ``[default]`` and named profiles with ``host``, ``port``,
``http_port``, ``user``, ``secret``, ``tls``, ``cafile``, ``insecure``, ``auth``, ``timeout``,
``connect_timeout``, ``via``, ``http_prefix``, ``secret_file``, ``console`` (the control socket
for the rx route, or ``off``), ``asterisk`` (the executable it runs when the
socket cannot be reached), ``fallback_encoding`` and ``max_size``. The first of ``--config``, ``$AMIJSON_CONFIG``,
``~/.config/amijson/config``, ``/etc/amijson.conf`` is used; the first two must
exist when named.
"""

import os

from amijson import inputs, routes
from amijson.deadline import DEFAULT_TIMEOUT, Deadline
from amijson.errors import AmijsonError

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_MANAGER_CONF = "/etc/asterisk/manager.conf"
SYSTEM_CONFIG = "/etc/amijson.conf"  # the config file of last resort, and where [locked] lives
DEFAULT_MAX_SIZE = 64  # MiB of AMI text one run accepts (a 5,000-channel list is about 2.2)
TRUE_WORDS = frozenset(("1", "yes", "true", "on"))
FALSE_WORDS = frozenset(("0", "no", "false", "off", ""))

# setting -> environment variable (the config key is the setting's name)
ENVIRONMENT = {
    "host": "AMIJSON_HOST",
    "port": "AMIJSON_PORT",  # AMI's port; --via http takes http_port's
    "http_port": "AMIJSON_HTTP_PORT",
    "user": "AMIJSON_USER",
    "tls": "AMIJSON_TLS",
    "cafile": "AMIJSON_CAFILE",
    "insecure": "AMIJSON_INSECURE",
    "auth": "AMIJSON_AUTH",
    "timeout": "AMIJSON_TIMEOUT",
    "connect_timeout": "AMIJSON_CONNECT_TIMEOUT",
    "profile": "AMIJSON_PROFILE",
    "config": "AMIJSON_CONFIG",
    "secret_file": "AMIJSON_SECRET_FILE",
    "fallback_encoding": "AMIJSON_FALLBACK_ENCODING",
    "manager_conf": "AMIJSON_MANAGER_CONF",
    "asterisk": "AMIJSON_ASTERISK",
    "console": "AMIJSON_CONSOLE",
    "via": "AMIJSON_VIA",
    "http_prefix": "AMIJSON_HTTP_PREFIX",
    "max_size": "AMIJSON_MAX_SIZE",
}


class Settings:
    """Resolved settings for one run."""

    def __init__(self):
        self.host = "127.0.0.1"
        self.port = None  # the port of the route used (amijson.routes: AMI's, or AMI over HTTP's)
        self.http_port = None  # AMI over HTTP's port, whichever route is used
        self.user = None
        self.secret = None
        self.secret_source = None
        self.secret_path = None  # the secret file's path, when the secret came from one
        self.local_secret = None  # (secret, path) from this machine's manager.conf: for this machine only
        self.tls = False
        self.cafile = None
        self.insecure = False
        self.auth = "auto"
        self.timeout = DEFAULT_TIMEOUT
        self.timeout_given = False  # set by --timeout, AMIJSON_TIMEOUT or timeout= in the config file
        self.allow = None  # the profile's amijson.allowlist.AllowList, or None: everything
        self.connect_timeout = DEFAULT_CONNECT_TIMEOUT
        self.fallback_encoding = "latin-1"
        self.events = "off"
        self.config_path = None
        self.asterisk = None  # the asterisk executable for the rx route
        self.console = None  # the rx route's control socket (None: asterisk.conf's; "off": the executable)
        self.via = "auto"
        self.http_prefix = ""  # http.conf's prefix, for --via http
        self.debug = False  # the AMI exchange on stderr, secrets redacted
        self.max_size = DEFAULT_MAX_SIZE
        self.budget = None  # in a fleet, this PBX's Share of the run's one memory budget (amijson.budget)
        self.warnings = []


def _flag(name, text):
    lowered = str(text).strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise AmijsonError("config", "%s: expected yes or no, got %r" % (name, text))


def _loose_permissions(path):
    try:
        return os.stat(path).st_mode & 0o077
    except OSError:
        return 0


def find_config(explicit, environ):
    for named in (explicit, environ.get("AMIJSON_CONFIG")):
        if named:
            if not os.path.exists(named):
                raise AmijsonError("config", "config file not found: %s" % inputs.shown(named))
            return named  # read_sections refuses what is not a regular file
    home = environ.get("HOME") or os.path.expanduser("~")
    for candidate in (os.path.join(home, ".config", "amijson", "config"), SYSTEM_CONFIG):
        if os.path.isfile(candidate):
            return candidate
    return None


def read_config(path):
    """A config file's sections (profiles, ``[default]``), in the file's order."""
    from amijson.configfile import ConfigFileError, read_sections  # most runs have no config file
    try:
        return read_sections(path, strict=True)
    except ConfigFileError as exc:
        raise AmijsonError("config", str(exc))


def _read_secret_file(path):
    from amijson.files import MAX_SECRET_BYTES, read_regular
    try:
        data = read_regular(path, MAX_SECRET_BYTES)
    except OSError as exc:
        raise AmijsonError("config", "cannot read secret file %s: %s" % (inputs.shown(path), exc.strerror or exc))
    try:
        return data.decode("utf-8").strip("\r\n")
    except UnicodeDecodeError:
        raise AmijsonError("config", "secret file %s is not valid UTF-8 text" % inputs.shown(path))


def _manager_conf_secret(path, user):
    """The user's secret from manager.conf, when this host has it and we may read it."""
    if not user or not os.path.isfile(path):
        return None
    from amijson.configfile import ConfigFileError, read_sections  # only where a file is there to read
    try:
        sections = read_sections(path)
    except ConfigFileError:
        return None
    for name, body in sections.items():
        # Usernames are case-insensitive to Asterisk.
        if name.lower() == user.lower() and name.lower() != "general" and body.get("secret"):
            return body["secret"]
    return None


def _read_line(stream, deadline):
    """The first line of ``stream``, within the run's ``deadline``: a caller that
    leaves standard input open without writing must not hang the run, nor one
    that writes without end fill its memory."""
    from amijson.files import MAX_SECRET_BYTES
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream.readline(MAX_SECRET_BYTES)  # not a real file (tests pass a StringIO)
    import select

    data = b""
    while b"\n" not in data:
        left = deadline.remaining()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AmijsonError("timeout", "deadline of %gs passed before a secret arrived on standard input "
                               "(--secret-stdin)" % deadline.seconds)
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_SECRET_BYTES and b"\n" not in data[:MAX_SECRET_BYTES]:
            raise AmijsonError("config", "the secret on standard input is longer than %d bytes" % MAX_SECRET_BYTES)
    try:
        return data.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise AmijsonError("config", "the secret on standard input is not valid UTF-8 text")


def resolve(options, environ, stdin=None, deadline=None, sections=None, local_secret_later=False):
    """Settings from parsed ``options`` (a dict of what the command line gave).

    ``deadline`` (an ``amijson.deadline.Deadline`` started before anything was
    read) is set to the resolved timeout; reading the secret from standard input
    waits on it. ``sections``: the config file's sections, when the caller has
    read them already (a fleet resolves every profile of one file). ``local_secret_later``:
    a secret found in this machine's manager.conf is kept in ``local_secret`` and not
    given to the host yet; a ``--host`` list gives it to each host by ``use_local_secret``."""
    settings = Settings()
    lock = None
    if os.path.isfile(SYSTEM_CONFIG):  # where a lock may be: read only where there is a file
        from amijson.profilelock import find as find_lock
        lock = find_lock(SYSTEM_CONFIG)
    if lock is not None:
        # The locked profile of the system file, whatever the caller named (amijson.profilelock).
        lock.check(options, environ, ENVIRONMENT)
        options = dict(options, config=lock.path, profile=lock.profile)
        environ = {key: value for key, value in environ.items() if key not in ("AMIJSON_CONFIG", "AMIJSON_PROFILE")}
        sections = None

    def given(name):
        if options.get(name) is not None:
            return inputs.text("--" + name.replace("_", "-"), options[name]) \
                if isinstance(options[name], str) else options[name]
        env = ENVIRONMENT.get(name)
        if env and environ.get(env, "") != "":
            return inputs.text(env, environ[env])
        return None

    config_path = find_config(options.get("config"), environ)
    profile_name = given("profile")
    profile = {}
    if config_path:
        if sections is None:
            sections = read_config(config_path)
        profile = dict(sections.get("default", {}))
        if profile_name:
            if profile_name not in sections:
                raise AmijsonError("config", "no profile [%s] in %s" % (profile_name, config_path))
            profile.update(sections[profile_name])
        settings.config_path = config_path
        # Any profile's secret counts: the file is as readable when another profile is chosen.
        if any("secret" in body for body in sections.values()) and _loose_permissions(config_path):
            settings.warnings.append(
                "config file %s holds a secret and is readable by group or others; chmod 600 it" % config_path)
    elif profile_name:
        raise AmijsonError("config", "profile %r asked for, but no config file was found" % profile_name)
    if config_path:
        from amijson.allowlist import AllowList
        settings.allow = AllowList.of(profile_name or "default", profile, config_path)

    def setting(name):
        value = given(name)
        if value is None:
            value = profile.get(name)
            if value is not None:
                value = inputs.text("%s in %s" % (name, config_path), value, "config")
        return value

    settings.host = inputs.host(setting("host") or settings.host)
    settings.user = setting("user")
    for name in ("tls", "insecure"):
        value = setting(name)
        if value is not None:
            setattr(settings, name, value if isinstance(value, bool) else _flag(name, value))
    settings.cafile = setting("cafile")
    settings.asterisk = setting("asterisk")
    settings.console = setting("console")
    via = (setting("via") or settings.via).lower()
    if via not in routes.VIA:
        raise AmijsonError("usage", "--via must be %s or %s, not %s"
                           % (", ".join(routes.VIA[:-1]), routes.VIA[-1], inputs.shown(via)))
    settings.via = via
    settings.http_prefix = setting("http_prefix") or ""
    auth = (setting("auth") or settings.auth).lower()
    if auth not in ("auto", "md5", "plain"):
        raise AmijsonError("usage", "--auth must be auto, md5 or plain, not %s" % inputs.shown(auth))
    settings.auth = auth
    # Each route takes its port from its own setting (routes.Route.port_setting), never
    # from another's: AMIJSON_PORT is AMI's port, and never sends --via http there.
    used = routes.port_route(via)
    for route in routes.ROUTES:
        if not route.port_setting:
            continue
        value = setting(route.port_setting)
        port = route.default_port(settings.tls)
        if value is not None:
            port = inputs.integer(route.port_setting.replace("_", "-"), value)
        if route is used:
            settings.port = port
        elif options.get(route.port_setting) is not None:  # asked for on the command line, and unused
            raise AmijsonError("usage", _unused_port(route, via, used))
        if route.name == "http":
            settings.http_port = port
    timeout = setting("timeout")
    if timeout is not None:
        settings.timeout = inputs.seconds("timeout", timeout)
        settings.timeout_given = True
    connect_timeout = setting("connect_timeout")
    if connect_timeout is not None:
        settings.connect_timeout = inputs.seconds("connect-timeout", connect_timeout)
    encoding = setting("fallback_encoding")
    if encoding:
        settings.fallback_encoding = inputs.encoding(encoding)
    settings.debug = bool(options.get("debug"))
    max_size = setting("max_size")
    if max_size is not None:
        settings.max_size = inputs.integer("max-size", max_size)
    if options.get("events"):
        settings.events = inputs.text("--events", options["events"])
    if deadline is not None:
        deadline.set(settings.timeout)
    if settings.insecure:
        settings.warnings.append("TLS certificate verification is off (--insecure)")

    # The secret, first source found wins.
    secret_file = given("secret_file")
    if options.get("secret_stdin"):
        if deadline is None:
            deadline = Deadline(settings.timeout)
        data = _read_line(stdin, deadline) if stdin is not None else ""
        settings.secret, settings.secret_source = data.rstrip("\r\n"), "stdin"
    elif secret_file:
        settings.secret, settings.secret_source = _read_secret_file(secret_file), "secret-file"
        settings.secret_path = secret_file
        if _loose_permissions(secret_file):
            settings.warnings.append(
                "secret file %s is readable by group or others; chmod 600 it" % secret_file)
    elif environ.get("AMIJSON_SECRET"):
        settings.secret, settings.secret_source = environ["AMIJSON_SECRET"], "environment"
        # Not shown: the value is the secret.
        try:
            inputs.text("AMIJSON_SECRET", settings.secret, "config")
        except AmijsonError:
            raise AmijsonError("config", "AMIJSON_SECRET is not valid UTF-8 text without NUL characters")
    elif profile.get("secret"):
        settings.secret, settings.secret_source = profile["secret"], "config"
        inherited = _inherited_secret(sections, profile_name, profile, settings.host)
        if inherited:
            settings.warnings.append(inherited)
    elif profile.get("secret_file"):
        # A file of its own, readable by the profile's users alone: a config file that
        # several users read (the system one, with [locked]) need hold no secret.
        path = inputs.text("secret_file in %s" % config_path, profile["secret_file"], "config")
        settings.secret, settings.secret_source = _read_secret_file(path), "secret-file"
        settings.secret_path = path
        if _loose_permissions(path):
            settings.warnings.append("secret file %s is readable by group or others; chmod 600 it" % path)
    else:
        path = given("manager_conf") or DEFAULT_MANAGER_CONF
        secret = _manager_conf_secret(path, settings.user)
        if secret is not None:
            settings.local_secret = (secret, path)
            if not local_secret_later:
                use_local_secret(settings, deadline or Deadline(settings.timeout))
    return settings


def use_local_secret(settings, deadline):
    """This machine's manager.conf secret (``settings.local_secret``, found by ``resolve``)
    for ``settings.host``, when that host is this machine: every address it stands for is
    one of this machine's. Otherwise no secret, and a warning that names the host and why:
    manager.conf holds this PBX's secrets, and one PBX's secret never goes to another."""
    if settings.local_secret is None:
        return
    secret, path = settings.local_secret
    from amijson.locality import addresses
    found = addresses(settings.host, deadline)
    if found and all(own for _address, own in found):
        settings.secret, settings.secret_source = secret, "manager.conf"
        return
    settings.secret = settings.secret_source = None
    host = inputs.shown(settings.host)
    if found is None:
        why = "%s could not be resolved" % host
    elif any(own for _address, own in found):
        why = "%s is not only this machine: it stands for %s too" % (
            host, ", ".join(address for address, own in found if not own))
    else:
        why = "%s is not this machine" % host
    settings.warnings.append("the secret for %s in %s was not used: %s" % (inputs.shown(settings.user), path, why))


def _inherited_secret(sections, name, profile, host):
    """The warning for a profile ``[name](parent)`` that takes its secret from a parent
    naming another host: ``[b](a)`` sends ``a``'s secret to ``b``'s host, which may be
    meant (one password on several PBXes) or not. A parent without a host (a template of
    shared credentials) is meant to be shared: no warning then."""
    parent = sections.inherited.get(name, {}).get("secret") if name else None
    if parent is None:
        return None
    parent_host = (sections.parent(parent) or {}).get("host")
    if not parent_host or parent_host.strip() == host:
        return None
    return ("profile [%s] takes its secret from [%s] (%s), whose host is %s, and sends it to %s: give [%s] a "
            "secret of its own unless the two share it" % (name, parent, sections.where.get(parent, "?"),
                                                            inputs.shown(parent_host.strip()), inputs.shown(host),
                                                            name))


def _unused_port(route, via, used):
    """The usage error for ``route``'s port option given to a run that goes ``--via via``."""
    option = "--" + route.port_setting.replace("_", "-")
    if routes.BY_NAME.get(via, used).port_setting is None:
        return "%s is the port of %s, for --via %s; --via %s uses no port" % (option, route.label, route.name, via)
    return "%s is the port of %s, for --via %s; --via %s takes its port from --%s (%s)" % (
        option, route.label, route.name, via, used.port_setting.replace("_", "-"), ENVIRONMENT[used.port_setting])
