"""amijson.pjsip: the endpoints and contacts records from res_pjsip's AMI events.

The events are as the sandboxes' Asterisk 22.10 and 16.28 sent them (PJSIPShowEndpoints,
PJSIPShowEndpoint 101 and 103, their fields of interest), and a reachable contact's
ContactStatusDetail as pjsip_options.c's ast_sip_format_contact_ami writes it."""

import pytest

from amijson.pjsip import (caller_id_number, channels_when_missing, contacts_from_details, endpoints_from_details,
                           round_trip_ms)


def endpoint_list(name, aor, contacts, state, active):
    return {"Event": "EndpointList", "ObjectType": "endpoint", "ObjectName": name, "Transport": "", "Aor": aor,
            "Auths": "", "OutboundAuths": "", "Contacts": contacts, "DeviceState": state, "ActiveChannels": active}


def contact_detail(aor, uri, status="NonQualified", usec="N/A", endpoint=None, hash_="1042d25ffa359e21"):
    return {"Event": "ContactStatusDetail", "AOR": aor, "URI": uri, "UserAgent": "", "RegExpire": "0",
            "Status": status, "RoundtripUsec": usec, "EndpointName": endpoint or aor, "ID": "%s@@%s" % (aor, hash_)}


def details(name, callerid, contacts=()):
    return [{"Event": "EndpointDetail", "ObjectName": name, "Callerid": callerid, "DeviceState": "Not in use"},
            {"Event": "AorDetail", "ObjectName": name, "EndpointName": name}] + list(contacts)


LIST_22 = [endpoint_list("101", "101", "101/sip:101@127.0.0.1:5070,", "Not in use", "0"),
           endpoint_list("103", "103", "", "Unavailable", "0")]
LIST_16 = [dict(event, ActiveChannels="") for event in LIST_22]  # 16 never fills it
DETAILS = {"101": details("101", '"Alice" <101>', [contact_detail("101", "sip:101@127.0.0.1:5070")]),
           "103": details("103", '"Carol" <103>')}


@pytest.mark.parametrize("value,number", [
    ('"Alice" <101>', "101"), ("<101>", "101"), ("101", "101"), ("Alice", None), ("", None), (None, None),
    ("<unknown>", None), ('"Carrier" <+4930123456789>', "+4930123456789"), ("+49 (30) 123-456", "+4930123456"),
    ('"A <b>" <102>', "102"), ("*98#", "*98#"), ("Alice 2", None),
])
def test_caller_id_number_is_what_the_cli_prints_after_the_name(value, number):
    assert caller_id_number(value) == number


def test_round_trip_in_milliseconds_as_the_cli_prints_it():
    assert round_trip_ms("564") == 0.564 and round_trip_ms("1234567") == 1234.567
    assert round_trip_ms("N/A") is None and round_trip_ms(None) is None


def test_endpoints_on_22_take_the_list_count_and_the_detail_caller_id():
    assert channels_when_missing(LIST_22) == []
    records = endpoints_from_details(LIST_22, DETAILS, [])
    assert records == [
        {"endpoint": "101", "state": "Not in use", "channels": 0, "caller_id": "101", "aors": ["101"],
         "contacts": ["sip:101@127.0.0.1:5070"]},
        {"endpoint": "103", "state": "Unavailable", "channels": 0, "caller_id": "103", "aors": ["103"],
         "contacts": []}]


def test_endpoints_on_16_count_channels_from_core_show_channels():
    (request,) = channels_when_missing(LIST_16)
    assert (request.action, request.headers) == ("CoreShowChannels", [])
    channels = [{"Event": "CoreShowChannel", "Channel": name} for name in
                ("PJSIP/101-00000001", "PJSIP/101-00000002", "Local/wait@amijson-test-00000001;1",
                 "PJSIP/1010-00000003", "SIP/101-00000004")]
    records = endpoints_from_details(LIST_16, DETAILS, [channels])
    assert [(r["endpoint"], r["channels"]) for r in records] == [("101", 2), ("103", 0)]
    # a name with "-" in it: the channel's last "-" starts its sequence number
    named = [endpoint_list("trunk-east", "trunk-east", "", "Not in use", "")]
    counted = endpoints_from_details(named, {"trunk-east": details("trunk-east", "")},
                                     [[{"Event": "CoreShowChannel", "Channel": "PJSIP/trunk-east-0000000a"}]])
    assert counted[0]["channels"] == 1 and counted[0]["caller_id"] is None


def test_contacts_every_static_and_dynamic_one_once_in_the_cli_order():
    shared = contact_detail("shared", "sip:x@10.0.0.9:5060", "Reachable", "12500", endpoint="201")
    found = {
        "201": details("201", "", [shared, contact_detail("201", "sip:201@10.0.0.1:5060", "Unreachable")]),
        "202": details("202", "", [dict(shared, EndpointName="202")]),  # the same AOR under a second endpoint
        "101": DETAILS["101"],
        "103": DETAILS["103"],
    }
    records = contacts_from_details([], found, [])
    assert records == [
        {"aor": "101", "uri": "sip:101@127.0.0.1:5070", "status": "NonQual", "rtt_ms": None},
        {"aor": "201", "uri": "sip:201@10.0.0.1:5060", "status": "Unavail", "rtt_ms": None},
        {"aor": "shared", "uri": "sip:x@10.0.0.9:5060", "status": "Avail", "rtt_ms": 12.5}]
