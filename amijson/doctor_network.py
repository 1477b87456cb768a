"""``amijson doctor``'s checks from the settings to the manager's door: the settings and the
secret, the host's name, TCP, TLS and its certificate, the AMI banner, AMI over HTTP."""

import time

from amijson.doctor_state import (NotRun, address, asterisk_release, check_named, failed, file_facts, passed,
                                  secret_file_of, source_words)
from amijson.errors import AmijsonError

SNIFF_SECONDS = 1.0  # how long a port is listened to for a plain-text greeting
RENEW_DAYS = 30  # a certificate that expires sooner gets a hint

# --- the checks, in order ----------------------------------------------------------------

@check_named("settings")
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


@check_named("secret")
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
    path = secret_file_of(doctor)
    hint = None
    words = "secret for user %s from %s" % (settings.user, source_words(doctor))
    if path:
        facts = seen["file"] = file_facts(path)
        if "mode" in facts:
            words += " (owner %s, group %s, mode %s)" % (facts["owner"], facts["group"], facts["mode"])
            if int(facts["mode"], 8) & 0o077:
                hint = "chmod 600 %s: group or others can read the secret" % path
                words += ": readable by group or others"
    return passed("secret", words, seen, hint)


@check_named("resolve")
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


@check_named("tcp")
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
        seen["address"] = address(sock.getpeername())
        seen["local_address"] = address(sock.getsockname())
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


@check_named("tls")
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

@check_named("ami")
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


@check_named("http")
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
