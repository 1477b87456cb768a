"""Picking one action's reply out of the message stream."""

import pytest

from amijson.exchange import ActionExchange, ActionIdCounter
from amijson.wire import AmiParser, Message, MessageRun


def msg(*pairs):
    return Message(list(pairs))


def test_list_collects_only_our_events_until_complete():
    ex = ActionExchange("a1")
    assert not ex.handle(msg(("Event", "FullyBooted"), ("Status", "Fully Booted")))
    assert not ex.handle(msg(("Event", "CoreShowChannel"), ("ActionID", "a1")))  # before our reply: unrelated
    assert not ex.handle(msg(("Response", "Success"), ("ActionID", "a1"), ("EventList", "start")))
    assert not ex.handle(msg(("Event", "CoreShowChannel"), ("ActionID", "a1"), ("Channel", "x")))
    assert not ex.handle(msg(("Event", "Newchannel"), ("Channel", "y")))
    assert not ex.handle(msg(("Event", "CoreShowChannel"), ("ActionID", "other"), ("Channel", "z")))
    assert ex.handle(msg(("Event", "CoreShowChannelsComplete"), ("ActionID", "a1"),
                         ("EventList", "Complete"), ("ListItems", "1")))
    assert [r.get("Channel") for r in ex.records] == ["x"]
    assert ex.complete.get("ListItems") == "1" and ex.unrelated == 4


def test_legacy_list_without_eventlist_ends_on_complete_name():
    ex = ActionExchange("7")
    ex.handle(msg(("Response", "Success"), ("ActionID", "7"), ("Message", "Channel status will follow")))
    assert ex.is_list
    ex.handle(msg(("Event", "Status"), ("Channel", "c"), ("ActionID", "7")))
    assert ex.handle(msg(("Event", "StatusComplete"), ("ActionID", "7"), ("Items", "1")))
    assert len(ex.records) == 1


def test_eventlist_compared_case_insensitively():
    ex = ActionExchange("f")
    ex.handle(msg(("Response", "Success"), ("ActionID", "f"), ("EventList", "Start")))
    assert ex.is_list
    assert ex.handle(msg(("Event", "FAXSessionsComplete"), ("ActionID", "f"), ("EventList", "COMPLETE")))


def test_error_ends_the_action_and_error_after_ack_ends_the_list():
    ex = ActionExchange("1")
    assert ex.handle(msg(("Response", "Error"), ("ActionID", "1"), ("Message", "No endpoints found")))
    ex = ActionExchange("2")
    ex.handle(msg(("Response", "Success"), ("ActionID", "2"), ("EventList", "start")))
    assert ex.handle(msg(("Response", "Error"), ("ActionID", "2"), ("Message", "Could not complete channel map")))
    assert ex.list_error.get("Message") == "Could not complete channel map"


def test_originate_response_event_is_not_our_reply():
    ex = ActionExchange("3")
    assert not ex.handle(msg(("Event", "OriginateResponse"), ("ActionID", "3"), ("Response", "Success")))
    assert ex.response is None
    assert ex.handle(msg(("Response", "Success"), ("ActionID", "3"), ("Message", "Originate successfully queued")))


def test_command_output_follows_is_not_a_list():
    ex = ActionExchange("4")
    assert ex.handle(msg(("Response", "Success"), ("ActionID", "4"), ("Message", "Command output follows"),
                         ("Output", "x")))


def test_action_ids_are_short_and_distinct():
    counter = ActionIdCounter()
    ids = [counter.next() for _ in range(3)]
    assert len(set(ids)) == 3 and all(len(i) < 30 for i in ids)


def run_of(count, action_id="a1", event="CoreShowChannel"):
    """A MessageRun of ``count`` list items, as the parser makes them from a long stream."""
    data = b"".join(b"Event: %s\r\nActionID: %s\r\nChannel: PJSIP/%d\r\n\r\n" % (event.encode(), action_id.encode(), i)
                    for i in range(count + 1))
    items = AmiParser(expect_banner=False, run_after=0).feed(data)
    assert isinstance(items[1], MessageRun) and items[1].count == count
    return items[1]


def test_a_run_of_list_items_is_kept_whole_and_any_other_run_message_by_message():
    ex = ActionExchange("a1")
    assert not ex.handle(run_of(3))  # our ActionID before our reply: unrelated, all three
    assert ex.unrelated == 3
    ex.handle(msg(("Response", "Success"), ("ActionID", "a1"), ("EventList", "start")))
    items = run_of(5)
    assert not ex.handle(items) and ex.records == [items]
    assert not ex.handle(run_of(2, action_id="other")) and ex.unrelated == 5
    assert ex.handle(run_of(2, event="CoreShowChannelsComplete"))  # a closing event ends the list
    assert ex.complete.get("Event") == "CoreShowChannelsComplete" and ex.unrelated == 6


def test_keep_run_makes_what_is_kept_of_each_run_of_list_items_as_it_comes():
    kept = []

    def keep(run):
        kept.append(run.count)
        return ("kept", run.count)

    ex = ActionExchange("a1", keep_run=keep)
    ex.handle(run_of(3))  # before the reply: unrelated, not kept
    ex.handle(msg(("Response", "Success"), ("ActionID", "a1"), ("EventList", "start")))
    ex.handle(run_of(5))
    assert kept == [5]  # made at once, before the list completes
    ex.handle(run_of(2, action_id="other"))
    ex.handle(msg(("Event", "CoreShowChannel"), ("ActionID", "a1"), ("Channel", "PJSIP/x")))
    assert ex.handle(run_of(2, event="CoreShowChannelsComplete"))
    assert kept == [5] and ex.records[0] == ("kept", 5) and ex.records[1].get("Channel") == "PJSIP/x"


class Sink:
    """What an OutputParse is fed: (bytes, final) pieces."""

    def __init__(self):
        self.pieces = []

    def feed(self, data, final=False):
        self.pieces.append((data, final))

    def text(self):
        return b"".join(data for data, _final in self.pieces).decode()


def command_reply(action_id, lines, head=b"Message: Command output follows\r\n"):
    return (b"Response: Success\r\nActionID: %s\r\n" % action_id.encode() + head
            + b"".join(b"Output: %s\r\n" % line.encode() for line in lines) + b"\r\n")


def tapped(stream, tap, size):
    """Feed ``stream`` to a parser ``size`` bytes at a time, the tap taking after each read; the items."""
    parser = AmiParser(expect_banner=False)
    items = []
    for start in range(0, len(stream), size):
        items += parser.feed(stream[start:start + size])
        tap.take(parser)
    return items


@pytest.mark.parametrize("size", [1, 7, 100, 4096, 1 << 20])
def test_an_output_tap_hands_on_the_command_output_as_it_arrives(size):
    lines = ["Local/%d!ctx!s!1!Up!Wait!5!!!!3!%d!!17.%d" % (i, i, i) for i in range(300)] + ["", "last one"]
    before = (b"Response: Success\r\nActionID: a0\r\nMessage: Authentication accepted\r\n\r\n"
              b"Event: Other\r\nActionID: a1\r\n\r\n")  # the login's reply, and an event reusing our ActionID
    after = b"Event: Late\r\nOutput: not ours\r\n"  # half of a message after our reply
    sink = Sink()
    tap = ActionExchange("a1", output_sink=sink).tap
    items = tapped(before + command_reply("a1", lines) + after, tap, size)
    (reply,) = [m for m in items if m.get("Message") == "Command output follows"]
    tap.finish(reply.get_all("Output"))
    if size == 1 << 20:
        assert sink.pieces == []  # came whole in one read: parsed whole, as without the tap
        return
    # Each piece ends its lines with LF, the last one too when it came before the reply's end.
    assert sink.text() in ("\n".join(lines), "\n".join(lines) + "\n") and sink.pieces[-1][1] is True
    assert len(sink.pieces) > 2 and tap.lines > 0  # most of it while the reply still came


@pytest.mark.parametrize("reply", [
    command_reply("a1", ["x"] * 200, head=b"Message: Something else\r\n"),  # not a Command reply's head
    command_reply("a2", ["x"] * 200),  # another ActionID
])
def test_an_output_tap_never_starts_on_another_message(reply):
    sink = Sink()
    tap = ActionExchange("a1", output_sink=sink).tap
    tapped(reply, tap, 64)
    tap.finish(["x"] * 200)
    assert sink.pieces == [] and tap.start is None


@pytest.mark.parametrize("odd", [b"Other: header\r\n", b"Output: bare\rcr\r\n", b"Output:nospace\r\n"])
def test_an_output_tap_breaks_on_a_line_that_is_not_output_and_never_ends_the_sink(odd):
    lines = ["line %d" % i for i in range(200)]
    reply = command_reply("a1", lines)
    cut = reply.index(b"Output: line 150")
    sink = Sink()
    tap = ActionExchange("a1", output_sink=sink).tap
    tapped(reply[:cut] + odd + reply[cut:], tap, 256)
    tap.finish(lines)
    assert tap.broken and not any(final for _data, final in sink.pieces)


def _awaited(action_id):
    from amijson.deferred import LATER, Awaited
    return Awaited(LATER["originate"], action_id)


def _ack(action_id, response="Success", message="Originate successfully queued"):
    return msg(("Response", response), ("ActionID", action_id), ("Message", message))


def _outcome_event(action_id, reason="4"):
    return msg(("Event", "OriginateResponse"), ("ActionID", action_id), ("Response", "Success"), ("Reason", reason))


def test_an_awaited_event_after_the_ack_completes_the_action():
    ex = ActionExchange("o1", awaited=_awaited("o1"))
    assert not ex.handle(_ack("o1"))
    assert ex.waiting_for("Originate") == "waiting for OriginateResponse, the outcome of Originate"
    assert not ex.handle(_outcome_event("o2"))  # another action's outcome
    assert ex.handle(_outcome_event("o1", "5"))
    assert ex.awaited.event.get("Reason") == "5" and ex.unrelated == 1


def test_an_awaited_event_before_the_ack_is_kept_and_the_ack_completes_the_action():
    ex = ActionExchange("o1", awaited=_awaited("o1"))
    assert not ex.handle(_outcome_event("o1", "0"))
    assert ex.waiting_for("Originate") == "waiting for the reply to Originate"
    assert ex.handle(_ack("o1"))
    assert ex.awaited.event.get("Reason") == "0" and ex.unrelated == 0


def test_a_refused_action_waits_for_no_event():
    ex = ActionExchange("o1", awaited=_awaited("o1"))
    assert ex.handle(_ack("o1", "Error", "Extension does not exist."))
    assert ex.awaited.event is None
