"""``amijson doctor``: why can't I get data from this PBX?

One document of checks, in the order a run meets them: the settings, the user and
secret, the host's name, the TCP connection to AMI, TLS, the AMI banner, AMI over
HTTP, the login, what the user may do, and the local ``asterisk -rx`` route. Each
check is one function of ``CHECKS`` returning a ``Check``: ``ok`` (true, false, or
null when it did not run), what it saw (``summary`` in words, ``seen`` as data),
and a ``hint`` that names the setting to change (null when there is nothing to
change). A check that needs an earlier one that did not pass does not run.

Every check of every route runs, but the exit code is 0 only when each check the
chosen route needs (``NEEDS``) passed; otherwise it is the exit code of the first
needed check that did not (``amijson.errors``). ``--via auto`` needs what AMI
needs: its fallback to ``asterisk -rx`` answers CLI commands only.

The checks reuse the routes' own code (``transport``, ``session``, ``ami_http``,
``rx``): the doctor sees what a run would see. One deadline (``--timeout``) holds
for the whole run, and each check that waits on a peer waits at most
``--connect-timeout`` (at least ``MIN_STEP``) of it, so one silent peer costs one
check, not the run. The secret never appears in the document: where a check
compares it (with the user's ``secret`` in this machine's ``manager.conf``), it
says only whether the two are equal.

This module is loaded only for the ``doctor`` verb.
"""

import os
import sys
import time

from amijson import routes
from amijson.errors import AmijsonError, print_traceback

MIN_STEP = 2.0  # seconds: the least a check that waits on a peer may wait
SNIFF_SECONDS = 1.0  # how long a port is listened to for a plain-text greeting
VERSION_COMMAND = "core show version"  # what the rx check asks asterisk -rx
RENEW_DAYS = 30  # a certificate that expires sooner gets a hint


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


def _check(name):
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


def _on_deadline(session, deadline):
    """Make ``session`` (AMI or HTTP) wait on ``deadline`` from now on."""
    connection = getattr(session, "connection", None)
    if hasattr(session, "logoff_deadline"):  # HttpAmiSession: it connects again when the server closed
        session.deadline = deadline
    if connection is not None:
        connection.deadline = deadline


# --- words shared by several checks ------------------------------------------------------

def _address(sockname):
    """``ip:port`` of a socket address (``[ip]:port`` for IPv6)."""
    host, port = sockname[0], sockname[1]
    return ("[%s]:%s" if ":" in host else "%s:%s") % (host, port)


def _file_facts(path):
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


def _this_user():
    import pwd
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _secret_file(doctor):
    """The file the secret came from, or None (the environment, standard input, none)."""
    settings = doctor.settings
    source = settings.secret_source
    if source == "secret-file":
        return doctor.options.get("secret_file") or doctor.environ.get("AMIJSON_SECRET_FILE")
    if source == "config":
        return settings.config_path
    if source == "manager.conf":
        return _manager_conf_path(doctor)
    return None


def _manager_conf_path(doctor):
    from amijson.settings import DEFAULT_MANAGER_CONF
    return (doctor.options.get("manager_conf") or doctor.environ.get("AMIJSON_MANAGER_CONF")
            or DEFAULT_MANAGER_CONF)


def _source_words(doctor):
    source = doctor.settings.secret_source
    path = _secret_file(doctor)
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


# --- the checks, in order ----------------------------------------------------------------

@_check("settings")
def check_settings(doctor):
    from amijson.settings import resolve
    # Both routes' checks run: --port and --http-port are taken whatever --via says, as their
    # variables are (a run refuses the port option of a route it does not use).
    options, environ = dict(doctor.options), dict(doctor.environ)
    for key, variable in (("port", "AMIJSON_PORT"), ("http_port", "AMIJSON_HTTP_PORT")):
        if options.get(key) is not None:
            environ[variable] = options.pop(key)
    doctor.environ = environ
    try:
        settings = resolve(options, environ, doctor.stdin, doctor.deadline)
    except AmijsonError as exc:
        return failed("settings", exc.code, exc.message, {},
                      "correct the value named: on the command line, in the AMIJSON_* environment, or in the "
                      "config file (--config, AMIJSON_CONFIG, ~/.config/amijson/config, /etc/amijson.conf)")
    doctor.settings = settings
    doctor.warnings.extend(settings.warnings)
    ami_port, http_port = doctor.ports()
    profile = doctor.options.get("profile") or doctor.environ.get("AMIJSON_PROFILE")
    seen = {"via": settings.via, "route": doctor.route, "host": settings.host, "ami_port": ami_port,
            "http_port": http_port, "user": settings.user, "tls": settings.tls, "auth": settings.auth,
            "config": settings.config_path, "profile": profile, "timeout": settings.timeout,
            "connect_timeout": settings.connect_timeout}
    target = ("asterisk -rx on this machine" if doctor.route == "rx"
              else "%s:%s" % (settings.host, http_port if doctor.route == "http" else ami_port))
    return passed("settings", "--via %s: route %s%s to %s as user %s; config file: %s" % (
        settings.via, doctor.route, "+tls" if settings.tls and doctor.route != "rx" else "", target,
        settings.user or "(none)", settings.config_path or "none"), seen)


@_check("secret")
def check_secret(doctor):
    doctor.need("settings")
    settings = doctor.settings
    seen = {"user": settings.user, "source": settings.secret_source, "file": None}
    if not settings.user:
        return failed("secret", "config", "no AMI user given", seen,
                      "--user USER (AMIJSON_USER, user = in the config file): a [USER] section of manager.conf")
    if settings.secret is None:
        reasons = [w for w in settings.warnings if "was not used" in w]
        return failed("secret", "config", "no secret for user %s%s" % (settings.user, "".join(
            ": " + reason for reason in reasons)), seen,
            "AMIJSON_SECRET, --secret-file PATH (mode 600), --secret-stdin, or secret = in the config "
            "file; on the Asterisk host itself, the user's secret in manager.conf (--manager-conf PATH)")
    path = _secret_file(doctor)
    hint = None
    words = "secret for user %s from %s" % (settings.user, _source_words(doctor))
    if path:
        facts = seen["file"] = _file_facts(path)
        if "mode" in facts:
            words += " (owner %s, group %s, mode %s)" % (facts["owner"], facts["group"], facts["mode"])
            if int(facts["mode"], 8) & 0o077:
                hint = "chmod 600 %s: group or others can read the secret" % path
                words += ": readable by group or others"
    return passed("secret", words, seen, hint)


@_check("resolve")
def check_resolve(doctor):
    doctor.need("settings")
    from amijson.transport import literal_address, resolve
    host = doctor.settings.host
    seen = {"host": host, "addresses": [host], "this_machine": None}
    if literal_address(host, 0):
        words = "%s is an address: nothing to resolve" % host
    else:
        try:
            infos = resolve(host, 0, doctor.step())
        except AmijsonError as exc:
            return failed("resolve", exc.code, exc.message, seen,
                          "--host (AMIJSON_HOST, host = in the config file): a name this machine's resolver "
                          "(/etc/hosts, DNS) knows, or the PBX's IP address")
        seen["addresses"] = list(dict.fromkeys(info[4][0] for info in infos))
        words = "%s resolves to %s" % (host, ", ".join(seen["addresses"]))
    seen["this_machine"] = doctor.is_this_machine()
    return passed("resolve", words + ("; this machine" if seen["this_machine"] else "; another machine"), seen)


def _tcp_hint(settings, port, message):
    if "refused" in message.lower():
        where = ("tlsenable = yes and tlsbindaddr = ADDRESS:%s" % port if settings.tls
                 else "enabled = yes and port = %s" % port)
        return ("nothing listens on %s:%s. Asterisk's AMI listens there when manager.conf's [general] says %s "
                "(its bindaddr must be an address of this host; 127.0.0.1 is loopback only); if AMI listens "
                "on another port, give it with --port (AMIJSON_PORT, port = in the config file)"
                % (settings.host, port, where))
    if "no answer" in message or "deadline" in message:
        return ("no answer from %s:%s within --connect-timeout (%gs): a firewall drops the packets, or the "
                "host is down; open TCP port %s from this machine" % (settings.host, port,
                                                                     settings.connect_timeout, port))
    return "the message says what the network said; check --host and --port"


@_check("tcp")
def check_tcp(doctor):
    doctor.need("resolve")
    from amijson.transport import connect_tcp, plain_connection
    settings = doctor.settings
    port = doctor.ports()[0]
    seen = {"address": "%s:%s" % (settings.host, port), "seconds": None, "local_address": None}
    if settings.tls:
        __import__("socket")  # loaded before the clock starts: connect_tcp needs it for TLS
    started = time.monotonic()
    try:
        sock, peer = connect_tcp(settings.host, port, doctor.step(), settings.connect_timeout, for_tls=settings.tls)
    except AmijsonError as exc:
        return failed("tcp", exc.code, exc.message, seen, _tcp_hint(settings, port, exc.message))
    elapsed = time.monotonic() - started
    try:
        seen["address"] = _address(sock.getpeername())
        seen["local_address"] = _address(sock.getsockname())
    except OSError:
        pass
    seen["seconds"] = round(elapsed, 6)
    doctor.sock, doctor.peer = sock, peer
    if not settings.tls:
        doctor.connection = plain_connection(sock, doctor.deadline, peer)
        doctor.sock = None  # the connection owns it now
    return passed("tcp", "connected to %s in %.1f ms, from %s" % (seen["address"], elapsed * 1000,
                                                                  seen["local_address"]), seen)


# --- TLS -----------------------------------------------------------------------------------

_SHORT = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU", "countryName": "C",
          "localityName": "L", "stateOrProvinceName": "ST", "emailAddress": "emailAddress"}


def _dn(rdns):
    return ", ".join("%s=%s" % (_SHORT.get(key, key), value) for rdn in rdns or () for key, value in rdn)


def _names_host(host, names):
    """Whether the certificate's subjectAltName entries name ``host``, as OpenSSL checks it
    (no common-name fallback)."""
    import ipaddress
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        address = None
    if address is not None:
        for kind, value in names:
            if kind == "IP Address":
                try:
                    if ipaddress.ip_address(value.strip()) == address:
                        return True
                except ValueError:
                    continue
        return False
    wanted = host.lower().rstrip(".")
    for kind, value in names:
        if kind != "DNS":
            continue
        pattern = value.lower().rstrip(".")
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def _decode_certificate(der):
    """The dict ``getpeercert()`` gives, for a certificate that was not verified (then
    ``getpeercert()`` gives nothing): CPython's own decoder, where it has one."""
    import ssl
    import tempfile
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None or not der:
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as pem:
        pem.write(ssl.DER_cert_to_PEM_cert(der))
        pem.flush()
        try:
            return decode(pem.name)
        except (ssl.SSLError, ValueError, OSError):
            return {}


def certificate_facts(cert, der, host):
    """Subject, issuer, expiry, names and whether they name ``host``, of a certificate."""
    import hashlib
    import ssl
    facts = {"subject": _dn(cert.get("subject")) or None, "issuer": _dn(cert.get("issuer")) or None,
             "not_after": None, "days_left": None, "names": [], "names_host": None,
             "sha256": hashlib.sha256(der).hexdigest() if der else None}
    if cert.get("notAfter"):
        try:
            expires = ssl.cert_time_to_seconds(cert["notAfter"])
        except ValueError:
            expires = None
        if expires is not None:
            facts["not_after"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
            facts["days_left"] = int((expires - time.time()) // 86400)
    names = [(kind, value.strip()) for kind, value in cert.get("subjectAltName", ())]
    facts["names"] = ["%s:%s" % ("IP" if kind == "IP Address" else kind, value) for kind, value in names]
    if cert:
        facts["names_host"] = _names_host(host, names)
    return facts


def _peer_certificate(tls_sock, host):
    der = tls_sock.getpeercert(binary_form=True)
    cert = tls_sock.getpeercert() or _decode_certificate(der)
    return certificate_facts(cert, der, host)


def _unverified_certificate(doctor, port):
    """The peer's certificate facts, fetched without verifying it, or None."""
    from amijson.transport import connect_tcp, tls_context, tls_handshake
    settings = doctor.settings
    try:
        step = doctor.step()
        sock, peer = connect_tcp(settings.host, port, step, settings.connect_timeout, for_tls=True)
        connection = tls_handshake(tls_context(None, True), sock, peer, settings.host, step)
    except AmijsonError:
        return None
    try:
        return _peer_certificate(connection.sock, settings.host)
    finally:
        connection.close()


def _sniff(doctor, port):
    """The first bytes the peer at ``port`` sends unasked, within SNIFF_SECONDS: a plain
    server's greeting (AMI's banner, SSH's). b"" when it says nothing; None when it
    cannot be reached. Nothing is sent."""
    from amijson.transport import connect_tcp, plain_connection
    settings = doctor.settings
    try:
        step = doctor.deadline.within(SNIFF_SECONDS)
        sock, peer = connect_tcp(settings.host, port, step, settings.connect_timeout)
    except AmijsonError:
        return None
    connection = plain_connection(sock, step, peer)
    try:
        return connection.recv("listening for a greeting")[:120]
    except AmijsonError:
        return b""
    finally:
        connection.close()


def _shown_bytes(data):
    return repr(data.decode("latin-1").strip())


def _tls_failure(doctor, port, exc, seen):
    """A failed handshake, explained: the certificate, or what the port speaks instead."""
    settings = doctor.settings
    if exc.code == "timeout":
        return failed("tls", "timeout", exc.message, seen,
                      "the peer at %s:%s did not finish a TLS handshake: is it manager.conf's tlsbindaddr "
                      "port (tlsenable = yes)?" % (settings.host, port))
    if "not trusted" in exc.message:
        facts = seen["certificate"] = _unverified_certificate(doctor, port)
        if facts is None:
            hint = ("--cafile PATH (AMIJSON_CAFILE, cafile = in the config file): the CA that signed manager.conf's "
                    "tlscertfile")
        elif facts["days_left"] is not None and facts["days_left"] < 0:
            hint = ("the certificate expired on %s: renew manager.conf's tlscertfile, then `module reload "
                    "manager`" % facts["not_after"])
        elif facts["names_host"] is False:
            hint = ("the certificate names %s, not %s: connect with --host set to one of those names, or reissue "
                    "manager.conf's tlscertfile with %s in its subjectAltName"
                    % (", ".join(facts["names"]) or "no host (no subjectAltName)", settings.host, settings.host))
        else:
            hint = ("this machine does not trust the certificate's issuer (%s): --cafile PATH of that CA "
                    "(AMIJSON_CAFILE, cafile = in the config file); --insecure skips the check (and says so)"
                    % (facts["issuer"] or "unknown"))
        return failed("tls", "tls", exc.message, seen, hint)
    greeting = _sniff(doctor, port)
    seen["plain_greeting"] = greeting.decode("latin-1") if greeting else None
    if greeting and greeting.startswith(b"Asterisk Call Manager/"):
        return failed("tls", "tls", "%s: the port speaks plain AMI (banner %s), not TLS"
                      % (exc.message, _shown_bytes(greeting)), seen,
                      "%s:%s is manager.conf's plain AMI port, not its TLS port. AMI over TLS listens where "
                      "manager.conf's [general] says tlsenable = yes and tlsbindaddr = ADDRESS:PORT (5039 by "
                      "default): give that port with --port, or leave out --tls (AMIJSON_TLS, tls = in the "
                      "config file) for this one" % (settings.host, port))
    if greeting:
        return failed("tls", "tls", "%s: the port sent %s before any TLS: not a TLS server"
                      % (exc.message, _shown_bytes(greeting)), seen,
                      "--port: manager.conf's tlsbindaddr port (5039 by default), where AMI speaks TLS")
    return failed("tls", "tls", exc.message, seen,
                  "the peer at %s:%s refused the TLS handshake: is it manager.conf's tlsbindaddr port "
                  "(tlsenable = yes, tlscertfile, tlsprivatekey)?" % (settings.host, port))


@_check("tls")
def check_tls(doctor):
    settings = doctor.settings
    if settings is not None and not settings.tls:
        raise NotRun("not asked: no --tls (AMIJSON_TLS, tls = in the config file)")
    doctor.need("tcp")
    from amijson.transport import tls_context, tls_handshake
    port = doctor.ports()[0]
    seen = {"version": None, "cipher": None, "verified": None, "certificate": None}
    try:
        context = tls_context(settings.cafile, settings.insecure)
    except AmijsonError as exc:
        return failed("tls", exc.code, exc.message, seen,
                      "--cafile PATH (AMIJSON_CAFILE, cafile = in the config file): a readable PEM file of the "
                      "CA that signed manager.conf's tlscertfile")
    sock, doctor.sock = doctor.sock, None  # the handshake closes it when it fails
    try:
        connection = tls_handshake(context, sock, doctor.peer, settings.host, doctor.step())
    except AmijsonError as exc:
        return _tls_failure(doctor, port, exc, seen)
    doctor.connection = connection
    tls_sock = connection.sock
    facts = seen["certificate"] = _peer_certificate(tls_sock, settings.host)
    seen["version"] = tls_sock.version()
    seen["cipher"] = (tls_sock.cipher() or (None,))[0]
    seen["verified"] = connection.is_verified_tls()
    hint = None
    if not seen["verified"]:
        hint = ("--insecure: the certificate was not verified, so the peer may be anyone; give --cafile PATH of "
                "the CA that signed it instead")
    elif facts["days_left"] is not None and facts["days_left"] < RENEW_DAYS:
        hint = "the certificate expires in %d days: renew manager.conf's tlscertfile" % facts["days_left"]
    names = "names %s" % settings.host if facts["names_host"] else "does not name %s" % settings.host
    return passed("tls", "%s with a certificate for %s (issuer %s), valid until %s, that %s; %s" % (
        seen["version"], facts["subject"], facts["issuer"], facts["not_after"], names,
        "verified" if seen["verified"] else "NOT verified (--insecure)"), seen, hint)


# --- AMI ----------------------------------------------------------------------------------

@_check("ami")
def check_ami(doctor):
    doctor.need("tcp")
    settings = doctor.settings
    if settings.tls:
        doctor.need("tls")
    from amijson.conversation import open_transcript
    from amijson.session import AmiSession
    seen = {"banner": None, "ami_version": None, "asterisk": None}
    session = doctor.ami = AmiSession(doctor.connection, settings.fallback_encoding, open_transcript(settings),
                                      settings.max_size << 20)
    step = doctor.step()
    doctor.connection.deadline = step
    peer = doctor.peer
    try:
        banner = session.read_banner()
    except AmijsonError as exc:
        if exc.code == "timeout":
            return failed("ami", "timeout", "connected to %s, but it sent no AMI banner within %gs (Asterisk sends "
                          "its banner at once)" % (peer, step.seconds), seen,
                          "%s is not answering as AMI: is it manager.conf's port (5038; with --tls, tlsbindaddr's "
                          "5039)? Something that accepts and holds connections (a proxy, a firewall) may stand "
                          "in between. An HTTP server waits silently too: Asterisk's (http.conf's bindport, "
                          "8088) takes --via http" % peer)
        return failed("ami", exc.code, "%s does not speak AMI: %s" % (peer, exc.message), seen,
                      "--port (AMIJSON_PORT, port = in the config file): manager.conf's port (5038), or with "
                      "--tls its tlsbindaddr port (5039); http.conf's bindport (8088) takes --via http")
    release = asterisk_release(banner.version)
    seen.update(banner=banner.text, ami_version=banner.version, asterisk=release)
    return passed("ami", "banner %r: AMI %s, so Asterisk %s" % (banner.text, banner.version,
                                                               release or "of an unknown release"), seen)


# --- AMI over HTTP -------------------------------------------------------------------------

def _http_hint(doctor, url, exc, server):
    settings = doctor.settings
    message = exc.message
    port = doctor.ports()[1]
    if "404" in message:
        if server and not server.startswith("Asterisk"):
            return "the HTTP server at %s:%s (Server: %s) is not Asterisk's: http.conf's bindport" % (
                settings.host, port, server)
        return ("Asterisk's HTTP server answers, but not at %s: AMI over HTTP needs manager.conf's [general] "
                "webenabled = yes (then `manager reload`), and http.conf's prefix, when it sets one, given as "
                "--http-prefix PREFIX (AMIJSON_HTTP_PREFIX, http_prefix = in the config file)" % url)
    if "speaks AMI over TCP" in message:
        return ("%s:%s is AMI's TCP port: AMI over HTTP is on http.conf's bindport (8088 by default; 8089, "
                "tlsbindaddr's, with --tls)" % (settings.host, port))
    if exc.code == "connect" and "refused" in message.lower():
        return ("nothing listens at %s:%s: Asterisk's HTTP server listens when http.conf's [general] says "
                "enabled = yes, bindaddr = an address of this host and bindport = %s (with --tls: tlsenable = "
                "yes, tlsbindaddr = ADDRESS:%s)" % (settings.host, port, port, port))
    if exc.code == "timeout":
        return ("no HTTP answer from %s:%s in time: is it http.conf's bindport, and does a firewall let it "
                "through?" % (settings.host, port))
    if exc.code == "tls":
        return "with --tls, AMI over HTTP is https on http.conf's tlsbindaddr port (8089 by default)"
    return "the message says what the server did; http.conf's bindport is the port AMI over HTTP uses"


def _end_unauthenticated(session):
    """End the session a Challenge opened (Asterisk keeps it for http.conf's sessiontimeout
    otherwise): Logoff needs no login."""
    try:
        session.post("Logoff", ())
    except AmijsonError:
        pass
    finally:
        session.close()


@_check("http")
def check_http(doctor):
    doctor.need("resolve")
    import copy
    from amijson.ami_http import HttpAmiSession
    from amijson.conversation import open_transcript
    from amijson.exchange import is_error
    settings = copy.copy(doctor.settings)
    settings.port = doctor.ports()[1]
    session = HttpAmiSession(settings, doctor.deadline, open_transcript(settings))
    session.deadline = doctor.step()
    seen = {"url": session.url, "server": None, "seconds": None}
    started = time.monotonic()
    try:
        reply = session.call("Challenge", [("AuthType", "MD5")]).response
    except AmijsonError as exc:
        seen["server"] = session.server
        session.close()
        return failed("http", exc.code, exc.message, seen, _http_hint(doctor, session.url, exc, session.server))
    seen["seconds"] = round(time.monotonic() - started, 6)
    seen["server"] = session.server
    if is_error(reply) or not reply.get("Challenge"):
        _end_unauthenticated(session)
        return failed("http", "protocol", "%s answered a Challenge with %s" % (
            session.url, reply.get("Message") or "no challenge"), seen,
            "the server at %s is not Asterisk's manager: http.conf's bindport and --http-prefix" % session.url)
    if doctor.route == "http":
        doctor.http = session  # the login goes over it
    else:
        _end_unauthenticated(session)
    return passed("http", "POST %s answered by %s in %.1f ms: webenabled = yes, the HTTP server and the prefix "
                  "are right" % (session.url, seen["server"] or "a server that gives no name",
                                 seen["seconds"] * 1000), seen)


# --- the login, and what the user may do ----------------------------------------------------

def _manager_conf_view(doctor):
    """What this machine's manager.conf says of the user, when it is the PBX and the file can
    be read: the section exists, and whether its secret equals the one used (never shown)."""
    if not doctor.is_this_machine():
        return None
    from amijson.configfile import ConfigFileError, read_sections
    path = _manager_conf_path(doctor)
    if not os.path.isfile(path):
        return None
    try:
        sections = read_sections(path)
    except (ConfigFileError, OSError):
        return None
    user = doctor.settings.user.lower()
    for name, body in sections.items():
        if name.lower() == user and user != "general":
            return {"path": path, "user_found": True,
                    "secret_matches": body.get("secret") == doctor.settings.secret if "secret" in body else None,
                    "acl": any(key in body for key in ("permit", "deny", "acl"))}
    return {"path": path, "user_found": False, "secret_matches": None, "acl": None}


def _refused(doctor, exc, session, seen):
    settings = doctor.settings
    if exc.code != "auth":
        return failed("login", exc.code, exc.message, seen,
                      "the peer stopped answering during the login: the message says where")
    connection = getattr(session, "connection", None)
    local = None
    try:
        local = connection.sock.getsockname()[0] if connection is not None else None
    except OSError:
        pass
    seen["from_address"] = local
    user = settings.user
    view = seen["manager_conf"] = _manager_conf_view(doctor)
    causes = ("Asterisk answers a wrong secret, a user it does not know and an address the user's ACL denies "
              "alike ('Authentication failed'); in manager.conf (then `manager reload`): 1) the secret: [%s]'s "
              "secret = must be the one from %s; 2) the user: a [%s] section must exist (or fix --user); 3) the "
              "ACL: [%s]'s permit = / deny = (or acl =) must let in %s, the address this machine connects from"
              % (user, _source_words(doctor), user, user, local or "this machine's address"))
    summary = exc.message
    if view is not None:
        if not view["user_found"]:
            summary += "; %s has no [%s] section: the user does not exist" % (view["path"], user)
        elif view["secret_matches"] is False:
            summary += "; the secret differs from [%s]'s secret = in %s" % (user, view["path"])
        elif view["secret_matches"]:
            summary += ("; [%s] in %s exists and its secret is the one used: its ACL refuses %s, or Asterisk "
                        "has not reloaded the file" % (user, view["path"], local))
    return failed("login", "auth", summary, seen, causes)


@_check("login")
def check_login(doctor):
    doctor.need("settings")
    if doctor.results["secret"].ok is not True:
        raise NotRun("not run: no user or no secret (see the secret check)")
    settings = doctor.settings
    if doctor.route == "http":
        doctor.need("http")
        session = doctor.http
    else:
        doctor.need("ami")
        session = doctor.ami
    from amijson.conversation import login_method
    _on_deadline(session, doctor.step())
    method = login_method(settings.auth, session)
    seen = {"user": settings.user, "method": method, "over": "HTTP" if doctor.route == "http" else "AMI"}
    try:
        doctor.listing = session.login_and_call(settings.user, settings.secret, "ListCommands", (), method,
                                                settings.events)
    except AmijsonError as exc:
        if not session.logged_in:
            return _refused(doctor, exc, session, seen)
        doctor.after_login = exc
    doctor.session = session
    hint = None
    if method == "plain" and not session.is_verified_tls():
        hint = ("the secret crossed the network in plain text (--auth plain without verified TLS): leave --auth "
                "at auto (MD5 login), or use --tls with a verified certificate")
    how = "md5 (Challenge, then Login with the key)" if method == "md5" else "plain (Login with the secret)"
    return passed("login", "logged in as %s over %s: %s" % (settings.user, seen["over"], how), seen, hint)


def _classes(reply):
    """{action: its classes} of ListCommands' reply (``Name: Synopsis (Priv: a,b,all)``)."""
    actions = {}
    for key, value in reply.pairs:
        if key.lower() in ("response", "actionid", "message", "eventlist"):
            continue
        at = value.rfind("(Priv: ")
        if at < 0:
            continue
        names = value[at + len("(Priv: "):].rstrip().rstrip(")").split(",")
        actions[key] = {name.strip() for name in names if name.strip() not in ("", "all", "<none>")}
    return actions


def _cli_queries():
    """The named queries that run a CLI command over AMI (and so need the ``command`` class)."""
    from amijson.queries import QUERIES
    names = []
    for name, query in QUERIES.items():
        try:
            request = query.request(name, [], "ami")
        except AmijsonError:
            continue
        parts = getattr(request, "requests", None) or [request]  # a Batch: each of its requests
        if any(part.command is not None for part in parts):
            names.append(name)
    return names


def _manager_user(doctor, session):
    """The user's read and write classes and ACL as ``manager show user`` gives them, or None."""
    from amijson.answer import Answer
    from amijson.conversation import fill
    from amijson.request import Request
    request = Request.cli("manager show user %s" % doctor.settings.user)
    _on_deadline(session, doctor.step())
    answer = Answer("ami")
    try:
        fill(answer, request, session.call(request.action, request.headers), doctor.settings.fallback_encoding)
    except AmijsonError:
        return None
    shown = {"read": None, "write": None, "acl": []}
    for line in answer.output or ():
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if key in ("read perm", "write perm") and colon:
            shown[key.split()[0]] = [name for name in value.strip().split(",") if name]
        elif key.isdigit() and colon and " - " in value:  # "  0:  deny - 0.0.0.0/0.0.0.0"
            sense, _, network = value.strip().partition(" - ")
            shown["acl"].append("%s %s" % (sense.strip(), network.strip()))
    return shown if shown["write"] is not None else None


@_check("classes")
def check_classes(doctor):
    doctor.need("login")
    settings = doctor.settings
    session = doctor.session
    seen = {"actions": None, "action_classes": None, "command": None, "originate": None, "manager_user": None}
    try:
        if doctor.after_login is not None:
            exc = doctor.after_login
            return failed("classes", exc.code, "ListCommands: %s" % exc.message, seen,
                          "the peer stopped answering after the login: the message says where")
        from amijson.exchange import is_error
        reply = doctor.listing.response
        if is_error(reply):
            return failed("classes", "permission", "ListCommands refused: %s" % (reply.get("Message") or "Error"),
                          seen, "ListCommands needs no class: this Asterisk refuses it for another reason")
        actions = _classes(reply)
        offered = {name.lower() for name in actions}
        singles = sorted({next(iter(classes)) for classes in actions.values() if len(classes) == 1})
        seen.update(actions=len(actions), action_classes=singles, command="command" in offered,
                    originate="originate" in offered)
        if seen["command"]:
            seen["manager_user"] = _manager_user(doctor, session)
    finally:
        doctor.close()
    if seen["manager_user"]:
        classes = "write = %s (manager show user)" % ",".join(seen["manager_user"]["write"])
    else:  # a lower bound: classes that some action it offers needs alone
        classes = "its actions' classes: %s" % (",".join(singles) or "none")
    words = "ListCommands offers %d actions; %s; command: %s, originate: %s" % (
        seen["actions"], classes, "yes" if seen["command"] else "NO", "yes" if seen["originate"] else "no")
    if seen["command"]:
        return passed("classes", words, seen)
    return failed("classes", "permission", words, seen,
                  "add command to [%s]'s write = in manager.conf (write = ...,command), then `manager reload`: "
                  "without it AMI refuses `amijson command`, -rx over AMI and the queries %s (permission)"
                  % (settings.user, ", ".join(_cli_queries())))


# --- the local asterisk -rx ----------------------------------------------------------------

def _rx_hint(exc, socket):
    if socket is not None and socket.get("exists") is False:
        return ("%s does not exist: Asterisk is not running here, or --asterisk (AMIJSON_ASTERISK, asterisk = in "
                "the config file) names another Asterisk than the one whose asterisk.conf [directories] "
                "astrundir holds the socket" % socket["path"])
    if socket is not None and socket.get("exists") and not socket.get("usable"):
        from amijson.rx import socket_users
        who = " or ".join(socket_users(socket)) or "no user"
        return ("only %s may use it (mode %s): run amijson as such a user, or give the socket to a group of this "
                "user in asterisk.conf's [files]: astctlgroup = GROUP, astctlpermissions = 0660 (Asterisk applies "
                "them when it starts)" % (who, socket["mode"]))
    if exc.code == "timeout":
        return "asterisk -rx did not answer in time: Asterisk is busy or stuck (--timeout)"
    return "--asterisk PATH (AMIJSON_ASTERISK, asterisk = in the config file): this PBX's asterisk executable"


@_check("rx")
def check_rx(doctor):
    doctor.need("settings")
    settings = doctor.settings
    if doctor.route != "rx" and not doctor.is_this_machine():
        raise NotRun("not run: %s is another machine, and asterisk -rx answers for this one only"
                     % settings.host)
    from amijson import rx
    from amijson.request import Request
    seen = {"executable": None, "user": _this_user(), "socket": None, "answer": None}
    executable = rx.find_executable(settings.asterisk, doctor.environ)
    path = rx.console_path(settings)
    if executable is None and not (path is not None and os.path.exists(path)):
        return failed("rx", "rx_unavailable", "no control socket %s and no asterisk executable: %s is not there, or "
                      "not executable for %s" % (path or "(--console off)", settings.asterisk
                                                 or "asterisk on PATH (or in /usr/sbin)", seen["user"]), seen,
                      "--console PATH (AMIJSON_CONSOLE): Asterisk's control socket, asterisk.ctl in its astrundir; "
                      "or --asterisk PATH (AMIJSON_ASTERISK, asterisk = in the config file): this PBX's asterisk "
                      "executable")
    if executable is not None:
        seen["executable"] = _file_facts(executable)
    try:
        answer = rx.run(settings, Request.cli(VERSION_COMMAND), doctor.step(), doctor.environ)
    except AmijsonError as exc:
        socket = seen["socket"] = (exc.details or {}).get("socket")
        via = (exc.answer.server or {}).get("executable") if exc.answer is not None else None
        return failed("rx", exc.code, "%s as %s: %s" % ("%s -rx" % via if via else "the control socket",
                                                        seen["user"], exc.message), seen, _rx_hint(exc, socket))
    first = next((line.strip() for line in answer.output or () if line.strip()), "")
    seen["answer"] = first
    if answer.server and answer.server.get("socket"):
        socket = seen["socket"] = rx.socket_facts(answer.server["socket"])
        return passed("rx", "control socket %s (owner %s, group %s, mode %s) as %s: %s" % (
            socket["path"], socket.get("owner"), socket.get("group"), socket.get("mode"), seen["user"],
            first or "(no output)"), seen)
    facts = seen["executable"]
    return passed("rx", "%s (owner %s, mode %s) -rx as %s: %s" % (
        executable, facts.get("owner"), facts.get("mode"), seen["user"], first or "(no output)"), seen)


CHECKS = (check_settings, check_secret, check_resolve, check_tcp, check_tls, check_ami, check_http, check_login,
          check_classes, check_rx)
NAMES = tuple(check.check_name for check in CHECKS)

# What each route needs to answer (--via auto: AMI's). tls only with --tls.
NEEDS = {
    "ami": ("settings", "secret", "resolve", "tcp", "tls", "ami", "login", "classes"),
    "http": ("settings", "secret", "resolve", "http", "login", "classes"),
    "rx": ("settings", "rx"),
}


def needed(doctor, name):
    settings = doctor.settings
    if name == "tls" and (settings is None or not settings.tls):
        return False
    return name in NEEDS[doctor.route]


# --- the run --------------------------------------------------------------------------------

def _refuse(options, args):
    """Usage errors: what doctor takes no part in."""
    if args:
        raise AmijsonError("usage", "doctor takes no operands (options go before it: amijson --host HOST doctor)")
    if "profiles" in options or "," in options.get("host", ""):
        raise AmijsonError("usage", "doctor examines one PBX: name it with --profile NAME or one --host")
    for key in ("format", "warning", "critical", "output", "records_only", "parallel"):
        value = options.get(key)
        if value is not None and not (key == "format" and value == "json"):
            raise AmijsonError("usage", "--%s is not for doctor: it prints its own document"
                               % ("records" if key == "records_only" else key))


def run_checks(doctor):
    """Every check, in order, as Checks: one that cannot run says why, and a bug in one costs
    that check only."""
    checks = []
    for function in CHECKS:
        name = function.check_name
        if doctor.deadline.remaining() <= 0:
            check = Check(name, None, {}, None, "not run: the run's deadline of %gs (--timeout) passed"
                          % doctor.deadline.seconds, "timeout")
        else:
            try:
                check = function(doctor)
            except NotRun as why:
                check = Check(name, None, {}, None, str(why), why.code)
            except AmijsonError as exc:
                check = failed(name, exc.code, exc.message, {}, "the message says what went wrong")
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # a bug: this check fails, the traceback goes to stderr only
                print_traceback()
                check = failed(name, "internal", "internal error: %s: %s" % (type(exc).__name__, exc), {},
                               "a bug in amijson doctor")
        doctor.results[name] = check
        checks.append(check)
    return checks


def document(doctor, checks, error=None):
    """The doctor's document (``amijson/doctor.schema.json``) and its exit code."""
    shown = [check.to_dict(needed(doctor, check.name)) for check in checks]
    # The first needed check that failed; else the first that could not run (the deadline passed).
    missing = [check for check in checks if needed(doctor, check.name) and check.ok is not True]
    first = next((check for check in missing if check.ok is False), missing[0] if missing else None)
    if error is None and first is not None:
        code = first.code or "internal"
        error = AmijsonError(code, "the %s check %s: %s" % (first.name, "failed" if first.ok is False
                                                            else "did not run", first.summary))
    settings = doctor.settings
    route = None
    if settings is not None:
        route = doctor.route + ("+tls" if settings.tls and doctor.route != "rx" else "")
    return {"ok": error is None, "via": settings.via if settings is not None else None, "route": route,
            "checks": shown, "warnings": doctor.warnings,
            "error": None if error is None else {"code": error.code, "message": error.message}}, \
        0 if error is None else error.exit_code


def run(options, args, environ, stdin, deadline):
    """``amijson doctor``: (the document as a dict, the exit code, the secrets to keep out of
    the output). Never raises."""
    doctor = Doctor(options, environ, stdin, deadline)
    checks = []
    error = None
    try:
        try:
            _refuse(options, args)
            checks = run_checks(doctor)
        except AmijsonError as exc:
            error = exc
        except KeyboardInterrupt:
            error = AmijsonError("interrupted", "interrupted (SIGINT) before the checks finished")
            checks = [doctor.results.get(function.check_name)
                      or Check(function.check_name, None, {}, None, "not run: interrupted") for function in CHECKS]
        finally:
            doctor.close()
        shown, code = document(doctor, checks, error)
    except Exception as exc:  # a bug outside the checks: still one document
        print_traceback()
        error = AmijsonError("internal", "internal error: %s: %s" % (type(exc).__name__, exc))
        shown = {"ok": False, "via": None, "route": None, "checks": [], "warnings": [],
                 "error": {"code": error.code, "message": error.message}}
        code = error.exit_code
    secret = doctor.settings.secret if doctor.settings is not None else None
    return shown, code, [secret]
