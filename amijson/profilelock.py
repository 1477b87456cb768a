"""A profile made the only one a Unix user gets: ``[locked]`` in ``/etc/amijson.conf``.

A profile's allow-list (``amijson.allowlist``) binds only while the caller cannot
pick a wider profile. A web page runs amijson as the web server's user, and
whatever it can set (options before the verb, the child's environment) it could
use to choose another profile or config file. So the lock lives where that user
cannot write and amijson always looks, the system config file::

    [locked]
    www-data = web        ; amijson run as www-data gets profile [web], and only it

For a user named there (by name or uid), the run takes that profile of
``/etc/amijson.conf`` whatever else is given, and refuses as ``forbidden`` every
option and ``AMIJSON_*`` variable that would pick another profile, config file,
PBX, user, secret or route. What only shapes the run's own output and time stays
free. The web server's environment needs nothing for it; the file must be
writable by root alone.
"""

import os

from amijson.errors import AmijsonError

SECTION = "locked"

# Settings a locked caller may still give (command line or environment): they choose
# nothing about where the request goes or who makes it.
FREE = frozenset(("timeout", "connect_timeout", "fallback_encoding", "max_size", "pretty", "records_only",
                  "debug", "format", "warning", "critical", "output", "help", "version", "no_wait", "events",
                  "as_asterisk", "count", "until", "for", "buffer", "reconnect"))
# The environment's share of what a caller may set beyond ENVIRONMENT's settings.
ALSO_REFUSED_ENV = ("AMIJSON_SECRET",)


class Lock:
    __slots__ = ("profile", "path", "user")

    def __init__(self, profile, path, user):
        self.profile = profile
        self.path = path
        self.user = user

    def refuse(self, what):
        return AmijsonError("forbidden", "%s: amijson run as %s is locked to profile [%s] by [%s] in %s"
                            % (what, self.user, self.profile, SECTION, self.path))

    def check(self, options, environ, environment):
        """``forbidden`` for any option (``options``, parsed) or variable (``environment``:
        setting -> variable) that would choose beyond the locked profile."""
        from amijson.inputs import shown
        for key, value in options.items():
            if key in FREE or value is None or value is False:
                continue
            if key == "profile" and value == self.profile:
                continue
            option = "--" + key.replace("_", "-")
            raise self.refuse(option if value is True else "%s %s" % (option, shown(str(value))))
        for key, variable in list(environment.items()) + [(None, name) for name in ALSO_REFUSED_ENV]:
            if key in FREE or environ.get(variable, "") == "":
                continue
            if key == "profile" and environ[variable] == self.profile:
                continue
            raise self.refuse("%s in the environment" % variable)


def _user():
    uid = os.getuid()
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name, str(uid)
    except (ImportError, KeyError):
        return None, str(uid)


def find(path):
    """The Lock ``path`` (the system config file) holds for the user running this process, or None."""
    from amijson.settings import read_config
    section = read_config(path).get(SECTION)
    if not section:
        return None
    name, uid = _user()
    for who in (name, uid):
        if who is not None and who.lower() in section:
            profile = section[who.lower()].strip()
            if not profile:
                raise AmijsonError("config", "%s: [%s] %s names no profile" % (path, SECTION, who))
            return Lock(profile, path, who)
    return None
