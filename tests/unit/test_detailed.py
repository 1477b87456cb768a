"""amijson.detailed: a list action, then a detail action per listed name, in one session over AMI;
the CLI command on rx. The Answers here stand for what converse_batch gives
(tests/integration/test_detailed_sandbox.py runs the same against the real Asterisk 16 and 22)."""

import pytest

from amijson.answer import Answer
from amijson.errors import AmijsonError
from amijson.queries import QUERIES
from amijson.records import Records
from amijson.request import Batch

from test_pjsip import DETAILS, LIST_16, LIST_22


def answer_of(records=(), error=None):
    part = Answer("ami")
    part.records = Records(list(records))
    part.error = error
    return part


def second_round(batch, listed):
    batch.followed = batch.follow_up([listed])
    return [(r.action, r.headers) for r in batch.followed]


def test_ami_asks_the_list_then_each_listed_name_rx_the_cli_command():
    batch = QUERIES["endpoints"].request("endpoints", [], "ami")
    assert type(batch) is Batch and [(r.action, r.headers) for r in batch.requests] == [("PJSIPShowEndpoints", [])]
    assert second_round(batch, answer_of(LIST_22)) == [("PJSIPShowEndpoint", [("Endpoint", "101")]),
                                                       ("PJSIPShowEndpoint", [("Endpoint", "103")])]
    # 16 leaves ActiveChannels empty: the channels are counted in the same round
    batch = QUERIES["endpoints"].request("endpoints", [], "ami")
    assert second_round(batch, answer_of(LIST_16))[-1] == ("CoreShowChannels", [])
    rx = QUERIES["endpoints"].request("endpoints", [], "rx")
    assert (rx.action, rx.command) == ("Command", "pjsip show endpoints")
    assert QUERIES["contacts"].request("contacts", [], "rx").command == "pjsip show contacts"


def test_a_pattern_is_matched_on_the_list_before_any_detail_is_asked():
    batch = QUERIES["endpoints"].request("endpoints", ["10?"], "ami")
    assert batch.pattern == "10?"
    listed = answer_of(LIST_22 + [dict(LIST_22[0], ObjectName="trunk1")])
    assert [h for _, h in second_round(batch, listed)] == [[("Endpoint", "101")], [("Endpoint", "103")]]
    whole = Answer("ami")
    whole.parts = [listed, answer_of(DETAILS["101"]), answer_of(DETAILS["103"])]
    QUERIES["endpoints"].shape(batch, whole)
    assert [r["endpoint"] for r in whole.records] == ["101", "103"]
    with pytest.raises(AmijsonError):
        QUERIES["contacts"].request("contacts", ["x"], "ami")


def test_the_records_in_name_order_an_endpoint_gone_meanwhile_left_out_and_said():
    batch = QUERIES["endpoints"].request("endpoints", [], "ami")
    listed = answer_of(list(reversed(LIST_22)))  # Asterisk lists its container in hash order
    second_round(batch, listed)
    gone = answer_of(error=AmijsonError("action_failed", "Unable to retrieve endpoint 103"))
    whole = Answer("ami")
    whole.parts = [listed, gone, answer_of(DETAILS["101"])]
    QUERIES["endpoints"].shape(batch, whole)
    assert [(r["endpoint"], r["caller_id"]) for r in whole.records] == [("101", "101")]
    assert whole.warnings == ["PJSIPShowEndpoint 103: Unable to retrieve endpoint 103 (left out)"]


def test_an_empty_list_is_no_records_another_refusal_fails_the_run():
    for name in ("endpoints", "contacts"):
        batch = QUERIES[name].request(name, [], "ami")
        empty = answer_of(error=AmijsonError("action_failed", "No endpoints found"))
        assert second_round(batch, empty) == []
        whole = Answer("ami")
        whole.parts = [empty]
        QUERIES[name].shape(batch, whole)
        assert list(whole.records) == []
        batch = QUERIES[name].request(name, [], "ami")
        whole.parts = [answer_of(error=AmijsonError("action_failed", "Invalid/unknown command"))]
        with pytest.raises(AmijsonError) as caught:
            QUERIES[name].shape(batch, whole)
        assert caught.value.message == "PJSIPShowEndpoints: Invalid/unknown command"
