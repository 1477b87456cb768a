"""--via http: AMI over the sandbox Asterisk's own HTTP server (POST /rawman), the same
answers as over AMI's TCP port. manager.conf says webenabled = yes; http.conf serves on
AMIJSON_SANDBOX_HTTP_PORT and, with TLS, AMIJSON_SANDBOX_HTTPS_PORT."""

import pytest


@pytest.fixture
def http(amijson, sandbox):
    """amijson --via http against the sandbox's HTTP server."""
    def run(*args, env=None):
        return amijson("--via", "http", "--http-port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"], *args, env=env)
    return run


def _without_volatile(records):
    # ActionIDs differ per run, a channel's Duration ticks on between two runs.
    return [{k: v for k, v in r.items() if k not in ("ActionID", "Duration")} for r in records]


def test_core_show_channels_over_http_equals_ami(http, amijson, live_calls):
    live_calls(2)
    over_http = http("action", "CoreShowChannels")
    over_tcp = amijson("action", "CoreShowChannels")
    assert over_http.returncode == 0, over_http.doc
    assert over_http.doc["route"] == "http"
    assert over_http.doc["server"]["banner"].startswith("Asterisk/")
    assert over_http.doc["server"]["ami_version"] is None
    assert len(over_http.doc["records"]) == 4
    assert _without_volatile(over_http.doc["records"]) == _without_volatile(over_tcp.doc["records"])
    assert over_http.doc["complete"]["ListItems"] == "4"


def test_queries_and_commands_over_http(http, amijson, live_calls, sandbox):
    live_calls(1)
    channels = http("channels")
    assert channels.returncode == 0 and len(channels.doc["records"]) == 2
    assert all(r["context"] == sandbox["AMIJSON_SANDBOX_CONTEXT"] for r in channels.doc["records"])
    queues = http("queues")
    assert queues.returncode == 0
    assert {q["queue"] for q in queues.doc["records"]} == {q["queue"] for q in amijson("queues").doc["records"]}
    endpoints = http("command", "pjsip show endpoints")
    assert endpoints.returncode == 0 and endpoints.doc["parser"]
    assert [r["endpoint"] for r in endpoints.doc["records"]] == \
        [r["endpoint"] for r in amijson("command", "pjsip show endpoints").doc["records"]]
    unknown = http("command", "no such thing")
    assert unknown.returncode == 1 and unknown.doc["error"]["code"] == "command_failed"


def test_latin1_caller_name_over_http(http, live_calls):
    live_calls(1, "latin1")
    run = http("action", "CoreShowChannels")
    assert "José Müller" in [r["CallerIDName"] for r in run.doc["records"]]
    assert any("decoded as latin-1" in w for w in run.doc["warnings"])


@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_both_logins_over_http(http, auth):
    run = http("--auth", auth, "action", "Ping")
    assert run.returncode == 0 and run.doc["response"]["Ping"] == "Pong"


def test_wrong_secret_and_missing_write_class_over_http(http, sandbox):
    wrong = http("action", "Ping", env={"AMIJSON_SECRET": "not-the-secret"})
    assert wrong.returncode == 4 and wrong.doc["error"]["code"] == "auth"
    readonly = http("command", "core show uptime", env={"AMIJSON_USER": sandbox["AMIJSON_SANDBOX_READONLY_USER"],
                                                        "AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_READONLY_SECRET"]})
    assert readonly.returncode == 4 and readonly.doc["error"]["code"] == "permission"


def test_a_prefix_http_conf_does_not_have_is_a_clear_connect_error(http):
    run = http("--http-prefix", "asterisk", "action", "Ping")
    assert run.returncode == 3 and run.doc["error"]["code"] == "connect"
    assert "/asterisk/rawman (404" in run.doc["error"]["message"]
    assert "webenabled" in run.doc["error"]["message"]


def test_the_sandbox_env_lines_alone_reach_http(amijson, sandbox):
    """AMIJSON_PORT is the AMI port; --via http takes AMIJSON_HTTP_PORT, which the sandbox's
    env lines export beside it, and never AMIJSON_PORT."""
    assert sandbox["AMIJSON_HTTP_PORT"] == sandbox["AMIJSON_SANDBOX_HTTP_PORT"]
    run = amijson("--via", "http", "action", "Ping", env={"AMIJSON_HTTP_PORT": sandbox["AMIJSON_HTTP_PORT"]})
    assert run.returncode == 0 and run.doc["route"] == "http", run.doc
    assert run.doc["server"]["port"] == int(sandbox["AMIJSON_HTTP_PORT"])
    refused = amijson("--via", "http", "--port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"], "action", "Ping")
    assert refused.returncode == 2 and "--http-port" in refused.doc["error"]["message"]


def test_pointed_at_the_ami_port_says_so(amijson, sandbox):
    run = amijson("--via", "http", "--http-port", sandbox["AMIJSON_PORT"], "action", "Ping")
    assert run.returncode == 6 and run.doc["error"]["code"] == "protocol"
    assert "speaks AMI over TCP, not HTTP" in run.doc["error"]["message"]


def test_https_verified_with_the_sandbox_ca(amijson, sandbox):
    port = sandbox["AMIJSON_SANDBOX_HTTPS_PORT"]
    run = amijson("--via", "http", "--tls", "--http-port", port, "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"],
                  "action", "Ping")
    assert run.returncode == 0 and run.doc["route"] == "http+tls", run.doc
    untrusted = amijson("--via", "http", "--tls", "--http-port", port, "action", "Ping")
    assert untrusted.returncode == 3 and untrusted.doc["error"]["code"] == "tls"


def test_debug_shows_the_exchange_without_the_secret(http, sandbox):
    run = http("--debug", "action", "Ping")  # MD5 by default: plain HTTP is not verified TLS
    assert run.returncode == 0
    assert "> Action: Challenge" in run.stderr and "> Key: ********" in run.stderr
    assert "< Ping: Pong" in run.stderr
    plain = http("--debug", "--auth", "plain", "action", "Ping")
    assert plain.returncode == 0
    assert "> Action: Challenge" not in plain.stderr and "> Secret: ********" in plain.stderr
    for stderr in (run.stderr, plain.stderr):
        assert sandbox["AMIJSON_SECRET"] not in stderr
