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

from amijson.doctor_access import check_allowlist, check_classes, check_login, check_rx
from amijson.doctor_network import (check_ami, check_http, check_resolve, check_secret, check_settings, check_tcp,
                                    check_tls)
from amijson.doctor_state import Check, Doctor, NotRun, failed
from amijson.errors import AmijsonError, print_traceback

CHECKS = (check_settings, check_secret, check_resolve, check_tcp, check_tls, check_ami, check_http, check_login,
          check_classes, check_allowlist, check_rx)
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
