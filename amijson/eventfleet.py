"""Events from several PBXes merged into one document or stream:
``amijson --profiles a,b events ...`` and ``amijson --host a,b events ...``.

The PBXes are the fleet's (``amijson.fleet.members``: the same settings, names and
usage errors as every other verb over several PBXes). Each is watched in a thread of
its own, exactly as a single run would watch it (``amijson.eventwatch``), into one
sink: each matching event goes out with ``pbx`` first, numbered in the merged order.
The bounds are the merged stream's: ``--count N`` counts every PBX's events, the first
``--until`` event from any PBX ends the run, ``--for`` is each PBX's window from its
login (the same for all). Once a bound is reached the other PBXes see their reader gone
at their next look up (a quarter of a second at most) and log off.

A PBX that fails (refused, unreachable, lost without --reconnect) is reported as a fleet
run reports it: its own document (or summary entry) holds its error, the others go on,
and the run ends ``partial`` (exit 9). A stream says it when it happens, with a gap
marker naming the PBX: ``{"gap": {"pbx": "b", "failed": {"code": ..., "message": ...}}}``.
"""

import threading
import time

from amijson.errors import EXIT_CODES, AmijsonError

MAX_PBXES = 256  # each PBX is watched by a thread and a session of its own for the whole run


class Merged:
    """The one sink every PBX's watch writes to, and the merged bounds."""

    def __init__(self, sink, watch):
        self.sink = sink
        self.watch = watch
        self.lock = threading.Lock()
        self.matched = 0
        self.bound = None  # count or until once reached; sigint, sigterm from the run
        self.done = False

    def end(self, bound):
        with self.lock:
            if not self.done:
                self.done, self.bound = True, bound

    @property
    def dropped(self):
        return self.sink.dropped


class MemberSink:
    """One PBX's view of the merged sink: its events tagged with ``pbx``; ``gone`` once
    the merged run is over, which ends this PBX's watch as a reader gone would."""

    def __init__(self, merged, name):
        self.merged = merged
        self.name = name

    @property
    def gone(self):
        return self.merged.done or self.merged.sink.gone

    def event(self, number, name, record):
        merged = self.merged
        tagged = {"pbx": self.name}
        tagged.update(item for item in record.items() if item[0] != "pbx")
        with merged.lock:
            if merged.done:
                return
            merged.matched += 1
            merged.sink.event(merged.matched, name, tagged)
            watch = merged.watch
            if watch.until is not None and watch.until.matches(_as_message(record)):
                merged.done, merged.bound = True, "until"
            elif watch.count is not None and merged.matched >= watch.count:
                merged.done, merged.bound = True, "count"

    def flush(self):
        """After each read of this PBX: its events go to the writer (amijson.eventstream)."""
        with self.merged.lock:
            self.merged.sink.flush()

    def tick(self, now):
        with self.merged.lock:
            self.merged.sink.tick(now)

    def reconnected(self, span):
        with self.merged.lock:
            self.merged.sink.reconnected(dict({"pbx": self.name}, **span))

    def failed(self, error):
        marker = getattr(self.merged.sink, "marker", None)
        if marker is not None:
            with self.merged.lock:
                marker({"pbx": self.name, "failed": {"code": error.code, "message": error.message}})


def _as_message(record):
    from amijson.wire import Message
    return Message([(key, value) for key, values in record.items()
                    for value in (values if isinstance(values, list) else (values,))])


class Watched:
    """One PBX of the merge: its fleet Member, its own tally, its error."""

    def __init__(self, member):
        from amijson.events import Tally
        self.member = member
        self.tally = Tally()
        self.error = None

    @property
    def name(self):
        return self.member.name


def watch_all(watched, watch, merged, deadline, watch_end):
    """Watch every PBX at once until the merged run ends; returns once every PBX logged off
    (or the deadline and a second's grace passed). SIGINT and SIGTERM end them all."""
    import signal
    from amijson.eventwatch import Stopped, _on_sigterm
    threads = []
    for item in watched:
        thread = threading.Thread(target=_watch_one, args=(item, watch, merged, deadline, watch_end),
                                  name="amijson-events-%s" % item.name, daemon=True)
        threads.append(thread)
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a test calling main in a thread): no handler
        previous = None
    try:
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.25)  # short joins: a signal is handled between them
        except KeyboardInterrupt:
            merged.end("sigint")
        except Stopped:
            merged.end("sigterm")
        from amijson.eventwatch import LOGOFF_GRACE, TICK
        give_up = time.monotonic() + TICK + LOGOFF_GRACE + 1.0
        for thread in threads:  # each sees the run over at its next look up, and logs off
            thread.join(max(0.0, give_up - time.monotonic()))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _watch_one(item, watch, merged, deadline, watch_end):
    from amijson.eventwatch import read_class_check, watch_events
    member, tally = item.member, item.tally
    sink = MemberSink(merged, member.name)
    try:
        if member.settings.allow is not None:
            member.settings.allow.check_events()
        if member.settings.via == "rx":
            raise AmijsonError("usage", "the rx route (the control socket) carries no events: they come over "
                               "AMI, --via ami (or auto), and AMI over HTTP, --via http")
        if watch.reconnect and member.settings.via == "http":
            raise AmijsonError("usage", "--reconnect is for AMI over TCP (--via ami); over HTTP each WaitEvent "
                               "is a request of its own")
        read_check, cannot_check = read_class_check(member.settings, watch)
        if cannot_check:
            tally.warnings.append(cannot_check)
        watch_events(member.settings, watch, sink, tally, deadline, watch_end, member.document, read_check)
    except AmijsonError as exc:
        item.error = exc
    except Exception as exc:  # a bug: this PBX says so, the others go on
        from amijson.errors import print_traceback
        print_traceback()
        item.error = AmijsonError("internal", "internal error: %s: %s" % (type(exc).__name__, exc))
    if item.error is not None:
        if tally.bound is None:
            tally.bound = "timeout" if item.error.code == "timeout" else "error"
        if item.error.code != "timeout" and not merged.done:
            sink.failed(item.error)


def run(options, operands, environ, stdin, stdout, deadline):
    """As ``amijson.events.run``, for several PBXes: (the fleet document, or None when a
    stream wrote itself; exit code; secrets)."""
    from amijson import fleet
    from amijson.events import FINISH_WAIT, Watch, _deadlines
    from amijson.eventstream import Collected, Stream
    from amijson.eventwatch import LOGOFF_GRACE
    warnings = []
    watch = sink = merged = None
    watched = []
    secrets = []
    error = None
    watch_end = None
    try:
        watch = Watch(options, operands)
        if options.get("parallel") is not None:
            raise AmijsonError("usage", "--parallel is not for events: every PBX is watched at once, for the "
                               "whole run")
        members = fleet.members(options, environ, stdin, deadline, warnings)
        if len(members) > MAX_PBXES:
            raise AmijsonError("usage", "events watch at most %d PBXes at once, not %d" % (MAX_PBXES, len(members)))
        secrets = [member.settings.secret for member in members if member.settings.secret]
        watched = [Watched(member) for member in members]
        # The run's deadline, as one PBX's run sets it: by the PBX with the longest timeout.
        watch_end = _deadlines(watch, max((m.settings for m in members), key=lambda s: (s.timeout_given, s.timeout)),
                               deadline)
        if watch.streaming:
            sink = Stream(watch.format, stdout, watch.buffer << 20, secrets)
        else:
            sink = Collected(max(member.settings.max_size for member in members) << 20)
        merged = Merged(sink, watch)
        watch_all(watched, watch, merged, deadline, watch_end)
        error = outcome(merged, watched, deadline)
    except AmijsonError as exc:
        error = exc
    except KeyboardInterrupt:
        error = AmijsonError("interrupted", "interrupted (SIGINT) before the run finished")
    streaming = watch.streaming if watch is not None else options.get("format") in ("ndjson", "sse")
    bound = merged_bound(merged, watched) if merged is not None else "error"
    if streaming:
        if bound in ("sigint", "sigterm", "reader_gone") and error is not None and error.code != "partial":
            error = None  # a stream's reader or its owner ended it: that is how streams end
        if sink is None:
            sink = Stream(options.get("format"), stdout, 1 << 20, secrets)
        summary = _summary(merged, watched, bound, sink, error, warnings)
        summary["pbxes"] = [pbx_summary(item, bound) for item in watched]
        if bound != "reader_gone":
            sink.finish(summary, FINISH_WAIT if watch_end is None else max(deadline.remaining(), LOGOFF_GRACE))
        return None, exit_code(error), secrets
    if bound in ("sigint", "sigterm") and (error is None or error.code == "partial"):
        error = AmijsonError("interrupted", "interrupted (%s) before the run finished" % bound.upper())
    records = sink.records if sink is not None else []
    if options.get("records_only") and error is None:
        return records, 0, secrets
    events = _summary(merged, watched, bound, sink, error, warnings)
    for key in ("ok", "warnings", "error"):
        del events[key]
    events["filters"] = watch.operands if watch is not None else list(operands)
    events["until"] = watch.until_operands if watch is not None else []
    pbxes = []
    for item in watched:
        document = item.member.document
        document.warnings.extend(item.tally.warnings)
        document.events = dict(pbx_summary(item, bound), dropped=0, seconds=events["seconds"], filters=events["filters"],
                               until=events["until"])
        for key in ("pbx", "ok", "warnings", "error"):
            del document.events[key]
        if item.error is not None:
            document.fail(item.error.code, item.error.message)
        pbxes.append(dict(pbx=item.name, **document.to_dict()))
    failed = sum(1 for item in watched if item.error is not None)
    errors = {}
    for item in watched:
        if item.error is not None:
            errors[item.error.code] = errors.get(item.error.code, 0) + 1
    shown = {"ok": error is None, "pbxes": pbxes,
             "summary": {"pbxes": len(watched), "answered": len(watched) - failed, "failed": failed,
                         "errors": errors},
             "records": records, "events": events, "warnings": warnings,
             "error": None if error is None else {"code": error.code, "message": error.message}}
    return shown, exit_code(error), secrets


def _summary(merged, watched, bound, sink, error, warnings):
    """The merged run's counts, in the single run's shape."""
    filters = []
    for item in watched:
        filters.extend(label for label in item.tally.server_filters if label not in filters)
    started = min((item.tally.started for item in watched), default=time.monotonic())
    return {"ok": error is None, "bound": bound, "matched": merged.matched if merged is not None else 0,
            "seen": sum(item.tally.seen for item in watched), "dropped": sink.dropped if sink is not None else 0,
            "reconnects": sum(item.tally.reconnects for item in watched),
            "seconds": round(time.monotonic() - started, 3), "server_filters": filters, "warnings": warnings,
            "error": None if error is None else {"code": error.code, "message": error.message}}


def merged_bound(merged, watched):
    """What ended the merged run: a bound the merge reached, a signal, else what ended the
    PBXes (``for`` when every window closed, ``timeout`` when the deadline passed first)."""
    if merged.bound is not None:
        return merged.bound
    bounds = {item.tally.bound for item in watched}
    for bound in ("timeout", "for", "reader_gone", "sigint", "sigterm"):
        if bound in bounds:
            return bound
    return "error"


def outcome(merged, watched, deadline):
    """(the run's error or None): ``timeout`` when the deadline ended the merged run; else
    ``partial`` when some PBX failed, as a fleet run says it; else None."""
    bound = merged_bound(merged, watched)
    if bound == "timeout":
        return AmijsonError("timeout", "deadline of %gs passed with %d events matched" % (deadline.seconds,
                                                                                          merged.matched))
    failed = [item for item in watched if item.error is not None and item.error.code != "timeout"]
    if not failed:
        return None
    counts = {}
    for item in failed:
        counts[item.error.code] = counts.get(item.error.code, 0) + 1
    return AmijsonError("partial", "%d of %d PBXes failed (%s)" % (len(failed), len(watched), ", ".join(
        "%s %d" % pair for pair in sorted(counts.items()))))


def pbx_summary(item, bound):
    """One PBX's part of a merged run's summary; ``bound``, the merged run's, stands for a
    PBX whose watch ended because the merged run did."""
    tally, error = item.tally, item.error
    return {"pbx": item.name, "ok": error is None,
            "bound": bound if tally.bound in (None, "reader_gone") and error is None else tally.bound, "matched": tally.matched, "seen": tally.seen,
            "reconnects": tally.reconnects, "server_filters": tally.server_filters, "warnings": tally.warnings,
            "error": None if error is None else {"code": error.code, "message": error.message}}


def exit_code(error):
    if error is None:
        return 0
    if error.code == "partial":
        from amijson.fleet import PARTIAL
        return PARTIAL
    return EXIT_CODES.get(error.code, 1)
