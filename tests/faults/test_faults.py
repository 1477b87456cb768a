"""Hostile and broken peers: every case ends in a correct document or a clear
error document with the right exit code, within the deadline plus 1 s, with no
traceback and no secret in any output.

The peers are scripted byte by byte (tests/fakeami.py, ScriptedAmi); where a
script plays a well-behaved server it follows Asterisk 13.38.3's framing. The
installed amijson runs as a subprocess, as PHP and shells run it.
"""

import os
import socket
import ssl
import subprocess
import sys
import time

import pytest

from conftest import FAULT_SECRET, amijson_path, offline_env, validate_document
from fakeami import BANNER_13, ScriptedAmi, aid_line, challenge_13, login_13, logoff_13

DEADLINE = 2.0


def aid(h):
    return aid_line(h)


def logged_in(peer):
    """Banner, [Challenge,] Login as Asterisk 13 answers them; the next action's headers."""
    peer.send(BANNER_13)
    h = peer.expect()
    if h.get("action", "").lower() == "challenge":
        peer.send(challenge_13(h))
        h = peer.expect()
    peer.send(login_13(h))
    return peer.expect()


def finish(peer):
    """Answer Logoff if it comes."""
    headers = peer.expect()
    if headers and headers.get("action", "").lower() == "logoff":
        peer.send(logoff_13(headers))


def list_of(h, items, name="CoreShowChannel", complete="CoreShowChannelsComplete"):
    out = [b"Response: Success\r\n" + aid(h) + b"EventList: start\r\nMessage: Channels will follow\r\n\r\n"]
    out += [b"Event: " + name.encode() + b"\r\n" + aid(h) + item + b"\r\n" for item in items]
    out.append(b"Event: " + complete.encode() + b"\r\n" + aid(h) + b"EventList: Complete\r\nListItems: %d\r\n\r\n"
               % len(items))
    return b"".join(out)


def run_against(amijson_offline, scenario, *args, code, error=None, timeout=DEADLINE):
    with ScriptedAmi(scenario) as server:
        run = amijson_offline("--port", str(server.port), "--timeout", str(timeout), *args,
                              timeout=timeout + 30)
    assert run.elapsed < timeout + 1.0, "took %.1fs past a %ss deadline" % (run.elapsed, timeout)
    assert run.returncode == code, run.doc
    if error:
        assert run.doc["error"]["code"] == error, run.doc["error"]
    else:
        assert run.doc["error"] is None
    return run, server


# --- silence and slowness ---------------------------------------------------------

def test_accepts_and_never_sends_the_banner(amijson_offline):
    run, server = run_against(amijson_offline, lambda peer: peer.wait_closed(), "action", "Ping", code=5,
                              error="timeout")
    # Said of the peer: Asterisk speaks first, amijson never sends a banner.
    assert run.doc["error"]["message"] == (
        "deadline of %gs passed, and 127.0.0.1:%d sent no AMI banner: Asterisk's AMI sends one as soon as it "
        "accepts a connection" % (DEADLINE, server.port))


def test_banner_then_silence(amijson_offline):
    def scenario(peer):
        peer.send(BANNER_13)
        peer.wait_closed()
    run_against(amijson_offline, scenario, "action", "Ping", code=5, error="timeout")


def test_ctrl_c_in_a_terminal_is_interrupted_130(tmp_path):
    """Ctrl-C while amijson waits on a silent peer: one document, code interrupted, exit 130."""
    import pexpect

    def scenario(peer):
        peer.send(BANNER_13)
        peer.wait_closed(15)
    with ScriptedAmi(scenario) as server:
        child = pexpect.spawn(amijson_path(), ["--port", str(server.port), "--timeout", "10", "action", "Ping"],
                              env=offline_env(tmp_path), encoding="utf-8", timeout=10)
        time.sleep(0.5)  # logged in or waiting: either way, mid-run
        child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
    shown = child.before.replace("\r\n", "\n")
    doc = validate_document(shown[shown.index("{"):].strip() + "\n")  # after the terminal's echo of ^C
    assert child.exitstatus == 130 and doc["error"]["code"] == "interrupted", (child.exitstatus, doc)
    assert "Traceback" not in child.before


def test_dribbles_one_byte_every_100ms(amijson_offline):
    def scenario(peer):
        peer.dribble(BANNER_13 + b"Response: Success\r\nActionID: x\r\nChallenge: 1\r\n\r\n", 0.1)
    run_against(amijson_offline, scenario, "action", "Ping", code=5, error="timeout")


def test_closes_in_the_middle_of_an_event_list(amijson_offline):
    def scenario(peer):
        h = logged_in(peer)
        full = list_of(h, [b"Channel: PJSIP/%d\r\n" % i for i in range(20)])
        peer.send(full[:len(full) // 2])
    run, _ = run_against(amijson_offline, scenario, "action", "CoreShowChannels", code=6, error="protocol")
    assert "before the CoreShowChannels list completed" in run.doc["error"]["message"]
    assert run.doc["response"]["EventList"] == "start"


def test_closes_right_after_the_response(amijson_offline):
    def scenario(peer):
        h = logged_in(peer)
        peer.send(b"Response: Success\r\n" + aid(h) + b"EventList: start\r\nMessage: Channels will follow\r\n\r\n")
    run_against(amijson_offline, scenario, "action", "CoreShowChannels", code=6, error="protocol")


def test_closes_right_after_login(amijson_offline):
    def scenario(peer):
        peer.send(BANNER_13)
        peer.send(challenge_13(peer.expect()))
        peer.send(login_13(peer.expect()))
    run_against(amijson_offline, scenario, "--auth", "md5", "action", "Ping", code=6, error="protocol")


def test_login_refused_then_closed_is_auth(amijson_offline):
    def scenario(peer):
        peer.send(BANNER_13)
        peer.send(challenge_13(peer.expect()))
        h = peer.expect()
        time.sleep(0.3)  # Asterisk waits a second before saying no
        peer.send(b"Response: Error\r\n" + aid(h) + b"Message: Authentication failed\r\n\r\n")
    run, server = run_against(amijson_offline, scenario, "--auth", "md5", "action", "Ping", code=4, error="auth")
    # The action went out with the Login; Asterisk drops it when the login fails.
    assert server.actions()[:2] == ["challenge", "login"]


# --- something else entirely --------------------------------------------------------

@pytest.mark.parametrize("greeting", [
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
    bytes(range(256)) * 8,  # random-looking bytes, no line in sight
    b"\x00\x01\x02garbage\n",
], ids=["http", "ssh", "binary", "garbage-line"])
def test_speaks_something_else(amijson_offline, greeting):
    def scenario(peer):
        peer.send(greeting)
        peer.wait_closed(5)
    run, _ = run_against(amijson_offline, scenario, "action", "Ping", code=6, error="protocol")
    assert "banner" in run.doc["error"]["message"]


def self_signed_server_context(tmp_path):
    """A TLS server context with a fresh self-signed certificate for localhost."""
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=localhost"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


def test_tls_server_on_the_plain_port(amijson_offline, tmp_path):
    context = self_signed_server_context(tmp_path)

    def scenario(peer):  # a TLS server waits for a ClientHello that never comes
        try:
            context.wrap_socket(peer.conn, server_side=True)
        except (ssl.SSLError, OSError):
            pass
    # amijson sends nothing before an AMI banner, so both sides wait: the error is
    # the missing banner, at the deadline.
    run, _ = run_against(amijson_offline, scenario, "action", "Ping", code=5, error="timeout")
    assert "sent no AMI banner" in run.doc["error"]["message"]


def test_plain_server_on_the_tls_port(amijson_offline):
    def scenario(peer):
        peer.send(BANNER_13)
        peer.wait_closed(5)
    run_against(amijson_offline, scenario, "--tls", "--insecure", "action", "Ping", code=3, error="tls")


# --- framing -----------------------------------------------------------------------------

def test_odd_framing_still_parses(amijson_offline):
    """\\r\\n\\n endings, bare \\n inside a value, extra blank lines, Key: without
    value, Key:without space, a line with no colon."""
    def scenario(peer):
        h = logged_in(peer)
        a = aid(h)
        peer.send(b"\r\n\r\nResponse: Success\r\n" + a + b"EventList: start\r\n\n"
                  b"Event: CoreShowChannel\r\n" + a + b"Channel: A\r\nNote: first\nsecond\r\nEmpty:\r\n"
                  b"Tight:value\r\n\r\n\r\n\r\n"
                  b"Event: CoreShowChannel\n" + a.replace(b"\r\n", b"\n") + b"Channel: B\n\n"
                  b"Event: CoreShowChannelsComplete\r\n" + a + b"EventList: Complete\r\nListItems: 2\r\n\r\n")
        finish(peer)
    run, _ = run_against(amijson_offline, scenario, "action", "CoreShowChannels", code=0)
    first, second = run.doc["records"]
    assert first["Channel"] == "A" and first["Note"] == "first\nsecond"
    assert first["Empty"] == "" and first["Tight"] == "value"
    assert second["Channel"] == "B"


def test_ten_megabyte_header_line(amijson_offline):
    big = b"x" * (10 << 20)

    def scenario(peer):
        h = logged_in(peer)
        peer.send(b"Response: Success\r\n" + aid(h) + b"Ping: Pong\r\nHuge: " + big + b"\r\n\r\n")
        finish(peer)
    run, _ = run_against(amijson_offline, scenario, "action", "Ping", code=0, timeout=10)
    assert len(run.doc["response"]["Huge"]) == len(big)


def _big_list_scenario(count):
    item = b"Channel: PJSIP/%07d-00000001\r\nState: Up\r\nUniqueid: 1700000000.%d\r\n"

    def scenario(peer):
        h = logged_in(peer)
        a = aid(h)
        peer.send(b"Response: Success\r\n" + a + b"EventList: start\r\n\r\n")
        batch = []
        for i in range(count):
            batch.append(b"Event: CoreShowChannel\r\n" + a + item % (i, i) + b"\r\n")
            if len(batch) == 5000:
                peer.send(b"".join(batch))
                batch = []
        peer.send(b"".join(batch) + b"Event: CoreShowChannelsComplete\r\n" + a +
                  b"EventList: Complete\r\nListItems: %d\r\n\r\n" % count)
        finish(peer)
    return scenario


# Spawns argv from a small process and prints its exit code and peak memory (kB)
# on stderr. A child spawned straight from the test process would not do: Linux
# counts the parent's resident memory at the moment of spawning in the child's
# peak, and pytest's is larger than what is measured here.
_MEASURE = """
import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def _spawn_measured(tmp_path, port, *args):
    """Run amijson in its own process: (exit code, stdout, peak memory in MB from wait4)."""
    proc = subprocess.Popen([sys.executable, "-c", _MEASURE, amijson_path(), "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=offline_env(tmp_path))
    out, err = proc.communicate()
    code, peak_kb = err.decode().split()[-2:]
    return int(code), out.decode(), int(peak_kb) / 1024


def test_list_of_200000_items_and_the_max_size_bound(tmp_path):
    """200,000 items (about 20 MB of AMI text) fit the default --max-size of 64 MiB:
    all arrive, with peak memory under a stated bound. With --max-size 4 the same
    list stops with a protocol error, having held far less than the whole list."""
    with ScriptedAmi(_big_list_scenario(200000)) as server:
        code, out, full_mb = _spawn_measured(tmp_path, server.port, "--timeout", "120", "--records",
                                             "action", "CoreShowChannels")
    assert code == 0
    assert out.count('"Event":"CoreShowChannel"') == 200000
    assert full_mb < 600, "peak memory %.0f MB for 20 MB of AMI text" % full_mb

    with ScriptedAmi(_big_list_scenario(200000)) as server:
        code, out, limited_mb = _spawn_measured(tmp_path, server.port, "--timeout", "60", "--max-size", "4",
                                                "action", "CoreShowChannels")
    assert code == 6
    doc = validate_document(out)
    assert doc["error"]["code"] == "protocol" and "4 MiB" in doc["error"]["message"]
    assert limited_mb < full_mb / 2, "stopped at 4 MiB but peaked at %.0f MB (whole list: %.0f MB)" % (
        limited_mb, full_mb)


def test_follows_without_end_command(amijson_offline):
    def scenario(peer):
        h = logged_in(peer)
        peer.send(b"Response: Follows\r\nPrivilege: Command\r\n" + aid(h) + b"some output\nand more\n")
        peer.wait_closed()
    run_against(amijson_offline, scenario, "command", "core show uptime", code=5, error="timeout")

    def closing(peer):
        h = logged_in(peer)
        peer.send(b"Response: Follows\r\nPrivilege: Command\r\n" + aid(h) + b"some output\n")
    run_against(amijson_offline, closing, "command", "core show uptime", code=6, error="protocol")


# --- other people's messages ---------------------------------------------------------------

def test_unsolicited_and_foreign_events_are_never_mixed_in(amijson_offline):
    def scenario(peer):
        h = logged_in(peer)
        a = aid(h)
        noise = b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: SIP/noise-1\r\n\r\n"
        other = b"Event: CoreShowChannel\r\nActionID: someone-else\r\nChannel: SIP/other\r\n\r\n"
        ours_early = b"Event: OriginateResponse\r\n" + a + b"Response: Success\r\nChannel: SIP/dup\r\n\r\n"
        peer.send(noise + ours_early + other +
                  b"Response: Success\r\n" + a + b"EventList: start\r\n\r\n" + noise +
                  b"Event: CoreShowChannel\r\n" + a + b"Channel: SIP/mine-1\r\n\r\n" + noise + other +
                  b"Event: CoreShowChannel\r\n" + a + b"Channel: SIP/mine-2\r\n\r\n" +
                  b"Event: CoreShowChannelsComplete\r\n" + a + b"EventList: Complete\r\nListItems: 2\r\n\r\n"
                  + noise)
        finish(peer)
    run, _ = run_against(amijson_offline, scenario, "action", "CoreShowChannels", code=0)
    assert [r["Channel"] for r in run.doc["records"]] == ["SIP/mine-1", "SIP/mine-2"]


# --- bytes ---------------------------------------------------------------------------------

def test_invalid_utf8_nul_and_a_4000_character_name(amijson_offline):
    long_name = ("Ü" * 4000).encode("utf-8")

    def scenario(peer):
        h = logged_in(peer)
        items = [b"Channel: A\r\nCallerIDName: Jos\xe9 \xff\xfe\r\n",
                 b"Channel: B\r\nCallerIDName: nul\x00byte\r\n",
                 b"Channel: C\r\nCallerIDName: " + long_name + b"\r\n"]
        peer.send(list_of(h, items))
        finish(peer)
    run, _ = run_against(amijson_offline, scenario, "action", "CoreShowChannels", code=0)
    a, b, c = run.doc["records"]
    assert a["CallerIDName"] == "Jos\u00e9 \u00ff\u00fe"
    assert b["CallerIDName"] == "nul\x00byte"
    assert c["CallerIDName"] == "Ü" * 4000
    assert run.doc["warnings"] == ["records[0].CallerIDName: bytes not valid UTF-8, decoded as latin-1"]
    run.stdout.encode("ascii")  # the document itself is plain ASCII JSON


# --- the reader goes away --------------------------------------------------------------------

def test_reader_closes_the_pipe_early(tmp_path):
    """PHP closes the pipe before reading: amijson exits quietly and has logged off."""
    def scenario(peer):
        h = logged_in(peer)
        peer.send(list_of(h, [b"Channel: PJSIP/%d\r\n" % i for i in range(3000)]))
        finish(peer)

    with ScriptedAmi(scenario) as server:
        read_end, write_end = os.pipe()
        os.close(read_end)  # nobody will ever read
        proc = subprocess.Popen([amijson_path(), "--port", str(server.port), "action", "CoreShowChannels"],
                                stdout=write_end, stderr=subprocess.PIPE,
                                env=offline_env(tmp_path))
        os.close(write_end)
        err = proc.stderr.read().decode()
        proc.wait(30)
        deadline = time.monotonic() + 5
        while "logoff" not in server.actions() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert err == ""
    assert proc.returncode in (0, 141)  # quiet either way; never a traceback
    assert "logoff" in server.actions()


# --- secrets ---------------------------------------------------------------------------------

def test_debug_transcript_redacts_secret_and_key(amijson_offline):
    def scenario(peer):
        h = logged_in(peer)
        # a hostile peer echoing the secret must not get it printed either
        peer.send(b"Response: Success\r\n" + aid(h) + b"Echo: " + FAULT_SECRET.encode() + b"\r\n\r\n")
        finish(peer)
    for auth in ("md5", "plain"):
        with ScriptedAmi(scenario) as server:
            run = amijson_offline("--port", str(server.port), "--auth", auth, "--debug", "action", "Ping")
        assert "> Action: Login" in run.stderr and "< Response: Success" in run.stderr
        assert ("Key: ********" if auth == "md5" else "Secret: ********") in run.stderr
        assert run.doc["response"]["Echo"] == "********"
        assert "the secret appeared in Asterisk's answer and was redacted" in run.doc["warnings"]
        # amijson_offline already asserts the secret is in neither stdout nor stderr


def test_debug_redacts_a_secret_split_across_reads(amijson_offline):
    half = len(FAULT_SECRET) // 2

    def scenario(peer):
        h = logged_in(peer)
        peer.send(b"Response: Success\r\n" + aid(h) + b"Echo: " + FAULT_SECRET[:half].encode())
        time.sleep(0.2)  # two reads on amijson's side
        peer.send(FAULT_SECRET[half:].encode() + b"\r\n\r\n")
        finish(peer)
    with ScriptedAmi(scenario) as server:
        run = amijson_offline("--port", str(server.port), "--debug", "action", "Ping")
    assert run.returncode == 0, run.doc
    assert "< Echo: ********" in run.stderr
    assert FAULT_SECRET[:half] not in run.stderr and FAULT_SECRET[half:] not in run.stderr


def test_a_key_that_is_data_is_not_redacted(amijson_offline):
    """Only Login's Key is a credential: DBGet's Key is shown, in the document and with --debug."""
    def scenario(peer):
        h = logged_in(peer)
        peer.send(b"Response: Success\r\n" + aid(h) + b"Message: Result will follow\r\n\r\n")
        finish(peer)
    with ScriptedAmi(scenario) as server:
        run = amijson_offline("--port", str(server.port), "--debug", "action", "DBGet", "Family=cidname",
                              "Key=5551234")
    assert run.doc["request"]["headers"] == {"Family": "cidname", "Key": "5551234"}
    assert "> Key: 5551234" in run.stderr and "> Key: ********" in run.stderr  # the DBGet's, then Login's
    assert server.received[2]["key"] == "5551234"


def _non_loopback_address():
    """This machine's address on its default route (no packet is sent), or None."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("198.51.100.1", 9))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def _ping_scenario(peer):
    h = logged_in(peer)
    peer.send(b"Response: Success\r\n" + aid(h) + b"Ping: Pong\r\n\r\n")
    finish(peer)


def test_auth_auto_uses_md5_on_loopback_too(amijson_offline):
    """--auth auto (the default) sends the plain secret only over verified TLS:
    any local user can listen on a loopback port while Asterisk restarts."""
    with ScriptedAmi(_ping_scenario) as server:
        run = amijson_offline("--port", str(server.port), "action", "Ping")
    assert run.returncode == 0, run.doc
    assert server.actions()[:3] == ["challenge", "login", "ping"]
    assert "secret" not in server.received[1] and server.received[1]["authtype"].lower() == "md5"
    address = _non_loopback_address()
    if address is None:
        pytest.skip("no address but loopback on this machine")
    with ScriptedAmi(_ping_scenario, host=address) as server:
        run = amijson_offline("--host", address, "--port", str(server.port), "action", "Ping")
    assert run.returncode == 0, run.doc
    assert server.actions()[:3] == ["challenge", "login", "ping"]


def test_auth_plain_when_asked_for(amijson_offline):
    with ScriptedAmi(_ping_scenario) as server:
        run = amijson_offline("--port", str(server.port), "--auth", "plain", "action", "Ping")
    assert run.returncode == 0, run.doc
    assert server.actions()[:2] == ["login", "ping"] and server.received[0]["secret"] == FAULT_SECRET


def test_tls_without_verification_gets_md5(amijson_offline, tmp_path):
    """--tls --insecure: the peer's certificate says nothing about who it is, so no plain secret."""
    context = self_signed_server_context(tmp_path)

    def scenario(peer):
        peer.conn = context.wrap_socket(peer.conn, server_side=True)
        _ping_scenario(peer)
    with ScriptedAmi(scenario) as server:
        run = amijson_offline("--port", str(server.port), "--tls", "--insecure", "action", "Ping")
    assert run.returncode == 0, run.doc
    assert server.actions()[:3] == ["challenge", "login", "ping"]
    assert all("secret" not in h for h in server.received)


@pytest.mark.parametrize("auth", ["auto", "md5", "plain"])
@pytest.mark.parametrize("greeting", [None, b"SSH-2.0-OpenSSH_9.2\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\n"])
def test_nothing_is_sent_before_an_ami_banner(amijson_offline, auth, greeting):
    """A listener that is not AMI (silent, or another protocol) gets not one byte:
    no user name, no challenge request, no secret."""
    got = []

    def scenario(peer):
        peer.conn.settimeout(0.5)
        if greeting:
            peer.send(greeting)
        try:
            got.append(peer.conn.recv(65536))
        except OSError:
            got.append(b"")
        peer.wait_closed(3)
    code, error = (5, "timeout") if greeting is None else (6, "protocol")
    run, _ = run_against(amijson_offline, scenario, "--auth", auth, "action", "Ping", code=code, error=error)
    give_up = time.monotonic() + 3  # the peer's thread may not have noted the close yet
    while not got and time.monotonic() < give_up:
        time.sleep(0.01)
    assert got == [b""], got


def test_secret_is_not_in_argv_or_document(amijson_offline, tmp_path):
    def scenario(peer):
        peer.send(BANNER_13)
        peer.wait_closed()

    with ScriptedAmi(scenario) as server:
        # The argv is the caller's to build: tests/integration/test_php.py checks that the PHP
        # library keeps the secret out of the argv it builds. Here: not in what amijson prints.
        proc = subprocess.Popen([amijson_path(), "--port", str(server.port), "--timeout", "3", "action", "Ping"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=offline_env(tmp_path))
        out, err = proc.communicate(timeout=30)
    assert FAULT_SECRET not in out.decode() and FAULT_SECRET not in err.decode()
