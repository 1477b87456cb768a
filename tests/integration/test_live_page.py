"""php-examples/live/ in a real browser: the wallboard and the screen pop, served by ``php -S`` on
127.0.0.1 and driven through Debian's headless Chromium (selenium, with Debian's chromedriver:
nothing downloads a browser), against the sandbox Asterisk.

Every call a test places is hung up; after each test no amijson process and no manager session
of ours is left. A failure saves a screenshot and the browser's console log beside the test's
tmp_path (the path is in the failure's message).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import REPO, amijson_path
from test_php import php_exe  # noqa: F401 (a fixture: the host's PHP, then 7.4)

LIVE = REPO / "php-examples" / "live"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def amijson_children(pid):
    """PIDs of amijson processes below ``pid`` (the PHP server and its workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open("/proc/%s/cmdline" % entry, "rb") as cmdline:
                argv = cmdline.read().split(b"\0")
        except OSError:
            continue
        parent = int(fields[1])
        if any(part.endswith(b"amijson") for part in argv[:2]) and _descends(parent, pid):
            found.append(int(entry))
    return found


def _descends(child, ancestor):
    while child > 1:
        if child == ancestor:
            return True
        try:
            with open("/proc/%d/stat" % child) as stat:
                child = int(stat.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


def our_sessions(sandbox):
    """Manager sessions of the sandbox's user (``manager show connected``)."""
    text = sandbox.cmd("rx", "manager show connected").stdout
    return [line for line in text.splitlines() if line.split()[:1] == [sandbox["AMIJSON_USER"]]]


def wait_for(what, check, seconds, step=0.1):
    """``check()``'s first true value within ``seconds``; fails naming ``what``."""
    end = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail("%s: not within %g s" % (what, seconds))
        time.sleep(step)


class LiveServer:
    def __init__(self, php, sandbox, tmp_path, workers=8, max_streams=20):
        self.port = free_port()
        self.log = tmp_path / "php-server.log"
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AMIJSON_BIN": amijson_path(),
               "AMIJSON_HOST": sandbox["AMIJSON_HOST"], "AMIJSON_PORT": sandbox["AMIJSON_PORT"],
               "AMIJSON_USER": sandbox["AMIJSON_USER"], "AMIJSON_SECRET": sandbox["AMIJSON_SECRET"],
               "AMIJSON_MANAGER_CONF": "/nonexistent", "PHP_CLI_SERVER_WORKERS": str(workers),
               "AMIJSON_LIVE_MAX_STREAMS": str(max_streams)}
        self.proc = subprocess.Popen([php, "-S", "127.0.0.1:%d" % self.port, "-t", str(LIVE)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"),
                                     start_new_session=True)
        wait_for("php -S listening", self._listens, 10)
        self.url = "http://127.0.0.1:%d/" % self.port

    def _listens(self):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False

    def children(self):
        return amijson_children(self.proc.pid)

    def requests(self):
        return self.log.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server we started, and its workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def calls(sandbox):
    sandbox.cmd("hangup", check=False)
    yield sandbox
    sandbox.cmd("hangup", check=False)


@pytest.fixture
def live(calls, tmp_path):
    php = shutil.which("php")
    if not php:
        pytest.fail("php is not installed (scripts/test installs php-cli)")
    server = LiveServer(php, calls, tmp_path)
    yield server
    server.stop()
    assert not server.children(), "amijson outlived the PHP server"


@pytest.fixture
def browser(tmp_path, request):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("chromium and chromium-driver are not installed (scripts/test installs them)")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for a driver of its own
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--user-data-dir=%s" % (tmp_path / "chromium")):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log")),
                              options=options)
    driver.set_page_load_timeout(20)
    yield driver
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        with contextlib.suppress(Exception):
            driver.save_screenshot(str(tmp_path / "failure.png"))
            (tmp_path / "console.log").write_text("\n".join(str(entry) for entry in driver.get_log("browser")))
            print("screenshot and console log: %s" % tmp_path)
    driver.quit()


def texts(driver, selector):
    from selenium.webdriver.common.by import By
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]


def no_alert(driver):
    from selenium.common.exceptions import NoAlertPresentException
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


@pytest.mark.release("22")
def test_the_wallboard_follows_calls_and_queues(live, browser, calls, tmp_path):
    browser.get(live.url)
    wait_for("the first picture", lambda: texts(browser, "#status")[0].startswith("updated"), 10)
    assert texts(browser, "tr.call") == []
    wait_for("the stream's amijson", lambda: len(live.children()) == 1, 10)
    time.sleep(0.5)  # the stream logs in and sets its filter before the call
    calls.cmd("calls", "1", "wait")
    started = time.monotonic()
    wait_for("the call on the wallboard", lambda: len(texts(browser, "tr.call")) == 2, 2)
    appeared = time.monotonic() - started
    calls.cmd("hangup")
    started = time.monotonic()
    wait_for("the call gone from the wallboard", lambda: texts(browser, "tr.call") == [], 2)
    gone = time.monotonic() - started
    calls.cmd("calls", "1", "sales")
    wait_for("a caller under the sales queue",
             lambda: texts(browser, '.queue[data-queue="sales"] li.caller'), 2)
    browser.save_screenshot(str(tmp_path / "wallboard.png"))  # php-examples/README.md shows one
    assert texts(browser, '.queue[data-queue="support"] li.caller') == []
    print("a call appeared after %.2f s and went %.2f s after its hangup" % (appeared, gone))


def originate_ringing(amijson, sandbox, extension, name):
    run = amijson("--no-wait", "action", "Originate", "Channel=Local/%s@%s" % (extension, sandbox["AMIJSON_SANDBOX_CONTEXT"]),
                  "Application=Wait", "Data=30", "Async=true", "CallerID=\"%s\" <5551234>" % name)
    assert run.returncode == 0, run.doc


@pytest.mark.release("22")
def test_the_screen_pop_shows_the_caller_as_text_for_its_extension_only(live, browser, calls, amijson):
    browser.get(live.url + "popup.php?ext=201")
    wait_for("the screen pop's stream", lambda: len(live.children()) == 1, 10)
    time.sleep(0.5)
    originate_ringing(amijson, calls, "202", "Not For You")
    time.sleep(1.5)
    assert texts(browser, ".pop") == []
    originate_ringing(amijson, calls, "201", HOSTILE_NAME)
    wait_for("the pop for 201", lambda: texts(browser, ".pop .number"), 3)
    assert texts(browser, ".pop .number") == ["5551234"]
    assert texts(browser, ".pop .name") == [HOSTILE_NAME]  # shown as text
    from selenium.webdriver.common.by import By
    assert browser.find_elements(By.CSS_SELECTOR, ".pop img") == []
    link = browser.find_element(By.CSS_SELECTOR, ".pop a.lookup").get_attribute("href")
    assert link.startswith("https://") and link.endswith("5551234")
    assert no_alert(browser)
    time.sleep(0.5)
    assert "GET /x" not in live.requests()  # the image was never asked for


@pytest.mark.release("22")
def test_a_page_that_closes_leaves_no_process_and_no_session(live, browser, calls):
    browser.get(live.url)
    wait_for("the stream's amijson", lambda: len(live.children()) == 1, 10)
    wait_for("its manager session", lambda: our_sessions(calls), 5)
    browser.get("about:blank")
    wait_for("no amijson left", lambda: not live.children(), 5)
    wait_for("no manager session left", lambda: not our_sessions(calls), 5)


def test_a_bad_extension_is_refused_and_never_reaches_amijson(live, calls):
    import urllib.error
    import urllib.request
    for ext in ("20a", "", "1" * 21, "--host=x", "201;x", "%0a201"):
        for page in ("popup.php", "stream.php"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(live.url + "%s?ext=%s" % (page, ext), timeout=5)
            assert caught.value.code == 400
    assert not live.children()


# --- the stream endpoint on its own: each PHP, each release, and many viewers ------------------

class StreamClient:
    """One EventSource-like reader of stream.php, over a plain socket: its lines as they come."""

    def __init__(self, server, query=""):
        self.sock = socket.create_connection(("127.0.0.1", server.port), 10)
        self.sock.sendall(b"GET /stream.php%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                          % query.encode())
        self.data = b""

    def until(self, needle, seconds):
        end = time.monotonic() + seconds
        while needle not in self.data:
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            if not chunk:
                return needle in self.data
            self.data += chunk
        return True

    def close(self):
        self.sock.close()


def test_the_stream_endpoint_relays_events_and_ends_with_its_reader(php_exe, calls, tmp_path):  # noqa: F811
    server = LiveServer(php_exe, calls, tmp_path)
    try:
        client = StreamClient(server)
        assert client.until(b": amijson live stream", 10), client.data
        assert b"text/event-stream" in client.data.split(b"\r\n\r\n")[0]
        wait_for("the stream's amijson", lambda: len(server.children()) == 1, 10)
        wait_for("its manager session", lambda: our_sessions(calls), 5)
        calls.cmd("calls", "1", "wait")
        assert client.until(b"event: Newchannel\n", 5), client.data[-500:]
        client.close()
        wait_for("no amijson left", lambda: not server.children(), 5)
        wait_for("no manager session left", lambda: not our_sessions(calls), 5)
    finally:
        server.stop()


@pytest.mark.release("22")
def test_many_viewers_up_to_the_cap_then_a_clear_answer(calls, tmp_path, capsys):
    php = shutil.which("php")
    viewers, cap = 50, 40
    server = LiveServer(php, calls, tmp_path, workers=viewers + 4, max_streams=cap)
    clients = []
    try:
        # One at a time: a worker of PHP's own server takes every connection waiting when it
        # looks, then serves them in turn, so a burst would queue viewers behind a stream.
        for _ in range(viewers):
            client = StreamClient(server)
            clients.append(client)
            assert client.until(b"\n\n", 15), client.data
        full = [client for client in clients if b"event: full" in client.data]
        assert len(full) == viewers - cap, [client.data[-200:] for client in clients]
        wait_for("one amijson per viewer", lambda: len(server.children()) == cap, 20, 0.25)
        wait_for("one manager session per viewer", lambda: len(our_sessions(calls)) == cap, 20, 0.25)
        pids = server.children()
        before = {pid: cpu_seconds(pid) for pid in pids}
        calls.cmd("calls", "5", "wait")
        watching = [client for client in clients if client not in full]
        calls.cmd("hangup")
        for client in watching:
            assert client.until(b"event: Hangup\n", 10), client.data[-300:]
        used = sum(cpu_seconds(pid) - before[pid] for pid in pids if pid in before)
        rss = sum(rss_kib(pid) for pid in pids)
        with capsys.disabled():
            print("\n%d viewers (cap %d): %d amijson processes, %d manager sessions; 5 calls placed and hung up: "
                  "%.1f ms of CPU per viewer, %d KiB resident per viewer"
                  % (viewers, cap, len(pids), cap, 1000 * used / len(pids), rss // len(pids)))
    finally:
        for client in clients:
            client.close()
        wait_for("no amijson left", lambda: not server.children(), 10)
        wait_for("no manager session left", lambda: not our_sessions(calls), 10)
        server.stop()


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
