"""'module show' and 'module show like'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import module_show

from cli_samples import by, run


def test_module_show_22():
    records, warnings = run(module_show, "module-show-22.txt")
    assert len(records) > 100
    assert records[0] == {
        "module": "acl",
        "description": "Named ACL system",
        "use_count": 2,
        "status": "Running",
        "support_level": "core",
    }
    agent = by(records, "module", "app_agent_pool.so")
    assert agent["status"] == "Not Running" and agent["support_level"] == "core"
    assert by(records, "module", "app_adsiprog.so")["support_level"] == "deprecated"
    assert all(isinstance(r["use_count"], int) for r in records)
    # "Tell Asterisk to not maintain a CDR for " is cut too, but its 40th
    # character is a space: it cannot be told from padding, so no warning.
    assert by(records, "module", "app_cdr.so")["description"] == "Tell Asterisk to not maintain a CDR for"
    attended = by(records, "module", "app_attended_transfer.so")
    assert attended["description"] == "Attended transfer to the given extension"
    index = records.index(attended)
    assert "records[%d].description may be truncated at 40 characters (fixed-width column)" % index in warnings


def test_module_show_like_pjsip_22_long_names():
    records, warnings = run(module_show, "module-show-like-pjsip-22.txt", "like")
    assert len(records) == 51  # "N modules loaded" is not a record
    assert records[0] == {
        "module": "chan_pjsip.so",
        "description": "PJSIP Channel Driver",
        "use_count": 7,
        "status": "Running",
        "support_level": "core",
    }
    digest = by(records, "module", "res_pjsip_authenticator_digest.so")
    assert digest["description"] == "PJSIP authentication resource"
    assert digest["use_count"] == 0 and digest["status"] == "Running"
    long_one = by(records, "module", "res_pjsip_dialog_info_body_generator.so")
    assert long_one["description"] == "PJSIP Extension State Dialog Info+XML Pr"
    assert long_one["use_count"] == 0
    assert by(records, "module", "res_pjsip.so")["use_count"] == 51
    assert by(records, "module", "res_pjsip_notify.so")["status"] == "Not Running"
    assert "records[10].description may be truncated at 40 characters (fixed-width column)" in warnings


def test_module_show_12_and_11():
    records, warnings = run(module_show, "module-show-12.txt")
    assert [r["status"] for r in records] == ["Running", "Running", "Not Running"]
    assert all(r["support_level"] is None for r in records)
    assert records[1]["module"] == "res_pjsip_endpoint_identifier_anonymous.so"
    assert records[1]["description"] == "PJSIP Anonymous endpoint identifier"
    assert records[2]["description"] == "Skinny Client Control Protocol Channel D"
    assert warnings == ["records[2].description may be truncated at 40 characters (fixed-width column)"]
    records, _ = run(module_show, "module-show-11.txt")
    assert records == [
        {"module": "app_dial.so", "description": "Dialing Application", "use_count": 2, "status": None, "support_level": None},
        {"module": "chan_sip.so", "description": "Session Initiation Protocol (SIP)", "use_count": 7, "status": None, "support_level": None},
    ]


def test_module_show_nothing():
    assert run(module_show, "module-show-like-nothing-13.txt", "like") == ([], [])


def test_module_show_16():
    # Asterisk 16.28 (real capture): the same columns as 22, 292 modules.
    records, warnings = run(module_show, "module-show-16.txt")
    assert len(records) == 292  # "292 modules loaded"
    assert records[0] == {"module": "acl", "description": "Named ACL system", "use_count": 2,
                          "status": "Running", "support_level": "core"}
    assert by(records, "module", "udptl") == {"module": "udptl", "description": "UDPTL", "use_count": 2,
                                              "status": "Running", "support_level": "core"}
    assert by(records, "module", "app_agent_pool.so")["status"] == "Not Running"
    assert by(records, "module", "res_format_attr_amr.so")["support_level"] == "unknown"
    assert by(records, "module", "res_timing_timerfd.so")["use_count"] == 13
    # a module name past its 30 columns pushes the rest of the row right
    anonymous = by(records, "module", "res_pjsip_endpoint_identifier_anonymous.so")
    assert (anonymous["description"], anonymous["use_count"]) == ("PJSIP Anonymous endpoint identifier", 0)
    assert {r["status"] for r in records} == {"Running", "Not Running"}
    assert all(isinstance(r["use_count"], int) for r in records)
    assert by(records, "module", "app_disa.so")["description"] == "DISA (Direct Inward System Access) Appli"
    assert len(warnings) == 38 and all(w.endswith("truncated at 40 characters (fixed-width column)") for w in warnings)
    assert "records[%d].description" % records.index(by(records, "module", "app_disa.so")) in \
        " ".join(warnings)


def test_module_show_like_pjsip_16():
    records, warnings = run(module_show, "module-show-like-pjsip-16.txt", "like")
    assert len(records) == 48  # "48 modules loaded"
    assert records[0] == {"module": "chan_pjsip.so", "description": "PJSIP Channel Driver", "use_count": 6,
                          "status": "Running", "support_level": "core"}
    assert by(records, "module", "res_pjsip.so")["use_count"] == 47
    assert by(records, "module", "res_pjsip_notify.so")["status"] == "Not Running"
    assert by(records, "module", "res_pjsip_history.so")["support_level"] == "extended"
    long_one = by(records, "module", "res_pjsip_dialog_info_body_generator.so")
    assert (long_one["description"], long_one["use_count"]) == ("PJSIP Extension State Dialog Info+XML Pr", 0)
    assert [records[int(w.split("[")[1].split("]")[0])]["module"] for w in warnings] == [
        "res_pjsip_dialog_info_body_generator.so", "res_pjsip_geolocation.so", "res_pjsip_refer.so"]
