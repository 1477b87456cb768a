"""Any command line that asks for a monitoring format ends in that format's valid output, never in a
traceback or an internal error: Nagios plugin output with an exit code of 0 to 3, a valid Prometheus
exposition, or JSON for Zabbix. Hypothesis mixes the formats' options, thresholds and queries with
arbitrary text; hosts, ports and timeouts come from local sets, so nothing leaves loopback."""

import io
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from amijson.cli import main
from amijson.cmdline import OPTIONS
from amijson.queries import QUERIES
from argvs import ANY_TEXT, local
from monitoring import parse_exposition, parse_nagios

THRESHOLDS = ["calls=10", "calls=10:", "calls=~:10", "calls=@10:20", "count=0", "count[state=Unavailable]=0",
              "count[state!=x,y=]=1:", "active_calls=5", "system_uptime=600:", "count", "=", "count[=]=1",
              "calls=20:10", "count[a]=1", "x=y"]
WORDS = st.one_of(
    st.sampled_from(sorted(OPTIONS) + ["--warning", "--critical", "--pretty", "--records", "--", "action", "-rx"]
                    + sorted(QUERIES)),
    st.sampled_from(THRESHOLDS),
    ANY_TEXT,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["nagios", "prometheus", "zabbix"]), st.lists(WORDS, max_size=7))
def test_every_format_answers_in_its_own_form(name, argv):
    argv = ["--format", name] + local(argv)
    if "--format" in argv[2:]:
        argv = argv[:2] + [w for w in argv[2:] if not w.startswith("--format")]
    environ = {"HOME": "/nonexistent", "AMIJSON_HOST": "127.0.0.1", "AMIJSON_PORT": "9", "AMIJSON_USER": "u",
               "AMIJSON_SECRET": "not-a-real-secret", "AMIJSON_TIMEOUT": "1", "AMIJSON_CONNECT_TIMEOUT": "0.5",
               "AMIJSON_ASTERISK": "/nonexistent", "AMIJSON_MANAGER_CONF": "/nonexistent", "AMIJSON_VIA": "ami"}
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code = main(argv, environ, io.StringIO("stdin-secret\n"), out)
    out.flush()
    text = out.buffer.getvalue().decode("utf-8")  # strict: valid UTF-8
    if code == 0 and text.startswith(("usage: amijson", "amijson ")):
        return  # --help, --version
    assert code != 70 and "internal" not in text, text
    if name == "nagios":
        assert code in (0, 1, 2, 3) and parse_nagios(text).state == ("OK", "WARNING", "CRITICAL", "UNKNOWN")[code]
    elif name == "prometheus":
        if text:  # nothing when --output cannot be written (said on standard error)
            parse_exposition(text)
    else:
        json.loads(text)
