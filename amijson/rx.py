"""The rx route: a CLI command through Asterisk's control socket, as ``asterisk -rx`` runs it.

The route speaks the console protocol itself (``amijson.console``): it connects to
``asterisk.ctl``, writes ``cli quit after CMD`` and reads the output until the daemon
closes, dropping the verbose and log lines a remote console is sent, as ``asterisk -rx``
does. No process is started. The socket: ``--console PATH``, ``AMIJSON_CONSOLE``,
``console =`` in the config file, else ``astctl`` (default ``asterisk.ctl``) in
``astrundir`` of ``/etc/asterisk/asterisk.conf``, else ``/var/run/asterisk/asterisk.ctl``.

When the socket cannot be reached (missing, refused, not permitted) or ``--console off``
asks for it, ``asterisk -rx CMD`` runs as a subprocess (an argument list, never a
shell), when there is an executable: ``--asterisk PATH``, ``AMIJSON_ASTERISK``,
``asterisk =`` in the config file, else ``asterisk`` on PATH (or in /usr/sbin, where
Debian puts it). Its exit code is 0 whatever the command did once it reached the
daemon, so success is read from the text on both ways: ``No such command``, usage text
and ``Command '...' failed.`` are failures (``amijson.clitext.cli_failure``), and a
socket that cannot be used is ``rx_unavailable`` with its path, owner, group, mode and
who may use it. ANSI colour codes, which a daemon started with colour sends, are
stripped. Everything runs under the run's deadline; a child still running then is killed.

The answer's ``server``: ``socket`` (the path) or ``executable``, and the daemon's
``banner`` and ``version`` (the socket's greeting; null through the executable).
"""

import os

from amijson.answer import Answer
from amijson.clitext import cli_failure, output_lines, strip_ansi
from amijson.document import FELL_BACK
from amijson.errors import AmijsonError

SEARCH_EXTRA = ("/usr/sbin", "/usr/local/sbin", "/sbin")
DEFAULT_CTL = "/var/run/asterisk/asterisk.ctl"
DEFAULT_RUNDIR, DEFAULT_CTL_NAME = DEFAULT_CTL.rsplit("/", 1)
ASTERISK_CONF = "/etc/asterisk/asterisk.conf"
CONSOLE_OFF = ("off", "none", "no")  # --console off: run the asterisk executable
RECV_BUFFER = 262144
READ_LOWAT = 32768  # bytes a read of the control socket waits for (SO_RCVLOWAT), unless it ends
FEED_SLICE = 16384  # bytes of output parsed at a time, so that the pump thread gets its turn
PUMP_AHEAD = 8 << 20  # bytes the pump thread reads ahead of the parsing at most
PUMP_SWITCH = 0.0005  # seconds the pump waits for the interpreter at most (sys.setswitchinterval)
PUMP_POLL = 100  # microseconds of the first wait for the pump, doubling up to 5 ms


def find_executable(configured, environ, skip=None):
    """The asterisk executable's path, or None when there is none here; on PATH, never
    ``skip`` (a resolved path: amijson's own ``asterisk`` link)."""
    name = configured or "asterisk"
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    dirs = environ.get("PATH", os.defpath).split(os.pathsep) + list(SEARCH_EXTRA)
    for folder in dirs:
        path = os.path.join(folder or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK) and (skip is None or os.path.realpath(path) != skip):
            return path
    return None


def available(settings, environ):
    """Whether this route can run here: a control socket or an ``asterisk`` executable is there."""
    path = console_path(settings)
    return (path is not None and os.path.exists(path)) or find_executable(settings.asterisk, environ) is not None


def console_path(settings):
    """The control socket's path, or None when ``--console off`` asks for the executable."""
    if settings.console:
        return None if settings.console.lower() in CONSOLE_OFF else settings.console
    return default_console(ASTERISK_CONF)


def default_console(conf):
    """``astctl`` in ``astrundir`` as asterisk.conf ``conf`` sets them (main/options.c), else the defaults."""
    found = {}
    try:
        from amijson.files import MAX_CONFIG_BYTES, read_regular
        text = read_regular(conf, MAX_CONFIG_BYTES).decode("utf-8", "replace")
    except OSError:
        text = ""
    section = None
    for line in text.splitlines():
        line = line.split(";", 1)[0].strip()
        if line.startswith("["):
            # [directories](!), as Debian ships it, is a template Asterisk still reads
            section = line[1:line.find("]")].strip().lower() if "]" in line else None
        elif section in ("directories", "files") and "=" in line:
            key, _, value = line.partition("=")
            key, value = key.strip().lower(), value.lstrip(">").strip()
            if (section, key) in (("directories", "astrundir"), ("files", "astctl")) and value:
                found[key] = value  # the last one wins, as Asterisk reads them
    return found.get("astrundir", DEFAULT_RUNDIR) + "/" + found.get("astctl", DEFAULT_CTL_NAME)


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
            warnings.append("output[%d]%s%s" % (number, FELL_BACK, fallback))
    return "\n".join(lines)


def control_socket(message):
    """Facts about the control socket ``asterisk -rx`` could not use, from its ``message``
    (``Unable to connect to remote asterisk (does PATH exist?)``): see ``socket_facts``."""
    path = DEFAULT_CTL
    marker = message.find("(does ")
    if marker >= 0:
        end = message.find(" exist?", marker)
        if end > marker:
            path = message[marker + len("(does "):end]
    return socket_facts(path)


def socket_facts(path):
    """Facts about control socket ``path``: ``path``, ``exists``, and where it exists
    ``owner``, ``group``, ``mode`` (octal text) and ``usable`` (this user may read and
    write it), or ``error`` when it cannot be looked at."""
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


# --- the control socket -------------------------------------------------------------------

class ConsoleConnection:
    """One connection to the control socket, one command on it. ``open`` connects and
    writes the command (the daemon reads it once it has sent its banner); ``read`` relays
    the output to ``on_output(data, final)`` as it comes and returns it whole."""

    def __init__(self, path, deadline):
        self.path = path
        self.deadline = deadline
        self.sock = None
        self.reader = None
        self.send_error = None  # the OSError the command's write met, if any
        self.share = None  # in a fleet, this PBX's draw on the run's one budget (amijson.budget)

    def open(self, command):
        """Connect and send ``command``; ``Unreachable`` when the socket cannot be used."""
        if not os.path.exists(self.path):  # the executable answers then: no socket module to load
            import errno
            raise Unreachable(self.path, FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), self.path))
        import _socket

        from amijson.console import ConsoleReader, command_bytes
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            sock.settimeout(self.deadline.left_or_fail("before connecting to the control socket %s" % self.path))
            sock.connect(self.path)
        except _socket.timeout:
            sock.close()
            raise self._timed_out("connecting to")
        except OSError as exc:
            sock.close()
            raise Unreachable(self.path, exc)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.reader = ConsoleReader()
        try:
            sock.sendall(command_bytes(command))
        except _socket.timeout:
            self.close()
            raise self._timed_out("writing to")
        except OSError as exc:  # it hung up: what it said first (a refusal) is still there to read
            self.send_error = exc

    def read(self, max_bytes, on_output=None, share=None):
        """The command's output (bytes) once the daemon closes the connection;
        ``on_output(data, final)`` (a parser) gets it as it comes."""
        from amijson.console import ConsoleError
        self.share = share
        try:
            if on_output is not None:
                return self._read_pumped(max_bytes, on_output)
            return self._read(max_bytes)
        except ConsoleError as exc:
            raise _not_a_console(self.path, exc)
        except OSError as exc:
            raise self._failed(exc)

    def _read(self, max_bytes):
        import _socket
        import time
        sock, reader = self.sock, self.reader
        buffer = bytearray(RECV_BUFFER)  # one buffer for every read: a fresh 256 KiB each time costs
        view = memoryview(buffer)
        output = _Output(self, max_bytes, None)
        end = self.deadline.end
        armed = None
        monotonic = time.monotonic
        recv_into = sock.recv_into
        set_timeout = _read_timeout(sock)
        try:
            while True:
                left = end - monotonic()
                if left <= 0:
                    raise self._timed_out("reading")
                if armed is None or left < armed:  # a read never waits past the deadline
                    armed = min(left, 1.0)
                    set_timeout(armed)
                try:
                    count = recv_into(buffer)
                except (_socket.timeout, BlockingIOError):
                    continue  # the deadline, checked above, says whether to wait on
                except ConnectionResetError:  # closed with our command unread: an end all the same
                    count = 0
                if not count:
                    break
                output.take(view[:count].tobytes())
            reader.finish()
            self._check_sent()
        finally:
            self.close()
        return output.whole()

    def _read_pumped(self, max_bytes, on_output):
        """Read in a thread of its own while this one parses. The daemon's queue to a
        console holds some 200 lines, then it waits for the reader: parsing between
        reads in one thread holds the daemon up, as ``asterisk -rx`` (a C loop that
        drains the socket into a 64 KiB pipe) does not."""
        import _thread
        import sys
        import time
        sock, reader = self.sock, self.reader
        queue = []  # what the pump read and this thread has not taken, in order
        state = _PumpState()
        sock.settimeout(None)
        _lowat(sock)
        _thread.start_new_thread(_pump, (sock, queue, state))
        interval = sys.getswitchinterval()
        if interval > PUMP_SWITCH:  # not while another read (a fleet's thread) has it lowered
            sys.setswitchinterval(PUMP_SWITCH)  # the pump waits for the interpreter at most this long
        output = _Output(self, max_bytes, on_output)
        end = self.deadline.end
        monotonic, sleep = time.monotonic, time.sleep
        idle = 0
        try:
            while True:
                if monotonic() >= end:
                    raise self._timed_out("reading")
                if queue:
                    count = len(queue)
                    pieces = queue[:count]
                    del queue[:count]
                    data = b"".join(pieces) if count > 1 else pieces[0]
                    state.taken += len(data)
                    output.take(data)
                    idle = 0
                elif output.unfed:
                    output.feed_slice()
                elif state.done:
                    if queue:
                        continue
                    break
                else:
                    sleep(min(PUMP_POLL << idle, 5000) / 1e6)  # microseconds, doubling while nothing comes
                    idle += 1
            if state.error is not None and not isinstance(state.error, ConnectionResetError):
                raise state.error
            reader.finish()
            self._check_sent()
        finally:
            if interval > PUMP_SWITCH:
                sys.setswitchinterval(interval)
            state.stop = True
            self._stop_pump(state)
        output.flush()
        return output.whole()

    def _stop_pump(self, state):
        """Wake the pump (shutdown ends its read) and close the socket once it is out of it."""
        import time
        if not state.done:
            try:
                self.sock.shutdown(2)  # SHUT_RDWR
            except OSError:
                pass
            until = time.monotonic() + 0.2
            while not state.done and time.monotonic() < until:
                time.sleep(0.0005)
            if not state.done:
                self.sock = None  # still in a read: leave the descriptor to the exit, never reuse it
                return
        self.close()

    def _check_sent(self):
        if self.send_error is not None:
            raise AmijsonError("rx_unavailable", "the control socket %s closed the connection before taking "
                               "the command: %s" % (self.path, self.send_error.strerror or self.send_error))

    def _failed(self, exc):
        return AmijsonError("rx_unavailable", "the control socket %s failed while reading: %s"
                            % (self.path, exc.strerror or exc))

    def server(self):
        banner = self.reader.banner if self.reader is not None else None
        return {"socket": self.path, "executable": None, "banner": banner.line if banner else None,
                "version": banner.version if banner else None}

    def _timed_out(self, what):
        return AmijsonError("timeout", "deadline of %gs passed %s the control socket %s"
                            % (self.deadline.seconds, what, self.path))

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class _Output:
    """The output as it comes: verbose lines dropped (``ConsoleReader``), kept whole for the
    document, counted against ``max_bytes``, and handed to ``on_output`` (a parser) in
    slices of at most FEED_SLICE bytes, one slice per call of ``feed_slice``."""

    __slots__ = ("connection", "max_bytes", "on_output", "chunks", "size", "unfed", "feed")

    def __init__(self, connection, max_bytes, on_output):
        self.connection = connection
        self.max_bytes = max_bytes
        self.on_output = on_output
        self.chunks = []
        self.size = 0
        self.unfed = []
        self.feed = connection.reader.feed

    def take(self, raw):
        data = self.feed(raw)
        if data:
            self.chunks.append(data)
            self.size += len(data)
            if self.size > self.max_bytes:
                raise AmijsonError("protocol", "the control socket %s sent more than %d MiB; --max-size raises "
                                   "the limit" % (self.connection.path, self.max_bytes >> 20))
            if self.connection.share is not None:
                self.connection.share.take(len(data), "reading the control socket %s" % self.connection.path)
            if self.on_output is not None:
                self.unfed.append(data)

    def feed_slice(self):
        unfed = self.unfed
        data = b"".join(unfed) if len(unfed) > 1 else unfed[0]
        cut = FEED_SLICE if len(data) < 8 * FEED_SLICE else len(data)  # far behind: all at once
        self.unfed = [data[cut:]] if cut < len(data) else []
        self.on_output(data[:cut], False)

    def flush(self):
        if self.on_output is not None:
            if self.unfed:
                self.on_output(b"".join(self.unfed), False)
                self.unfed = []
            self.on_output(b"", True)

    def whole(self):
        return b"".join(self.chunks)


class _PumpState:
    """What the pump thread and the parsing thread share: bytes the pump read and the
    parser took, whether the pump is out (``done``) and why (``error``), and the parsing
    thread's word to stop. Each field has one writer."""

    __slots__ = ("read", "taken", "done", "error", "stop")

    def __init__(self):
        self.read = self.taken = 0
        self.done = self.stop = False
        self.error = None


def _pump(sock, queue, state):
    """The pump thread: read ``sock`` into ``queue`` until the end, ``state.stop`` or an
    error (``state.error``); ``state.done`` once out. It stays at most PUMP_AHEAD bytes
    ahead of what the parsing thread took (``state.taken``)."""
    import time
    buffer = bytearray(RECV_BUFFER)
    view = memoryview(buffer)
    try:
        while not state.stop:
            if state.read - state.taken > PUMP_AHEAD:
                time.sleep(0.001)
                continue
            count = sock.recv_into(buffer)
            if not count:
                break
            queue.append(view[:count].tobytes())
            state.read += count
    except BaseException as exc:  # never a traceback from a thread: the reading thread reports it
        state.error = exc if isinstance(exc, OSError) else OSError(str(exc))
    finally:
        state.done = True


def _lowat(sock):
    """A read returns once READ_LOWAT bytes have come (or the end): fewer wake-ups."""
    import _socket
    try:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVLOWAT, READ_LOWAT)
    except (AttributeError, OSError):
        pass


def _read_timeout(sock):
    """A function that bounds each read on ``sock`` to so many seconds.

    The daemon writes a long listing about a line per write; a reader woken for each
    one spends more on wake-ups than on the text. Where the system has them, the
    socket becomes blocking with SO_RCVLOWAT: a read returns once READ_LOWAT bytes
    have come, the end, or its SO_RCVTIMEO; the kernel copies what arrives meanwhile,
    so the daemon never waits for us. Elsewhere, a plain timeout for each read."""
    import _socket
    try:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVLOWAT, READ_LOWAT)
        option = _socket.SO_RCVTIMEO
    except (AttributeError, OSError):
        return sock.settimeout
    import struct
    sock.settimeout(None)

    def set_timeout(seconds):
        whole = int(seconds)
        sock.setsockopt(_socket.SOL_SOCKET, option, struct.pack("ll", whole, max(1, int((seconds - whole) * 1e6))))
    return set_timeout


class Unreachable(Exception):
    """The control socket could not be connected to (``error``: the OSError)."""

    def __init__(self, path, error):
        super().__init__(path)
        self.path = path
        self.error = error

    def amijson_error(self):
        """The rx_unavailable error naming the socket and, where it exists, who may use it."""
        import errno
        facts = socket_facts(self.path)
        if facts["exists"] and self.error.errno == errno.ECONNREFUSED:
            reason = ("control socket %s exists but no Asterisk listens on it: is Asterisk running on this "
                      "host?" % self.path)
        elif facts["exists"] and self.error.errno not in (errno.EACCES, errno.EPERM):
            reason = "cannot connect to control socket %s: %s" % (self.path, self.error.strerror or self.error)
        else:
            reason = socket_reason(facts)
            if facts["exists"] and facts.get("usable") and self.error.errno in (errno.EACCES, errno.EPERM):
                reason = "no permission to use control socket %s: %s" % (self.path, self.error.strerror)
        error = AmijsonError("rx_unavailable", reason)
        error.details = {"socket": facts}
        return error


# The daemon's words when it takes no more consoles (netconsole's listener, main/asterisk.c)
REFUSALS = ("No more connections allowed", "Server failed to create pipe", "Server failed to spawn thread")


def _not_a_console(path, exc):
    if exc.text is not None and exc.text.strip() in REFUSALS:
        return AmijsonError("rx_unavailable", "Asterisk refused the console connection on %s: %s"
                            % (path, exc.text.strip()))
    said = "" if exc.text is None else ": %s" % _shown_text(exc.text)
    return AmijsonError("protocol", "control socket %s: %s%s" % (path, exc, said))


def _shown_text(text):
    from amijson.inputs import shown
    return shown(text[:120])


# --- the route ------------------------------------------------------------------------------

def run(settings, request, deadline, environ, reader=None):
    """The Answer to CLI command ``request`` through the control socket, else the local
    ``asterisk -rx``; AmijsonError, carrying the Answer so far (a failed command's output),
    when it fails."""
    answer = Answer("rx")
    try:
        _run(settings, request, deadline, environ, reader, answer)
    except AmijsonError as exc:
        raise answer.failed(exc)
    return answer


def run_batch(settings, batch, deadline, environ, reader=None):
    """The Answer to a ``Batch`` of CLI commands, an Answer per command in ``parts``: one
    console connection each, all commands sent before any output is read (the daemon runs
    each in a thread of its own), or, without the socket, one ``asterisk -rx`` each, all
    started at once. A command Asterisk refused keeps its ``command_failed`` in its part;
    anything else fails the run."""
    answer = Answer("rx")
    children = []
    try:
        for request in batch.requests:
            if request.command is None:
                raise _not_cli(request)
        path = console_path(settings)
        unreachable = None
        if path is not None:
            try:
                for request in batch.requests:
                    connection = ConsoleConnection(path, deadline)
                    connection.open(request.command)
                    children.append(connection)
            except Unreachable as exc:
                for connection in children:
                    connection.close()
                children, unreachable = [], exc
        if path is not None and unreachable is None:
            answer.parts = []
            for request, connection in zip(batch.requests, children):
                part = Answer("rx")
                raw = connection.read(settings.max_size << 20, share=settings.budget)
                part.server = answer.server = connection.server()
                _take_part(settings, request, raw, part)
                answer.parts.append(part)
            return answer
        executable = _executable(settings, environ, unreachable)
        answer.server = _executable_server(executable)
        for request in batch.requests:
            deadline.left_or_fail("before running asterisk -rx")
            children.append(_start(executable, request, None))
        answer.parts = []
        for request, child in zip(batch.requests, children):
            part = Answer("rx", answer.server)
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
            if isinstance(child, ConsoleConnection):
                child.close()
            else:
                child.kill()  # only those not waited for; the rest just close
    return answer


def _take_part(settings, request, raw, part):
    try:
        _take_output(settings, request, raw, part)
    except AmijsonError as exc:
        if exc.code != "command_failed":
            raise
        part.error = exc


def _not_cli(request):
    from amijson.routes import ROUTES
    return AmijsonError("usage", "the rx route runs CLI commands only; %s is an AMI action: %s run it"
                        % (request.action, " or ".join("--via " + route.name for route in ROUTES if route.runs_actions)))


def _executable(settings, environ, unreachable=None):
    executable = find_executable(settings.asterisk, environ)
    if executable is None:
        if unreachable is not None:  # the socket's own failure says more than the missing executable
            error = unreachable.amijson_error()
            error.message += " (and no asterisk executable to run instead: %s)" % (
                settings.asterisk or "asterisk on PATH")
            raise error
        raise AmijsonError("rx_unavailable", "no asterisk executable found (%s); set --asterisk or "
                           "AMIJSON_ASTERISK" % (settings.asterisk or "asterisk on PATH"))
    return executable


def _executable_server(executable):
    return {"socket": None, "executable": executable, "banner": None, "version": None}


def _start(executable, request, reader):
    try:
        from amijson.childprocess import Process  # only where the executable runs
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
    path = console_path(settings)
    unreachable = None
    if path is not None:
        connection = ConsoleConnection(path, deadline)
        try:
            connection.open(request.command)
        except Unreachable as exc:
            unreachable = exc
        else:
            try:
                raw = connection.read(settings.max_size << 20, _consumer(reader), settings.budget)
            finally:
                answer.server = connection.server()
            _take_output(settings, request, raw, answer)
            return
    executable = _executable(settings, environ, unreachable)
    answer.server = _executable_server(executable)
    timeout = deadline.left_or_fail("before running asterisk -rx")
    try:
        from amijson.childprocess import run_process  # only where the executable runs
        result = run_process([executable, "-rx", request.command], timeout, reader)
    except TimeoutError:
        raise _timed_out(deadline)
    except OSError as exc:
        raise _cannot_run(executable, exc)
    _outcome(settings, request, executable, result, answer)


def _consumer(reader):
    """``reader()``'s ``feed``, or None: an optional speed-up never fails the run."""
    if reader is None:
        return None
    try:
        consumer = reader()
    except Exception:
        return None
    return consumer.feed if consumer is not None else None


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
    _take_output(settings, request, stdout, answer)


def _take_output(settings, request, raw, answer):
    """The output lines of a command, and command_failed when they say it failed."""
    text = strip_ansi(decode_lines(raw, settings.fallback_encoding, answer.warnings))
    answer.output = output_lines(text)
    failure = cli_failure(answer.output, request.command)
    if failure:
        raise AmijsonError("command_failed", failure)
