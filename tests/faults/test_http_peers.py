"""AMI over HTTP (--via http) against scripted HTTP peers: what a real Asterisk 22 cannot
show. Asterisk 11's server closes after every response (tests/fakeami.py, http_reply_11);
a proxy may re-chunk the body; broken or silent peers must end in a clear error document
within the deadline plus 1 s."""

import subprocess
import sys
import time

from conftest import amijson_path, offline_env, validate_document
from fakeami import ScriptedAmi, aid_line, core_show_channels_11, http_reply_11, http_reply_22

DEADLINE = 2.0


def login_ok(h):
    return b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n"


def run_http(amijson_offline, scenario, *args, code, error=None, timeout=DEADLINE, requests=0):
    """Run amijson against ``scenario``; with ``requests``, keep serving until that many came
    (amijson does not wait for the Logoff's answer, so the server may still be reading it)."""
    # These peers play HTTP framing, not the MD5 login: the secret goes plain, as asked.
    with ScriptedAmi(scenario) as server:
        run = amijson_offline("--via", "http", "--auth", "plain", "--http-port", str(server.port),
                              "--timeout", str(timeout), *args, timeout=timeout + 30)
        deadline = time.monotonic() + 5
        while len(server.received) < requests and time.monotonic() < deadline:
            time.sleep(0.05)
    assert run.elapsed < timeout + 1.0, "took %.1fs past a %ss deadline" % (run.elapsed, timeout)
    assert run.returncode == code, run.doc
    assert run.doc["route"] == "http"
    if error:
        assert run.doc["error"]["code"] == error, run.doc["error"]
    else:
        assert run.doc["error"] is None, run.doc["error"]
    return run, server


def test_asterisk_11_closes_after_every_response_and_the_cookie_carries_the_session(amijson_offline):
    def one_request_per_connection(peer):
        h = peer.expect_http()
        if h is None:
            return
        if h["action"].lower() == "login":
            peer.send(http_reply_11(login_ok(h), cookie="1a2b3c4d"))
        elif h["action"].lower() == "coreshowchannels":
            if h["_cookie"] != "mansession_id=1a2b3c4d":
                peer.send(http_reply_11(b"Response: Error\r\n" + aid_line(h) + b"Message: Permission denied\r\n\r\n"))
            else:
                peer.send(http_reply_11(core_show_channels_11(h), cookie="1a2b3c4d"))
        else:  # Logoff
            peer.send(http_reply_11(b"Response: Goodbye\r\n" + aid_line(h) + b"Message: Thanks\r\n\r\n"))
    run, server = run_http(amijson_offline, one_request_per_connection, "action", "CoreShowChannels", code=0,
                           requests=3)
    assert [r["Channel"] for r in run.doc["records"]] == ["SIP/100-00000001"]
    assert run.doc["complete"]["Event"] == "CoreShowChannelsComplete"
    assert run.doc["server"]["banner"] == "Asterisk/11.25.3"
    assert [h["action"].lower() for h in server.received] == ["login", "coreshowchannels", "logoff"]
    assert server.received[2]["_cookie"] == "mansession_id=1a2b3c4d"  # on a new connection
    assert all(h["_path"] == "/rawman" for h in server.received)


def test_a_proxy_that_chunks_the_body(amijson_offline):
    def chunking(peer):
        h = peer.expect_http()
        peer.send(http_reply_22(login_ok(h), chunks=7))
        h = peer.expect_http()
        peer.send(http_reply_22(core_show_channels_11(h), chunks=100))
        peer.expect_http()
    run, _ = run_http(amijson_offline, chunking, "--http-prefix", "/asterisk/", "action", "CoreShowChannels",
                      code=0)
    assert len(run.doc["records"]) == 1


def test_a_long_list_in_one_body_gives_every_record(amijson_offline):
    # 3,000 events, some 1.6 MB: the body goes to the parser in pieces, and runs span them
    def event(h, i):
        return (b"Event: CoreShowChannel\r\n" + aid_line(h) + b"Channel: Local/wait@t-%08x;%d\r\n"
                b"ChannelStateDesc: Up\r\nCallerIDName: <unknown>\r\nContext: t\r\nPriority: %d\r\n"
                b"Uniqueid: 1764567890.%d\r\nApplication: Wait\r\nDuration: 00:0%d:1%d\r\nBridgeId: \r\n\r\n"
                % (i // 2, i % 2 + 1, i % 2 + 1, i, i % 7, i % 3))

    def long_list(peer):
        h = peer.expect_http()
        peer.send(http_reply_22(login_ok(h)))
        h = peer.expect_http()
        body = [b"Response: Success\r\n" + aid_line(h) + b"EventList: start\r\n\r\n"]
        body += [event(h, i) for i in range(3000)]
        body.append(b"Event: CoreShowChannelsComplete\r\n" + aid_line(h) + b"EventList: Complete\r\n"
                    b"ListItems: 3000\r\n\r\n")
        peer.send(http_reply_22(b"".join(body)))
        peer.expect_http()
    run, _ = run_http(amijson_offline, long_list, "channels", code=0)
    records = run.doc["records"]
    assert len(records) == 3000
    assert records[2999] == {
        "channel": "Local/wait@t-000005db;2", "uniqueid": "1764567890.2999", "linkedid": None, "context": "t",
        "extension": None, "priority": 2, "state": "Up", "application": "Wait", "application_data": None,
        "caller_id_num": None, "caller_id_name": None, "connected_line_num": None, "connected_line_name": None,
        "account_code": None, "duration": 2999 % 7 * 60 + 10 + 2999 % 3, "bridge_id": None}
    assert [r["uniqueid"] for r in records] == ["1764567890.%d" % i for i in range(3000)]


def test_prefix_goes_into_the_path(amijson_offline):
    def answer(peer):
        h = peer.expect_http()
        peer.send(http_reply_22(login_ok(h)))
        h = peer.expect_http()
        peer.send(http_reply_22(b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\n\r\n"))
        peer.expect_http()
    _, server = run_http(amijson_offline, answer, "--http-prefix", "/asterisk/", "action", "Ping", code=0)
    assert server.received[0]["_path"] == "/asterisk/rawman"


def test_a_body_whose_list_never_completes(amijson_offline):
    def cut_list(peer):
        h = peer.expect_http()
        peer.send(http_reply_22(login_ok(h)))
        h = peer.expect_http()
        whole = core_show_channels_11(h)
        peer.send(http_reply_22(whole[:whole.index(b"Event: CoreShowChannelsComplete")]))
        peer.expect_http()
    run, _ = run_http(amijson_offline, cut_list, "action", "CoreShowChannels", code=6, error="protocol")
    assert "ended before its list completed" in run.doc["error"]["message"]
    assert run.doc["response"]["Message"] == "Channels will follow"


def test_closed_in_the_middle_of_a_body(amijson_offline):
    def short(peer):
        h = peer.expect_http()
        reply = http_reply_22(login_ok(h))
        peer.send(reply.replace(b"Content-Length: %d" % len(login_ok(h)), b"Content-Length: 500"))
    run, _ = run_http(amijson_offline, short, "action", "Ping", code=6, error="protocol")
    assert "middle of a response" in run.doc["error"]["message"]


def test_a_server_that_never_answers(amijson_offline):
    def silent(peer):
        peer.expect_http()
        peer.wait_closed()
    run, _ = run_http(amijson_offline, silent, "action", "Ping", code=5, error="timeout")
    assert "HTTP reply to Login" in run.doc["error"]["message"]


def test_a_server_error_status(amijson_offline):
    def failing(peer):
        peer.expect_http()
        peer.send(http_reply_22(b"Internal Server Error (out of memory)", status=b"500 Server Error"))
    run, _ = run_http(amijson_offline, failing, "action", "Ping", code=6, error="protocol")
    assert "HTTP 500" in run.doc["error"]["message"]


def test_a_body_past_max_size(amijson_offline):
    def huge(peer):
        h = peer.expect_http()
        body = login_ok(h)
        peer.send(http_reply_22(body).replace(b"Content-Length: %d" % len(body), b"Content-Length: 3000000")
                  + b"x" * 2_000_000)
        peer.wait_closed()
    run, _ = run_http(amijson_offline, huge, "--max-size", "1", "action", "Ping", code=6, error="protocol")
    assert "--max-size" in run.doc["error"]["message"]


def test_http_asked_for_by_name_never_falls_back_to_rx(amijson_offline, unused_port):
    # /bin/true stands for an asterisk executable: --via auto would answer through it.
    env = {"AMIJSON_ASTERISK": "/bin/true"}
    auto = amijson_offline("--port", str(unused_port), "channels", env=env)
    assert auto.doc["route"] == "rx" and any("AMI not used" in w for w in auto.doc["warnings"])
    http = amijson_offline("--via", "http", "--http-port", str(unused_port), "channels", env=env)
    assert http.returncode == 3 and http.doc["error"]["code"] == "connect"
    assert http.doc["route"] == "http" and http.doc["warnings"] == []


def test_a_web_server_that_is_not_asterisk(amijson_offline):
    # Some other web server on the port answers every path with a page.
    def nginx(peer):
        peer.expect_http()
        page = b"<html><head><title>Welcome</title></head><body>It works!</body></html>\n"
        peer.send(b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                  % len(page) + page)
        peer.wait_closed(5)
    run, _ = run_http(amijson_offline, nginx, "action", "Ping", code=6, error="protocol")
    assert "(Server: nginx) held no AMI response" in run.doc["error"]["message"]


# --- hostile chunked bodies: bounded time and memory ----------------------------------------

CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nServer: Asterisk/22.10.1\r\nTransfer-Encoding: chunked\r\n\r\n"
HOSTILE_HOST = "127.0.0.7"  # any loopback address: the peer need not be 127.0.0.1

# Spawns argv from a small process and prints its exit code and peak memory (kB) on
# stderr, as tests/faults/test_faults.py does: a child spawned from pytest itself would
# count pytest's resident memory in its peak.
_MEASURE = """
import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def run_measured(tmp_path, scenario, *args, timeout=10):
    """amijson --via http against ``scenario`` on HOSTILE_HOST: (exit code, document,
    its stderr, seconds taken, peak memory in MB)."""
    with ScriptedAmi(scenario, host=HOSTILE_HOST) as server:
        started = time.monotonic()
        argv = [amijson_path(), "--via", "http", "--auth", "plain", "--host", HOSTILE_HOST,
                "--http-port", str(server.port), "--timeout", str(timeout), *args]
        proc = subprocess.run([sys.executable, "-c", _MEASURE, *argv],
                              capture_output=True, env=offline_env(tmp_path), timeout=timeout + 30)
        elapsed = time.monotonic() - started
    stderr = proc.stderr.decode("utf-8", "replace")
    code, peak_kb = stderr.split()[-2:]
    return int(code), validate_document(proc.stdout.decode()), stderr, elapsed, int(peak_kb) / 1024


def assert_refused_quickly(tmp_path, scenario, message):
    """amijson --max-size 1 against ``scenario``: a protocol error saying ``message``, within
    3 s, no traceback, under 100 MB at its peak."""
    code, doc, stderr, elapsed, peak_mb = run_measured(tmp_path, scenario, "--max-size", "1", "action", "Ping")
    assert code == 6 and doc["error"]["code"] == "protocol", doc["error"]
    assert message in doc["error"]["message"]
    assert "Traceback" not in stderr, stderr
    assert elapsed < 3, "took %.1fs" % elapsed
    assert peak_mb < 100, "peak memory %.0f MB" % peak_mb


def send_until_closed(peer, data, most):
    """Send ``data`` again and again, ``most`` bytes at most, while the client takes it."""
    for _ in range(most // len(data)):
        peer.send(data)  # OSError once the client is gone: the scenario ends there


def test_a_chunked_body_of_negative_chunk_sizes(tmp_path):
    # int("-1", 16) is -1; a reader that took it once held 700 MB with --max-size 1.
    def negative_chunks(peer):
        peer.expect_http()
        peer.send(CHUNKED_HEAD)
        send_until_closed(peer, b"-1\r\n" * 16384, 256 << 20)
    assert_refused_quickly(tmp_path, negative_chunks, "bad chunk size: b'-1'")


def test_chunks_whose_decoded_size_passes_max_size(tmp_path):
    # Valid chunks, each with an extension, 64 KiB apiece: 17 of them pass 1 MiB.
    def many_chunks(peer):
        peer.expect_http()
        peer.send(CHUNKED_HEAD)
        send_until_closed(peer, b"ffff;part=1\r\n" + b"x" * 0xffff + b"\r\n", 256 << 20)
    assert_refused_quickly(tmp_path, many_chunks,
                           "more than 1 MiB waiting for the HTTP reply to Login; --max-size raises the limit")


def test_a_chunk_announced_past_max_size_fails_before_its_data(tmp_path):
    # The size line alone says 2 MiB: no waiting for the data (the peer never sends it).
    def huge_chunk(peer):
        peer.expect_http()
        peer.send(CHUNKED_HEAD + b"200000\r\n")
        peer.wait_closed(15)
    assert_refused_quickly(tmp_path, huge_chunk, "announced more than 1 MiB")


def test_a_content_length_past_max_size_fails_before_the_body(amijson_offline):
    def announced(peer):
        peer.expect_http()
        peer.send(b"HTTP/1.1 200 OK\r\nServer: Asterisk/22.10.1\r\nContent-Length: 999999999999999999\r\n\r\n")
        peer.wait_closed(15)
    run, _ = run_http(amijson_offline, announced, "--max-size", "1", "action", "Ping", code=6, error="protocol")
    assert "announced more than 1 MiB" in run.doc["error"]["message"]
    assert run.elapsed < 1.5, "took %.1fs: waited for the body" % run.elapsed


def test_a_status_code_in_other_digits(amijson_offline):
    # "²00".isdigit() is True and int("²00") raises: the reader must refuse it, not crash.
    def superscript(peer):
        peer.expect_http()
        peer.send(b"HTTP/1.1 \xb200 OK\r\nContent-Length: 0\r\n\r\n")
        peer.wait_closed(5)
    run, _ = run_http(amijson_offline, superscript, "action", "Ping", code=6, error="protocol")
    assert "not an HTTP response" in run.doc["error"]["message"]
