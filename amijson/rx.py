"""The ``asterisk -rx`` route: a CLI command through the local control socket.

``asterisk -rx CMD`` runs as a subprocess (an argument list, never a shell).
Its exit code is 0 whatever the command did once it reached the daemon, so
success is read from the text: ``No such command``, usage text and
``Command '...' failed.`` are failures (``amijson.clitext.cli_failure``), and
``Unable to connect to remote asterisk`` (no daemon, no socket, no permission)
is ``rx_unavailable`` with the socket path and who may use it. ANSI colour
codes, which a daemon started with colour sends, are stripped. The child runs
under the run's deadline and is killed when it passes.

The executable: ``--asterisk PATH``, ``AMIJSON_ASTERISK``, ``asterisk =`` in the
config file, else ``asterisk`` on PATH (or in /usr/sbin, where Debian puts it).
"""

import os

from amijson.answer import Answer
from amijson.clitext import cli_failure, output_lines, strip_ansi
from amijson.errors import AmijsonError

SEARCH_EXTRA = ("/usr/sbin", "/usr/local/sbin", "/sbin")
DEFAULT_CTL = "/var/run/asterisk/asterisk.ctl"


def find_executable(configured, environ):
    """The asterisk executable's path, or None when there is none here."""
    name = configured or "asterisk"
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    dirs = environ.get("PATH", os.defpath).split(os.pathsep) + list(SEARCH_EXTRA)
    for folder in dirs:
        path = os.path.join(folder or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def available(settings, environ):
    """Whether this route can run here: an ``asterisk`` executable is there."""
    return find_executable(settings.asterisk, environ) is not None


def decode_lines(raw, fallback, warnings):
    """Decode per line: UTF-8 where valid, else the fallback (named in warnings)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = []
    for number, line in enumerate(raw.split(b"\n")):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode(fallback, "replace"))
            warnings.append("output[%d]: bytes not valid UTF-8, decoded as %s" % (number, fallback))
    return "\n".join(lines)


def control_socket(message):
    """Facts about the control socket ``asterisk -rx`` could not use, from its ``message``
    (``Unable to connect to remote asterisk (does PATH exist?)``): ``path``, ``exists``,
    and where it exists ``owner``, ``group``, ``mode`` (octal text) and ``usable`` (this
    user may read and write it), or ``error`` when it cannot be looked at."""
    path = DEFAULT_CTL
    marker = message.find("(does ")
    if marker >= 0:
        end = message.find(" exist?", marker)
        if end > marker:
            path = message[marker + len("(does "):end]
    facts = {"path": path, "exists": False}
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return facts
    except OSError as exc:
        facts["exists"] = None
        facts["error"] = exc.strerror or str(exc)
        return facts
    try:
        import grp
        import pwd
        owner = pwd.getpwuid(info.st_uid).pw_name
        group = grp.getgrgid(info.st_gid).gr_name
    except (KeyError, ImportError):
        owner, group = str(info.st_uid), str(info.st_gid)
    facts.update(exists=True, owner=owner, group=group, mode="%04o" % (info.st_mode & 0o7777),
                 usable=os.access(path, os.R_OK | os.W_OK))
    return facts


def socket_reason(facts):
    """Why the control socket could not be used, naming it and who may use it."""
    path = facts["path"]
    if facts["exists"] is False:
        return "control socket %s does not exist: is Asterisk running on this host?" % path
    if facts["exists"] is None:
        return "control socket %s cannot be reached: %s" % (path, facts["error"])
    if not facts["usable"]:
        users = socket_users(facts)
        return ("no permission to use control socket %s (owner %s, group %s, mode %o): %s"
                % (path, facts["owner"], facts["group"], int(facts["mode"], 8) & 0o777,
                   "run as " + " or ".join(users) if users else "nobody may"))
    return "control socket %s exists but Asterisk did not answer on it" % path


def socket_users(facts):
    """Who may use the control socket: connecting takes write permission on it."""
    mode = int(facts["mode"], 8)
    return ([facts["owner"]] * bool(mode & 0o200) + ["a member of group %s" % facts["group"]] * bool(mode & 0o020)
            + ["any user"] * bool(mode & 0o002))


SIGKILL = 9  # POSIX; the signal module (and the enum it loads) is not worth importing


def run_process(argv, timeout, reader=None):
    """Run ``argv`` (no shell, stdin from /dev/null) and return
    (exit code, stdout bytes, stderr bytes); TimeoutError after ``timeout``
    seconds, the child killed. posix_spawn and poll instead of ``subprocess``,
    whose imports cost more than asterisk -rx itself takes.

    ``reader``, when given, is called once the child runs (its own set-up
    overlaps the child's start) and returns None or an object whose
    ``feed(data, final)`` gets stdout as it is written (from a pipe), the last
    part with ``final`` true, so that parsing goes on while the child runs."""
    child = Process(argv, piped=reader is not None)
    on_output = None
    if reader is not None:
        try:
            consumer = reader()
        except Exception:  # never leave the child behind for an optional speed-up
            consumer = None
        on_output = consumer.feed if consumer is not None else None
    return child.wait(timeout, on_output)


class Process:
    """A child started with posix_spawn, stdin from /dev/null; ``wait`` gives its
    (exit code, stdout bytes, stderr bytes).

    ``asterisk -rx`` writes its output a line at a time; read from a pipe, a
    5,000-channel answer costs thousands of wake-ups. Where the system has
    memfd_create and nothing reads the output as it comes (``piped`` false),
    stdout goes to an anonymous file read once at the end, and only stderr is a
    pipe, whose end-of-file says the child is done. Such a child never waits for
    its reader either, so several can run at once and be waited for in turn."""

    def __init__(self, argv, piped=False):
        # A reader takes the output from a pipe as it comes: asterisk -rx itself
        # finishes sooner writing to a pipe that is read at once (measured: about
        # 3 ms of 40 at 5,000 lines) than to a file nobody reads until it exits.
        memfd = getattr(os, "memfd_create", None) if not piped else None
        out_file = memfd("amijson-rx") if memfd else None
        if out_file is None:
            out_r, out_w = os.pipe()
        else:
            out_r, out_w = None, out_file
        err_r, err_w = os.pipe()
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2),
                   (os.POSIX_SPAWN_CLOSE, err_r)] + ([(os.POSIX_SPAWN_CLOSE, out_r)] if out_r is not None else [])
        try:
            self.pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
        except BaseException:
            for fd in (out_r, err_r, out_file):  # out_w and err_w: below
                if fd is not None:
                    os.close(fd)
            raise
        finally:
            if out_r is not None:
                os.close(out_w)
            os.close(err_w)
        self.out_r, self.out_file, self.err_r = out_r, out_file, err_r
        self.done = False

    def wait(self, timeout, on_output=None):
        """(exit code, stdout, stderr) once the child exits; TimeoutError after ``timeout``
        seconds, the child killed. ``on_output(data, final)`` gets stdout as it comes
        (a piped child only)."""
        import select
        import time

        pid, out_r, out_file, err_r = self.pid, self.out_r, self.out_file, self.err_r
        pipes = [fd for fd in (out_r, err_r) if fd is not None]
        chunks = {fd: [] for fd in pipes}
        poller = select.poll()
        for fd in pipes:
            poller.register(fd, select.POLLIN)
        open_fds = set(pipes)
        # A pidfd turns readable when the child exits: no polling with sleeps for
        # the gap between its pipes closing and its exit status being there.
        pidfd = _pidfd(pid)
        end = time.monotonic() + timeout

        def expired():
            self.kill()
            return TimeoutError()

        try:
            while open_fds:
                left = end - time.monotonic()
                if left <= 0:
                    raise expired()
                for fd, _event in poller.poll(left * 1000):
                    data = os.read(fd, 262144)
                    if data:
                        chunks[fd].append(data)
                        if fd == out_r and on_output is not None:
                            on_output(data, False)
                    else:
                        poller.unregister(fd)
                        open_fds.discard(fd)
            if pidfd is not None:
                poller.register(pidfd, select.POLLIN)
                left = end - time.monotonic()
                if left <= 0 or not poller.poll(left * 1000):
                    raise expired()
                status = os.waitpid(pid, 0)[1]
            else:
                while True:  # its pipes are closed; the child is exiting, or has
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        break
                    if time.monotonic() >= end:
                        raise expired()
                    time.sleep(0.001)
            self.done = True
            if out_file is not None:
                size = os.lseek(out_file, 0, os.SEEK_END)
                stdout = os.pread(out_file, size, 0)
            else:
                stdout = b"".join(chunks[out_r])
                if on_output is not None:
                    on_output(b"", True)
        finally:
            self._close(pidfd)
        return os.waitstatus_to_exitcode(status), stdout, b"".join(chunks[err_r])

    def kill(self):
        """Kill and reap the child if it was not waited for; close its descriptors."""
        if not self.done:
            self.done = True
            os.kill(self.pid, SIGKILL)
            os.waitpid(self.pid, 0)
        self._close()

    def _close(self, pidfd=None):
        for fd in (self.out_r, self.err_r, self.out_file, pidfd):
            if fd is not None:
                os.close(fd)
        self.out_r = self.err_r = self.out_file = None


def _pidfd(pid):
    """A descriptor that polls readable once ``pid`` exits (Linux 5.3+), or None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def run(settings, request, deadline, environ, reader=None):
    """The Answer to CLI command ``request`` through the local ``asterisk -rx``;
    AmijsonError, carrying the Answer so far (a failed command's output), when it fails."""
    answer = Answer("rx")
    try:
        _run(settings, request, deadline, environ, reader, answer)
    except AmijsonError as exc:
        raise answer.failed(exc)
    return answer


def run_batch(settings, batch, deadline, environ, reader=None):
    """The Answer to a ``Batch`` of CLI commands: one ``asterisk -rx`` each, all started at
    once (there is no session to share), an Answer per command in ``parts``. A command
    Asterisk refused keeps its ``command_failed`` in its part; anything else fails the run."""
    answer = Answer("rx")
    children = []
    try:
        for request in batch.requests:
            if request.command is None:
                raise _not_cli(request)
        executable = _executable(settings, environ)
        for request in batch.requests:
            deadline.left_or_fail("before running asterisk -rx")
            children.append(_start(executable, request, None))
        answer.parts = []
        for request, child in zip(batch.requests, children):
            part = Answer("rx")
            try:
                _outcome(settings, request, executable, _wait(child, deadline, None), part)
            except AmijsonError as exc:
                if exc.code != "command_failed":
                    raise
                part.error = exc
            answer.parts.append(part)
    except AmijsonError as exc:
        raise answer.failed(exc)
    finally:
        for child in children:
            child.kill()  # only those not waited for; the rest just close
    return answer


def _not_cli(request):
    return AmijsonError("usage", "the rx route runs CLI commands only; %s is an AMI action" % request.action)


def _executable(settings, environ):
    executable = find_executable(settings.asterisk, environ)
    if executable is None:
        raise AmijsonError("rx_unavailable", "no asterisk executable found (%s); set --asterisk or "
                           "AMIJSON_ASTERISK" % (settings.asterisk or "asterisk on PATH"))
    return executable


def _start(executable, request, reader):
    try:
        return Process([executable, "-rx", request.command], piped=reader is not None)
    except OSError as exc:
        raise _cannot_run(executable, exc)


def _wait(child, deadline, on_output):
    try:
        return child.wait(deadline.left_or_fail("while asterisk -rx ran"), on_output)
    except TimeoutError:
        raise _timed_out(deadline)


def _cannot_run(executable, exc):
    return AmijsonError("rx_unavailable", "cannot run %s: %s" % (executable, exc.strerror or exc))


def _timed_out(deadline):
    return AmijsonError("timeout", "deadline of %gs passed while asterisk -rx ran" % deadline.seconds)


def _run(settings, request, deadline, environ, reader, answer):
    if request.command is None:
        raise _not_cli(request)
    executable = _executable(settings, environ)
    timeout = deadline.left_or_fail("before running asterisk -rx")
    try:
        result = run_process([executable, "-rx", request.command], timeout, reader)
    except TimeoutError:
        raise _timed_out(deadline)
    except OSError as exc:
        raise _cannot_run(executable, exc)
    _outcome(settings, request, executable, result, answer)


def _outcome(settings, request, executable, result, answer):
    """The answer from asterisk -rx's (exit code, stdout, stderr)."""
    returncode, stdout, stderr = result
    message = stderr.decode("utf-8", "replace").strip()
    if "Unable to connect to remote asterisk" in message or "Unable to connect to remote asterisk" in \
            stdout[:200].decode("utf-8", "replace"):
        facts = control_socket(message)
        error = AmijsonError("rx_unavailable", socket_reason(facts))
        error.details = {"socket": facts}
        raise error
    if returncode != 0:
        raise AmijsonError("rx_unavailable", "%s -rx exited %d: %s" % (executable, returncode,
                                                                       message or "no message"))
    text = strip_ansi(decode_lines(stdout, settings.fallback_encoding, answer.warnings))
    answer.output = output_lines(text)
    failure = cli_failure(answer.output, request.command)
    if failure:
        raise AmijsonError("command_failed", failure)
