"""A child process without ``subprocess``: the rx route's ``asterisk -rx`` when the control
socket cannot be used (or ``--console off``).

posix_spawn, pipes (or an anonymous file) and poll: ``subprocess`` costs more to import than
``asterisk -rx`` takes to run. Loaded only when a run starts the executable; the console
socket's runs never need it.
"""

import os

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
