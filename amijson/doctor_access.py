"""``amijson doctor``'s checks behind the door: the login, what the user's classes allow, and
the local ``asterisk -rx`` route."""

import os

from amijson.doctor_state import (NotRun, check_named, failed, file_facts, manager_conf_path, on_deadline, passed,
                                  source_words, this_user)
from amijson.errors import AmijsonError

VERSION_COMMAND = "core show version"  # what the rx check asks asterisk -rx

# --- the login, and what the user may do ----------------------------------------------------

def _manager_conf_view(doctor):
    """What this machine's manager.conf says of the user, when it is the PBX and the file can
    be read: the section exists, and whether its secret equals the one used (never shown)."""
    if not doctor.is_this_machine():
        return None
    from amijson.configfile import ConfigFileError, read_sections
    path = manager_conf_path(doctor)
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
              % (user, source_words(doctor), user, user, local or "this machine's address"))
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


@check_named("login")
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
    on_deadline(session, doctor.step())
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
    from amijson import manageruser
    request = Request.cli(manageruser.command(doctor.settings.user))
    on_deadline(session, doctor.step())
    answer = Answer("ami")
    try:
        fill(answer, request, session.call(request.action, request.headers), doctor.settings.fallback_encoding)
    except AmijsonError:
        return None
    return manageruser.parse(answer.output)


@check_named("classes")
def check_classes(doctor):
    doctor.need("login")
    settings = doctor.settings
    session = doctor.session
    seen = {"actions": None, "action_classes": None, "command": None, "originate": None, "manager_user": None,
            "event_classes": None}
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
        # Asterisk sends a session only the events of its read classes: they are the events it gets.
        seen["event_classes"] = seen["manager_user"]["read"]
        classes = "write = %s, read (the event classes it gets) = %s (manager show user)" % (
            ",".join(seen["manager_user"]["write"]), ",".join(seen["event_classes"]) or "none")
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


# --- what the profile's allow-list leaves out of what the user may do --------------------------

def _beyond(allow, classes):
    """What the AMI user may do (the classes check's ``seen``) that the allow-list forbids, in words."""
    found = []
    if classes.get("command") and not any(pattern.words == [] and pattern.open_end for pattern in allow.commands):
        found.append("this user may run any CLI command (command class); the profile allows %s"
                     % ("only " + ", ".join(pattern.text for pattern in allow.commands) if allow.commands
                        else "none but its queries' own"))
    if classes.get("originate") and "originate" not in allow.actions:
        found.append("this user may originate calls into any context (originate class); the profile forbids it")
    elif classes.get("originate"):
        pins = ["%s %s=%s" % pin for pin in allow.pins.values() if pin[0].lower() == "originate"]
        found.append("this user may originate calls into any context (originate class); the profile allows "
                     "Originate %s" % ("pinned to " + ", ".join(pins) if pins else "with any headers: pin its "
                                       "Context and Channel"))
    write = (classes.get("manager_user") or {}).get("write") or []
    if "system" in write and "system" not in [action for action in allow.actions]:
        found.append("this user has the system write class (restart, shut down, reload); the profile's actions "
                     "are %s" % (", ".join(allow.actions) or "none"))
    return found


@check_named("allowlist")
def check_allowlist(doctor):
    doctor.need("settings")
    allow = doctor.settings.allow
    if allow is None:
        raise NotRun("not run: the profile has no allow-list, so amijson asks whatever the AMI user's classes allow "
                     "(docs/allowlist.md)")
    seen = {"profile": allow.profile, "queries": allow.queries, "actions": allow.actions,
            "commands": [pattern.text for pattern in allow.commands], "events": allow.events,
            "pins": ["%s %s=%s" % pin for pin in allow.pins.values()],
            "forbidden": ["%s %s" % pair for pair in allow.forbidden.values()], "beyond": None}
    classes = doctor.results.get("classes")
    if classes is not None and classes.ok is True:
        seen["beyond"] = _beyond(allow, classes.seen)
    words = "profile [%s] allows queries: %s; actions: %s; CLI commands: %s; events: %s" % (
        allow.profile, ", ".join(allow.queries) or "none", ", ".join(allow.actions) or "none",
        ", ".join(seen["commands"]) or "none", "yes" if allow.events else "no")
    if seen["beyond"]:
        words += "; " + "; ".join(seen["beyond"])
    return passed("allowlist", words, seen)


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


@check_named("rx")
def check_rx(doctor):
    doctor.need("settings")
    settings = doctor.settings
    if doctor.route != "rx" and not doctor.is_this_machine():
        raise NotRun("not run: %s is another machine, and asterisk -rx answers for this one only"
                     % settings.host)
    from amijson import rx
    from amijson.request import Request
    seen = {"executable": None, "user": this_user(), "socket": None, "answer": None}
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
        seen["executable"] = file_facts(executable)
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
