"""An event storm on the sandbox Asterisk, read by amijson and its baselines at once.

Used by ``scripts/bench --events`` (which holds the sandbox and brings it up); run alone
it needs the sandbox's settings in the environment (``scripts/asterisk-sandbox env``).

Each round starts the readers (``amijson --format ndjson events``, bench/events_python.py,
bench/events_fsockopen.php) and opens a raw AMI socket of its own, the reference: it only
counts events as their bytes arrive, and stamps them. Then one AMI connection sends
``calls`` Originate actions in one write (Async, into the sandbox's ``wait`` extension),
waits for their channels, and hangs them all up with one command: Asterisk sends some
twelve thousand events in about a second. For each reader the round records the events
it wrote (none may be missing), the CPU it used over the storm (the sum of its threads'
/proc schedstat run time, which counts nanoseconds: CPU per event), when each line
arrived against when the reference saw the same event (the lag behind Asterisk, at the
storm's start and end: does it grow) and its peak memory (VmHWM).

Then, at a light load (one call at a time), the delay from the reference seeing an event
to each reader's line arriving; and a reader that sleeps: amijson with ``--buffer 1``
writing to a pipe nobody reads, over every storm of the run, its peak resident memory
(VmHWM) after the first storm and after the last, and what it dropped.
"""

import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
PYTHON = os.path.join(REPO, ".venv", "bin", "python")
AMIJSON = os.path.join(REPO, ".venv", "bin", "amijson")
MARK = b"\r\n\r\nEvent: "  # an event starts after the blank line ending the message before it


def readers():
    """name -> argv of each reader measured in the storm. AMIJSON_BENCH_ALSO=LABEL=PATH adds
    another amijson (say, an earlier commit's, installed elsewhere) to compare."""
    table = {
        "amijson --format ndjson events": [AMIJSON, "--format", "ndjson", "events"],
        "python bare reader": [PYTHON, os.path.join(BENCH, "events_python.py")],
        "php fsockopen loop": ["php", os.path.join(BENCH, "events_fsockopen.php")],
    }
    label, _, path = os.environ.get("AMIJSON_BENCH_ALSO", "").partition("=")
    if path:
        table[label] = [path, "--format", "ndjson", "events"]
    return table


def ami_login(env, events):
    sock = socket.create_connection((env["AMIJSON_HOST"], int(env["AMIJSON_PORT"])), timeout=30)
    sock.sendall(("Action: Login\r\nUsername: %s\r\nSecret: %s\r\nEvents: %s\r\nActionID: login\r\n\r\n"
                  % (env["AMIJSON_USER"], env["AMIJSON_SECRET"], events)).encode())
    return sock


def ami_command(sock, command, action_id):
    """The output of a CLI command through the Command action on ``sock`` (events off)."""
    sock.sendall(("Action: Command\r\nCommand: %s\r\nActionID: %s\r\n\r\n" % (command, action_id)).encode())
    data = b""
    marker = ("ActionID: %s\r\n" % action_id).encode()
    while True:
        start = data.find(marker)
        if start >= 0:
            end = data.find(b"\r\n\r\n", start)
            if end >= 0:
                return data[data.rfind(b"\r\n\r\n", 0, start) + 4:end].decode("utf-8", "replace")
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("bench: Asterisk closed the control connection")
        data += chunk


def channel_count(sock, tag=[0]):
    tag[0] += 1
    text = ami_command(sock, "core show channels count", "count%d" % tag[0])
    for line in text.splitlines():
        if "active channel" in line:
            return int(line.split(":")[-1].split()[0])
    raise SystemExit("bench: no channel count in %r" % text)


def wait_channels(sock, want, seconds=60):
    end = time.monotonic() + seconds
    while True:
        count = channel_count(sock)
        if count == want:
            return
        if time.monotonic() > end:
            raise SystemExit("bench: %d channels, not %d" % (count, want))
        time.sleep(0.05)


def storm(env, calls):
    """Originate ``calls`` calls in one write, wait for them, hang them all up at once."""
    sock = ami_login(env, "off")
    context = env.get("AMIJSON_SANDBOX_CONTEXT", "amijson-test")
    sock.sendall(b"".join(("Action: Originate\r\nChannel: Local/wait@%s\r\nApplication: Wait\r\nData: 36000\r\n"
                           "Async: true\r\nActionID: o%d\r\n\r\n" % (context, i)).encode() for i in range(calls)))
    wait_channels(sock, 2 * calls)
    ami_command(sock, "channel request hangup all", "hangup")
    wait_channels(sock, 0)
    sock.sendall(b"Action: Logoff\r\nActionID: bye\r\n\r\n")
    sock.close()


def light_load(env, calls):
    """One call at a time, up and down, a pause between."""
    sock = ami_login(env, "off")
    context = env.get("AMIJSON_SANDBOX_CONTEXT", "amijson-test")
    for i in range(calls):
        sock.sendall(("Action: Originate\r\nChannel: Local/wait@%s\r\nApplication: Wait\r\nData: 36000\r\n"
                      "Async: true\r\nActionID: l%d\r\n\r\n" % (context, i)).encode())
        wait_channels(sock, 2)
        time.sleep(0.1)
        ami_command(sock, "channel request hangup all", "hangup%d" % i)
        wait_channels(sock, 0)
        time.sleep(0.1)
    sock.close()


def cpu_ns(pid):
    """CPU time of every thread of ``pid`` so far, in nanoseconds (schedstat's first field)."""
    total = 0
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0
    for task in tasks:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as handle:
                total += int(handle.read().split()[0])
        except (OSError, ValueError):
            pass  # a thread that just ended
    return total


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Watcher:
    """Reads every reader's stdout and the reference socket, stamping what arrives."""

    def __init__(self, procs, reference):
        self.selector = selectors.DefaultSelector()
        self.arrivals = {}  # name -> [monotonic time of each line / reference event]
        self.tails = {}
        self.stop = False
        for name, proc in procs.items():
            os.set_blocking(proc.stdout.fileno(), False)
            self.selector.register(proc.stdout.fileno(), selectors.EVENT_READ, name)
            self.arrivals[name] = []
            self.tails[name] = b""
        reference.setblocking(False)
        self.selector.register(reference, selectors.EVENT_READ, "reference")
        self.arrivals["reference"] = []
        self.tails["reference"] = b""
        self.reference = reference
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop:
            for key, _ in self.selector.select(0.1):
                now = time.monotonic()
                name = key.data
                try:
                    chunk = key.fileobj.recv(1 << 20) if name == "reference" else os.read(key.fd, 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    self.selector.unregister(key.fileobj)
                    continue
                if name == "reference":
                    data = self.tails[name] + chunk
                    found = data.count(MARK)
                    self.tails[name] = data[-(len(MARK) - 1):]
                else:
                    found = chunk.count(b"\n")
                self.arrivals[name].extend([now] * found)

    def counts(self):
        return {name: len(times) for name, times in self.arrivals.items()}

    def close(self):
        self.stop = True
        self.thread.join()


def start_readers(env, extra=()):
    procs = {}
    for name, argv in list(readers().items()) + list(extra):
        errors = tempfile.TemporaryFile()
        procs[name] = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, env=env)
        procs[name].errors = errors  # what it said, should it fail
    return procs


def logged_in(env, sessions, seconds=20):
    """Wait until Asterisk lists ``sessions`` manager sessions."""
    sock = ami_login(env, "off")
    end = time.monotonic() + seconds
    try:
        while True:
            text = ami_command(sock, "manager show connected", "who")
            connected = sum(1 for line in text.splitlines()
                            if env["AMIJSON_USER"] in line.replace("Output:", "").split()[:1])
            if connected >= sessions + 1:  # this one too
                return
            if time.monotonic() > end:
                raise SystemExit("bench: only %d manager sessions came up" % connected)
            time.sleep(0.1)
    finally:
        sock.close()


def settle(watcher, names, seconds=5.0):
    """Wait until every reader has written as many events as the reference saw, or
    nothing moved for ``seconds``."""
    last, quiet_since = None, time.monotonic()
    while True:
        counts = watcher.counts()
        if all(counts[name] >= counts["reference"] for name in names) and counts["reference"]:
            time.sleep(0.3)  # anything still on its way (it would be extra)
            return
        if counts != last:
            last, quiet_since = counts, time.monotonic()
        elif time.monotonic() - quiet_since > seconds:
            return
        time.sleep(0.05)


def stop(procs):
    """SIGTERM each reader; (exit code, peak resident KiB, user+sys CPU seconds) by name. The
    peak is VmHWM, read before the end: a child's ru_maxrss also counts the harness's own
    memory, which the child had between fork and exec."""
    out = {}
    peaks = {}
    for name, proc in procs.items():
        try:
            peaks[name] = peak_rss_kib(proc.pid)
        except OSError:
            peaks[name] = 0
    for name, proc in procs.items():
        os.kill(proc.pid, signal.SIGTERM)  # not Popen.send_signal: it would reap an early exit, rusage and all
    for name, proc in procs.items():
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out[name] = (proc.returncode, peaks[name], usage.ru_utime + usage.ru_stime)
    return out


def measure(env, calls, runs, log=lambda text: None):
    names = list(readers())
    results = {name: {"cpu_us": [], "missing": [], "lag_first_ms": [], "lag_last_ms": [], "lag_max_ms": [],
                      "rss_mb": [], "delay_ms": [], "failures": []} for name in names}
    events = []
    storm_seconds = []
    sleeper_argv = [AMIJSON, "--format", "ndjson", "--buffer", "1", "events"]
    read_end, write_end = os.pipe()  # the sleeping reader's stdout: nobody reads it until the end
    sleeper = subprocess.Popen(sleeper_argv, stdout=write_end, stderr=subprocess.DEVNULL, env=env)
    os.close(write_end)
    sleeper_peaks = []
    try:
        for round_number in range(runs + 1):  # round 0 warms up (and is the sleeper's first storm)
            procs = start_readers(env)
            reference = ami_login(env, "on")
            watcher = Watcher(procs, reference)
            try:
                logged_in(env, len(procs) + 2)  # the readers, the reference and the sleeper
                time.sleep(0.5)
                before = watcher.counts()
                cpu_before = {name: cpu_ns(proc.pid) for name, proc in procs.items()}
                storm(env, calls)
                settle(watcher, names)
                cpu_after = {name: cpu_ns(proc.pid) for name, proc in procs.items()}
                after = watcher.counts()
                seen = after["reference"] - before["reference"]
                ref_times = watcher.arrivals["reference"]
                storm_seconds.append(ref_times[-1] - ref_times[before["reference"]])
                log("round %d: %d events in %.2f s" % (round_number, seen, storm_seconds[-1]))
                if round_number:
                    events.append(seen)
                for name in names:
                    got = after[name] - before[name]
                    if not round_number:
                        continue
                    result = results[name]
                    result["missing"].append(seen - got)
                    result["cpu_us"].append((cpu_after[name] - cpu_before[name]) / 1000 / max(got, 1))
                    n = min(seen, got)
                    if not n:
                        continue
                    tenth = max(n // 10, 1)
                    reader_times = watcher.arrivals[name][before[name]:]
                    reference_times = ref_times[before["reference"]:]
                    lag = [reader_times[i] - reference_times[i] for i in range(n)]
                    result["lag_first_ms"].append(statistics.median(lag[:tenth]) * 1000)
                    result["lag_last_ms"].append(statistics.median(lag[-tenth:]) * 1000)
                    result["lag_max_ms"].append(max(lag) * 1000)
                if round_number == runs:  # the light load, once, at the end
                    before = watcher.counts()
                    light_load(env, 10)
                    settle(watcher, names)
                    after = watcher.counts()
                    seen = after["reference"] - before["reference"]
                    for name in names:
                        reader_times = watcher.arrivals[name][before[name]:after[name]]
                        reference_times = watcher.arrivals["reference"][before["reference"]:after["reference"]]
                        n = min(len(reader_times), len(reference_times))
                        results[name]["delay_ms"] = [(reader_times[i] - reference_times[i]) * 1000
                                                     for i in range(n)]
                        results[name]["light_events"] = n
                if round_number in (0, runs):
                    sleeper_peaks.append(peak_rss_kib(sleeper.pid) / 1024)
            finally:
                ended = stop(procs)
                watcher.close()
                reference.close()
            for name, (code, peak_kib, _) in ended.items():
                if code not in (0, -signal.SIGTERM):
                    # Asterisk ends a session that does not keep up (manager.conf's writetimeout):
                    # said in the table, not fatal to the run.
                    procs[name].errors.seek(0)
                    said = procs[name].errors.read()[-300:].decode("utf-8", "replace").strip()
                    results[name]["failures"].append("exit %d in round %d%s" % (code, round_number,
                                                                              ": " + said if said else ""))
                if round_number:
                    results[name]["rss_mb"].append(peak_kib / 1024)
    finally:
        os.kill(sleeper.pid, signal.SIGTERM)
        tail = b""
        while True:  # the sleeper's reader wakes up: take it all, the summary last
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            tail = (tail + chunk)[-65536:]
        os.waitpid(sleeper.pid, 0)
        os.close(read_end)
    import json
    try:
        summary = json.loads(tail.rstrip(b"\n").rsplit(b"\n", 1)[-1])["summary"]
    except ValueError:
        raise SystemExit("bench: the sleeping reader's stream did not end with its summary: %r" % tail[-600:])
    return {"results": results, "events": events, "storm_seconds": storm_seconds[1:], "calls": calls,
            "sleeper": {"peaks_mb": sleeper_peaks, "dropped": summary["dropped"], "seen": summary["seen"],
                        "storms": runs + 1}}


def report(measured):
    results = measured["results"]
    runs = len(measured["events"])

    def med(values):
        return statistics.median(values) if values else float("nan")
    lines = ["Event storm: %d calls originated in one write and hung up at once, %d runs after a warm-up, medians: "
             "%d events (median) over %.2f s as the reference socket saw them."
             % (measured["calls"], runs, med(measured["events"]), med(measured["storm_seconds"])), ""]
    lines.append("| reader | CPU per event | events missing (worst run) | lag at start / end / max | peak MB | "
                 "light load: median delay |")
    lines.append("|---|---|---|---|---|---|")
    for name, result in results.items():
        lines.append("| %s | %.1f us | %d | %.1f / %.1f / %.1f ms | %.0f MB | %.2f ms (%d events) |"
                     % (name, med(result["cpu_us"]), max(result["missing"] or [-1]), med(result["lag_first_ms"]),
                        med(result["lag_last_ms"]), med(result["lag_max_ms"]), max(result["rss_mb"] or [0]),
                        med(result["delay_ms"]) if result["delay_ms"] else float("nan"),
                        result.get("light_events", 0)))
    sleeper = measured["sleeper"]
    for name, result in results.items():
        for failure in result["failures"]:
            lines.append("| %s | - | %s | - | - | - |" % (name, failure.replace("|", "/")))
    lines.append("| amijson --buffer 1, a reader that sleeps | - | %d dropped of %d, counted | - | "
                 "%.0f MB after 1 storm, %.0f MB after %d | - |"
                 % (sleeper["dropped"], sleeper["seen"], sleeper["peaks_mb"][0], sleeper["peaks_mb"][-1],
                    sleeper["storms"]))
    lines.append("")
    lines.append("| target (ratio of medians, same run) | measured | goal | met |")
    lines.append("|---|---|---|---|")
    ours = results["amijson --format ndjson events"]
    python = results["python bare reader"]
    php = results["php fsockopen loop"]

    def row(what, value, goal):
        if goal is None:
            lines.append("| %s | %.2f | - | - |" % (what, value))
        else:
            lines.append("| %s | %.2f | <= %.2f | %s |" % (what, value, goal, "yes" if value <= goal else "no"))
    row("storm: events missing, amijson (worst run)", max(ours["missing"]), 0)
    row("storm: CPU per event, amijson / python bare reader", med(ours["cpu_us"]) / med(python["cpu_us"]), 1.0)
    row("storm: CPU per event, amijson / php fsockopen loop", med(ours["cpu_us"]) / med(php["cpu_us"]), 2.0)
    row("storm: lag at the end / lag at the start, amijson", med(ours["lag_last_ms"]) / max(med(ours["lag_first_ms"]), 0.001),
        None)
    row("storm: lag at the end, amijson (ms)", med(ours["lag_last_ms"]), None)
    row("light load: median delay behind the reference socket, amijson (ms)", med(ours["delay_ms"]), 5.0)
    row("reader asleep: peak MB after %d storms / after 1, --buffer 1" % sleeper["storms"],
        sleeper["peaks_mb"][-1] / sleeper["peaks_mb"][0], 1.1)
    row("reader asleep: peak MB, --buffer 1, less an awake amijson's", sleeper["peaks_mb"][-1] - max(ours["rss_mb"]),
        None)
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=800)
    args = parser.parse_args()
    print(report(measure(dict(os.environ), args.calls, args.runs, lambda text: print(text, file=sys.stderr))))
