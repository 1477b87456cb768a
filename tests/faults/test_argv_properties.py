"""Any argv a caller can build ends in a document that PHP can decode, never in ``internal``.

Hypothesis builds command lines from amijson's own options, verbs and queries mixed with
arbitrary text (lone surrogates from undecodable bytes, NUL, newlines included). Values
that would make a run connect somewhere (host, port) or wait long (timeouts) are drawn from
hostile but local sets, so the property test sends nothing beyond loopback."""

import io
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from amijson.cli import main
from amijson.cmdline import OPTIONS
from amijson.queries import QUERIES

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=24)  # surrogates included
SAFE = {
    "--host": ["127.0.0.1", "::1", "[::1]", "localhost", "a..b", "x" * 300, "", "-", "pbx.invalid", "\udcff",
               "h\x00st", "bad host", "[::zz]", "127.0.0.1:5038", "\u00fc.invalid"],
    "--port": ["0", "1", "65536", "-1", "\u0663", "1_0", " 9", "abc", "", "99999999999999999999"],
    "--timeout": ["nan", "inf", "-inf", "1e308", "0", "-1", "0.3", "abc", "", "1_0", "\u0663"],
    "--connect-timeout": ["nan", "inf", "0", "0.2", "1e-320", "x"],
}
WORDS = st.one_of(
    st.sampled_from(sorted(OPTIONS) + ["action", "command", "-rx", "-x", "--", "-", "--secret", "--bogus"]
                    + sorted(QUERIES)),
    st.sampled_from(["Ping", "DBGet", "Family=x", "Key=y", "=", "a=b=c", "Login", "core show uptime",
                     "Queue=\r\nAction: Originate", "--host=127.0.0.2", "--port=1", "--via=rx"]),
    ANY_TEXT,
)


def _safe(argv):
    """Every host, port and timeout value drawn from the local sets above."""
    out = list(argv)
    for i, word in enumerate(out):
        name, eq, _ = word.partition("=")
        if name in SAFE:
            if eq:
                out[i] = name + "=" + SAFE[name][len(word) % len(SAFE[name])]
            elif i + 1 < len(out):
                out[i + 1] = SAFE[name][len(out[i + 1]) % len(SAFE[name])]
    return out


def _has_surrogate(value):
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=8))
def test_no_argv_ends_in_internal(argv):
    argv = _safe(argv)
    environ = {"HOME": "/nonexistent", "AMIJSON_HOST": "127.0.0.1", "AMIJSON_PORT": "9",
               "AMIJSON_USER": "u", "AMIJSON_SECRET": "not-a-real-secret", "AMIJSON_TIMEOUT": "1",
               "AMIJSON_CONNECT_TIMEOUT": "0.5", "AMIJSON_ASTERISK": "/nonexistent",
               "AMIJSON_MANAGER_CONF": "/nonexistent"}
    out = io.StringIO()
    code = main(argv, environ, io.StringIO("stdin-secret\n"), out)
    text = out.getvalue()
    assert code != 70, text
    text.encode("utf-8")  # strict: what PHP gets is UTF-8
    if code == 0 and text.startswith(("usage: amijson", "amijson ")):
        return  # --help and --version print text, as every command does
    doc = json.loads(text)
    if isinstance(doc, dict) and "error" in doc and doc["error"]:
        assert doc["error"]["code"] != "internal", doc["error"]
    assert not _has_surrogate(doc), "a lone surrogate in the document: PHP's json_decode refuses it"
