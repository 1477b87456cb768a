"""--format prometheus as a pure function: documents in, the text exposition format out, every
output held to the format's rules by tests/monitoring.py's reader (promtool checks the real
output in tests/integration/test_monitoring.py)."""

import pytest

from amijson.formats import prometheus, results
from monitoring import STATUS, parse_exposition, sample


def doc(records=(), error=None, warnings=()):
    return {"records": list(records), "error": error, "warnings": list(warnings)}


def render(pairs, query, fleet=False, duration=0.0123):
    return parse_exposition(prometheus.render(results(pairs), query, duration, fleet))


def test_status_as_gauges_and_a_counter():
    metrics = render([("pbx1", doc([STATUS]))], "status")
    assert sample(metrics, "asterisk_up", pbx="pbx1", query="status") == 1
    assert sample(metrics, "asterisk_info", pbx="pbx1", version="22.10.1") == 1
    for field, name in (("channels", "asterisk_channels"), ("calls", "asterisk_calls"),
                        ("uptime_seconds", "asterisk_uptime_seconds"), ("reload_seconds", "asterisk_reload_seconds"),
                        ("endpoints_unavailable", "asterisk_endpoints_unavailable"),
                        ("queue_callers", "asterisk_queues_callers"),
                        ("longest_wait_seconds", "asterisk_queues_longest_wait_seconds")):
        assert metrics[name]["type"] == "gauge" and sample(metrics, name, pbx="pbx1") == STATUS[field]
    assert metrics["asterisk_calls_processed_total"]["type"] == "counter"
    assert sample(metrics, "asterisk_calls_processed_total", pbx="pbx1") == 41
    assert sample(metrics, "amijson_run_duration_seconds", pbx="pbx1", query="status") == 0.0123
    assert sample(metrics, "amijson_warnings", pbx="pbx1", query="status") == 0
    assert "amijson_error" not in metrics and "amijson_records" not in metrics


def test_status_has_sip_and_iax2_peer_counts_and_none_where_the_module_is_not_loaded():
    metrics = render([("pbx1", doc([STATUS]))], "status")
    for prefix in ("sip_peers", "iax2_peers"):
        for suffix in ("", "_monitored", "_unmonitored", "_online", "_offline"):
            name = "asterisk_" + prefix + suffix
            assert metrics[name]["type"] == "gauge" and sample(metrics, name, pbx="pbx1") == STATUS[prefix + suffix]
    no_chan_sip = dict(STATUS, **dict.fromkeys(k for k in STATUS if k.startswith("sip_peers")))
    metrics = render([("pbx1", doc([no_chan_sip]))], "status")
    assert not [name for name in metrics if name.startswith("asterisk_sip_peers")]
    assert sample(metrics, "asterisk_iax2_peers_online", pbx="pbx1") == 1


def test_peers_are_labelled_series_by_name_and_status_word():
    peers = [{"name": "trunk1", "status": "OK (1 ms)", "latency_ms": 1},
             {"name": "trunk-carrier-with-a-33-char-name", "status": "UNKNOWN", "latency_ms": None},
             {"name": "trunk10", "status": "UNREACHABLE", "latency_ms": None}]
    metrics = render([("pbx1", doc(peers))], "peers")
    assert sample(metrics, "amijson_records", pbx="pbx1", query="peers") == 3
    assert sample(metrics, "asterisk_sip_peer_status", peer="trunk1", status="OK") == 1
    assert sample(metrics, "asterisk_sip_peer_status", peer="trunk-carrier-with-a-33-char-name", status="UNKNOWN") == 1
    assert sample(metrics, "asterisk_sip_peer_latency_seconds", peer="trunk1") == 0.001
    assert len(metrics["asterisk_sip_peer_latency_seconds"]["samples"]) == 1  # null latency: left out


def test_a_null_value_is_left_out_not_zero():
    metrics = render([("pbx1", doc([dict(STATUS, reload_seconds=None, version=None)]))], "status")
    assert "asterisk_reload_seconds" not in metrics and "asterisk_info" not in metrics
    assert sample(metrics, "asterisk_channels", pbx="pbx1") == 6


def test_a_pbx_that_did_not_answer_is_up_0_and_the_text_still_valid():
    metrics = render([("pbx1", doc(error={"code": "auth", "message": "Authentication failed"}))], "status")
    assert sample(metrics, "asterisk_up", pbx="pbx1", query="status") == 0
    assert sample(metrics, "amijson_error", pbx="pbx1", query="status", code="auth") == 1
    assert "asterisk_channels" not in metrics and "amijson_run_duration_seconds" in metrics


def test_a_run_that_asked_no_pbx_still_gives_valid_text():
    text = prometheus.render([], "status", 0.001, True, {"code": "config", "message": "no config file"})
    metrics = parse_exposition(text)
    assert sample(metrics, "amijson_error", query="status", code="config") == 1


def test_endpoints_contacts_and_queues_are_labelled_series():
    endpoints = [{"endpoint": "101", "state": "Not in use", "channels": 0},
                 {"endpoint": "103", "state": "Unavailable", "channels": None}]
    metrics = render([("pbx1", doc(endpoints))], "endpoints")
    assert sample(metrics, "amijson_records", pbx="pbx1", query="endpoints") == 2
    assert sample(metrics, "asterisk_endpoint_state", endpoint="103", state="Unavailable") == 1
    assert sample(metrics, "asterisk_endpoint_channels", endpoint="101") == 0
    assert len(metrics["asterisk_endpoint_channels"]["samples"]) == 1  # 103's channels were null

    contacts = [{"aor": "101", "uri": "sip:101@10.0.0.1:5060", "status": "Avail", "rtt_ms": 12.5},
                {"aor": "102", "uri": "sip:102@10.0.0.2", "status": "Unavail", "rtt_ms": None}]
    metrics = render([("pbx1", doc(contacts))], "contacts")
    assert sample(metrics, "asterisk_contact_status", aor="102", status="Unavail") == 1
    assert sample(metrics, "asterisk_contact_rtt_seconds", aor="101") == 0.0125

    queue = {"queue": "support", "calls": 2, "completed": 7, "abandoned": 1, "holdtime": 30, "talktime": 60,
             "service_level_perf": 87.5, "members": [{"paused": True}, {"paused": False}],
             "callers": [{"wait": 40}, {"wait": 12}]}
    metrics = render([("pbx1", doc([queue, dict(queue, queue="sales", callers=[], members=[])]))], "queues")
    assert sample(metrics, "asterisk_queue_callers", queue="support") == 2
    assert sample(metrics, "asterisk_queue_longest_wait_seconds", queue="support") == 40
    assert sample(metrics, "asterisk_queue_longest_wait_seconds", queue="sales") == 0
    assert sample(metrics, "asterisk_queue_members_paused", queue="support") == 1
    assert sample(metrics, "asterisk_queue_completed_total", queue="support") == 7
    assert sample(metrics, "asterisk_queue_service_level_ratio", queue="support") == 0.875


@pytest.mark.parametrize("query, records", [
    ("channels", [{"channel": "PJSIP/101-1", "duration": 4}]),
    ("calls", [{"active_calls": 2, "max_calls": None, "calls_processed": 9, "system_uptime": 100}]),
    ("uptime", [{"system_uptime": 100, "last_reload": 50}]),
    ("version", [{"version": "16.28.0", "ami_version": "5.0.4", "built_by": None}]),
    ("db", []), ("modules", [{"module": "chan_pjsip.so"}]), ("bridges", []), ("peers", []),
])
def test_every_query_gives_valid_text(query, records):
    metrics = render([("pbx1", doc(records))], query)
    assert sample(metrics, "asterisk_up", pbx="pbx1", query=query) == 1


def test_other_one_record_queries_name_metrics_after_query_and_field():
    metrics = render([("pbx1", doc([{"active_calls": 2, "max_calls": None, "calls_processed": 9,
                                     "system_uptime": 100}]))], "calls")
    assert sample(metrics, "asterisk_calls_active_calls", pbx="pbx1") == 2
    assert metrics["asterisk_calls_calls_processed_total"]["type"] == "counter"
    assert sample(metrics, "asterisk_calls_system_uptime_seconds", pbx="pbx1") == 100
    metrics = render([("pbx1", doc([{"version": "16.28.0", "ami_version": "5.0.4", "built_by": None}]))], "version")
    assert metrics["asterisk_version_info"]["samples"] == [({"pbx": "pbx1", "version": "16.28.0",
                                                             "ami_version": "5.0.4"}, 1.0)]


def test_label_values_are_escaped():
    hostile = 'a"b\\c\nd}e,f="g"'
    metrics = render([(hostile, doc([{"queue": hostile, "callers": [], "members": []}]))], "queues")
    assert sample(metrics, "asterisk_queue_callers", pbx=hostile, queue=hostile) == 0


def test_a_fleet_gives_each_pbx_its_series_in_one_family():
    pairs = [("pbx1", doc([STATUS])), ("pbx2", doc(error={"code": "connect", "message": "refused"})),
             ("pbx3", doc([dict(STATUS, channels=2)]))]
    text = prometheus.render(results(pairs), "status", 0.5, True)
    metrics = parse_exposition(text)  # a family's samples together, HELP and TYPE once
    assert [labels["pbx"] for labels, _ in metrics["asterisk_up"]["samples"]] == ["pbx1", "pbx2", "pbx3"]
    assert sample(metrics, "asterisk_up", pbx="pbx2") == 0
    assert sample(metrics, "asterisk_channels", pbx="pbx3") == 2
    assert metrics["amijson_run_duration_seconds"]["samples"] == [({"query": "status"}, 0.5)]
    assert text.count("# TYPE asterisk_channels ") == 1


def test_a_duplicate_record_gives_one_sample():
    endpoints = [{"endpoint": "101", "state": "Unavailable", "channels": 0}] * 2
    metrics = render([("pbx1", doc(endpoints))], "endpoints")
    assert len(metrics["asterisk_endpoint_state"]["samples"]) == 1
