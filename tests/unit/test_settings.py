"""Where settings and the secret come from."""

import io
import os

import pytest

from amijson.configfile import read_sections
from amijson.errors import AmijsonError
from amijson.settings import resolve


def test_precedence_argv_env_profile_default(tmp_path):
    config = tmp_path / "c"
    config.write_text("[default]\nhost = h-default\nport = 1111\nuser = u-default\n\n[pbx]\nport = 2222\n")
    env = {"HOME": str(tmp_path), "AMIJSON_CONFIG": str(config), "AMIJSON_USER": "u-env", "AMIJSON_SECRET": "s"}
    s = resolve({"profile": "pbx"}, env)
    assert (s.host, s.port, s.user, s.secret) == ("h-default", 2222, "u-env", "s")
    s = resolve({"profile": "pbx", "port": "3333"}, env)
    assert s.port == 3333


def test_http_route_ports_and_prefix(tmp_path):
    env = {"HOME": str(tmp_path)}
    assert resolve({"via": "http"}, env).port == 8088  # http.conf's bindport
    assert resolve({"via": "http", "tls": True}, env).port == 8089  # its tlsbindport
    assert resolve({"via": "HTTP", "http_port": "80"}, env).port == 80
    config = tmp_path / "c"
    config.write_text("[default]\nvia = http\nhttp_prefix = asterisk\n")
    s = resolve({}, {"HOME": str(tmp_path), "AMIJSON_CONFIG": str(config)})
    assert (s.via, s.http_prefix, s.port) == ("http", "asterisk", 8088)
    assert resolve({}, {"HOME": str(tmp_path), "AMIJSON_HTTP_PREFIX": "p"}).http_prefix == "p"
    with pytest.raises(AmijsonError) as err:
        resolve({"via": "https"}, env)
    assert err.value.code == "usage" and "auto, ami, http or rx" in err.value.message


def test_http_takes_its_own_port_never_the_ami_port(tmp_path):
    """What the sandbox's env lines give: AMIJSON_PORT is AMI's; --via http reads AMIJSON_HTTP_PORT."""
    env = {"HOME": str(tmp_path), "AMIJSON_PORT": "5138", "AMIJSON_HTTP_PORT": "8188"}
    assert (resolve({}, env).port, resolve({}, env).http_port) == (5138, 8188)
    assert resolve({"via": "http"}, env).port == 8188
    assert resolve({"via": "http"}, {"HOME": str(tmp_path), "AMIJSON_PORT": "5138"}).port == 8088
    assert resolve({"via": "http", "tls": True}, {"HOME": str(tmp_path), "AMIJSON_PORT": "5139"}).port == 8089
    assert resolve({"via": "http", "http_port": "9000"}, env).port == 9000
    assert resolve({"via": "rx"}, env).http_port == 8188
    config = tmp_path / "c"
    config.write_text("[default]\nport = 5038\nhttp_port = 8080\n\n[web]\nvia = http\nport = 1\n")
    s = resolve({"profile": "web"}, {"HOME": str(tmp_path), "AMIJSON_CONFIG": str(config)})
    assert (s.via, s.port, s.http_port) == ("http", 8080, 8080)
    assert resolve({}, {"HOME": str(tmp_path), "AMIJSON_CONFIG": str(config)}).port == 5038


@pytest.mark.parametrize("options, words", [
    ({"via": "http", "port": "8088"}, "--port is the port of AMI, for --via ami; --via http takes its port from "
                                      "--http-port (AMIJSON_HTTP_PORT)"),
    ({"http_port": "8088"}, "--http-port is the port of AMI over HTTP, for --via http; --via auto takes its port "
                            "from --port (AMIJSON_PORT)"),
    ({"via": "ami", "http_port": "8088"}, "--via ami takes its port from --port"),
    ({"via": "rx", "http_port": "8088"}, "--via rx uses no port"),
    ({"via": "http", "http_port": "0"}, "http-port: not a whole number from 1 to 65535"),
])
def test_a_port_option_for_another_route_is_a_usage_error(tmp_path, options, words):
    with pytest.raises(AmijsonError) as err:
        resolve(options, {"HOME": str(tmp_path)})
    assert err.value.code == "usage" and words in err.value.message


def test_tls_default_port_and_bad_values(tmp_path):
    env = {"HOME": str(tmp_path)}
    assert resolve({"tls": True}, env).port == 5039
    with pytest.raises(AmijsonError) as err:
        resolve({"port": "70000"}, env)
    assert err.value.code == "usage"
    with pytest.raises(AmijsonError):
        resolve({"profile": "nope"}, env)


def test_secret_sources_in_order(tmp_path):
    secret_file = tmp_path / "s"
    secret_file.write_text("from-file\n")
    os.chmod(secret_file, 0o600)
    env = {"HOME": str(tmp_path), "AMIJSON_SECRET": "from-env"}
    assert resolve({"secret_stdin": True, "secret_file": str(secret_file)}, env, io.StringIO("from-stdin\n")).secret == "from-stdin"
    s = resolve({"secret_file": str(secret_file)}, env)
    assert s.secret == "from-file" and s.warnings == []
    os.chmod(secret_file, 0o640)
    assert resolve({"secret_file": str(secret_file)}, env).warnings
    assert resolve({}, env).secret == "from-env"


def test_config_with_secret_readable_by_others_warns(tmp_path):
    config = tmp_path / "c"
    config.write_text("[default]\nuser = u\nsecret = s\n")
    os.chmod(config, 0o644)
    s = resolve({"config": str(config)}, {"HOME": str(tmp_path)})
    assert s.secret == "s" and any("chmod 600" in w for w in s.warnings)


def test_manager_conf_secret_with_includes_and_templates(tmp_path):
    (tmp_path / "manager.d").mkdir()
    (tmp_path / "manager.conf").write_text(
        "[general]\nenabled = yes ; comment\n#include \"manager.d/*.conf\"\n")
    (tmp_path / "manager.d" / "users.conf").write_text(
        "[base](!)\nread = all\nsecret => template-secret\n\n[Monitor](base)\nsecret => s3cr\\;et\n[other](base)\n")
    sections = read_sections(str(tmp_path / "manager.conf"))
    assert sections["Monitor"] == {"read": "all", "secret": "s3cr;et"}
    assert sections["other"]["secret"] == "template-secret"
    s = resolve({"user": "monitor", "manager_conf": str(tmp_path / "manager.conf")}, {"HOME": str(tmp_path)})
    assert (s.secret, s.secret_source) == ("s3cr;et", "manager.conf")


def test_manager_conf_secret_goes_to_this_machine_only(tmp_path):
    (tmp_path / "manager.conf").write_text("[monitor]\nsecret = local-pbx-secret\n")
    options = {"user": "monitor", "manager_conf": str(tmp_path / "manager.conf")}
    here = resolve(dict(options, host="127.0.0.1"), {"HOME": str(tmp_path)})
    assert (here.secret, here.secret_source) == ("local-pbx-secret", "manager.conf")
    # 192.0.2.1 (TEST-NET-1) is never one of this machine's addresses: this PBX's secret stays here
    other = resolve(dict(options, host="192.0.2.1"), {"HOME": str(tmp_path)})
    assert other.secret is None and other.secret_source is None
    assert any("not used: '192.0.2.1' is not this machine" in w for w in other.warnings), other.warnings


def test_secret_in_a_profile_not_chosen_still_warns(tmp_path):
    config = tmp_path / "c"
    config.write_text("[default]\nuser = u\n\n[other]\nsecret = s\n")
    os.chmod(config, 0o644)
    s = resolve({"config": str(config)}, {"HOME": str(tmp_path), "AMIJSON_SECRET": "x"})
    assert any("chmod 600" in w for w in s.warnings)


# --- files: regular only, bounded -------------------------------------------------------

def _refused(options, env, code="config"):
    with pytest.raises(AmijsonError) as caught:
        resolve(options, env)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


def test_a_fifo_as_secret_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    message = _refused({"secret_file": str(fifo)}, {"HOME": str(tmp_path)})
    assert "not a regular file (a FIFO)" in message


def test_devices_and_directories_are_not_secret_or_config_files(tmp_path):
    assert "a device" in _refused({"secret_file": "/dev/zero"}, {"HOME": str(tmp_path)})
    assert "a device" in _refused({"config": "/dev/zero"}, {"HOME": str(tmp_path)})
    assert "a directory" in _refused({"config": str(tmp_path)}, {"HOME": str(tmp_path)})


def test_an_include_of_dev_zero_or_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    for target in ("/dev/zero", str(tmp_path / "fifo")):
        config = tmp_path / "c"
        config.write_text("[default]\nuser = u\n#include %s\n" % target)
        assert "not a regular file" in _refused({"config": str(config)}, {"HOME": str(tmp_path)})


def test_oversized_config_and_secret_files_are_refused(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"; padding\n" * 200000)  # 2 MB
    assert "larger than" in _refused({"config": str(big)}, {"HOME": str(tmp_path)})
    long_secret = tmp_path / "secret"
    long_secret.write_bytes(b"x" * 10000)
    os.chmod(long_secret, 0o600)
    assert "larger than" in _refused({"secret_file": str(long_secret)}, {"HOME": str(tmp_path)})


def test_includes_cannot_multiply_the_size_limit(tmp_path):
    part = tmp_path / "part.conf"
    part.write_bytes(b"; padding\n" * 90000)  # 900 KB, under the one-file limit
    config = tmp_path / "c"
    config.write_text("[default]\n" + "#include part.conf\n" * 8)
    assert "larger than" in _refused({"config": str(config)}, {"HOME": str(tmp_path)})


def test_secret_stdin_waits_on_the_run_deadline(tmp_path):
    import time
    from amijson.deadline import Deadline
    read_end, write_end = os.pipe()
    try:
        deadline = Deadline(10)
        deadline.start -= 0.7  # the run has already spent 0.7 s of its 1 s
        started = time.monotonic()
        with open(read_end, "rb", closefd=False) as stdin:
            with pytest.raises(AmijsonError) as caught:
                resolve({"secret_stdin": True, "timeout": "1"}, {"HOME": str(tmp_path)}, stdin, deadline)
        assert caught.value.code == "timeout"
        assert time.monotonic() - started < 0.6
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize("options, word", [
    ({"timeout": "nan"}, "nan"), ({"timeout": "inf"}, "inf"), ({"timeout": "1e308"}, "1e308"),
    ({"connect_timeout": "-1"}, "-1"), ({"port": "\u0663"}, "\u0663"), ({"port": "1_0"}, "1_0"),
    ({"max_size": "0"}, "0"), ({"host": "a..b"}, "a..b"), ({"host": "x" * 300}, "xxxx"),
    ({"host": "[::zz]"}, "::zz"), ({"fallback_encoding": "rot13"}, "rot13"),
    ({"fallback_encoding": "base64"}, "base64"), ({"fallback_encoding": "undefined"}, "undefined"),
    ({"via": "ssh"}, "ssh"), ({"auth": "none"}, "none"), ({"user": "u\x00"}, "NUL"),
])
def test_bad_values_are_usage_errors_naming_the_value(tmp_path, options, word):
    message = _refused(options, {"HOME": str(tmp_path), "AMIJSON_USER": "u", "AMIJSON_SECRET": "s"}, "usage")
    assert word in message


def test_a_secret_that_is_not_utf8_is_a_config_error_that_does_not_show_it(tmp_path):
    secret_file = tmp_path / "s"
    secret_file.write_bytes(b"caf\xe9-secret\n")
    os.chmod(secret_file, 0o600)
    message = _refused({"secret_file": str(secret_file)}, {"HOME": str(tmp_path)})
    assert "UTF-8" in message and "secret" in message and "caf" not in message
    message = _refused({}, {"HOME": str(tmp_path), "AMIJSON_SECRET": "caf\udce9"})
    assert "UTF-8" in message and "caf" not in message


def _config(tmp_path, text):
    config = tmp_path / "amijson.conf"
    config.write_text(text)
    config.chmod(0o600)
    return {"HOME": str(tmp_path), "AMIJSON_CONFIG": str(config)}, str(config)


@pytest.mark.parametrize("text, line, why", [
    # Keys above the first section made a profile named "" that used [default]'s secret.
    ("host = 10.0.0.9\nsecret = s9\n[default]\nuser = u\nsecret = s-default\n", 1, "host is set before any [section]"),
    # The second [pbx] replaced the first: its host went and [default]'s came, with pbx's secret.
    ("[default]\nhost = 10.0.0.1\nuser = u\n[pbx]\nhost = 10.0.0.2\nsecret = s2\n\n[pbx]\nsecret = s3\n", 8,
     "[pbx] is given a second time (first at %s:4)"),
    ("[default]\nuser = u\n[pbx]\nhost = 10.0.0.2\nhost = 10.0.0.3\n", 5, "host is given twice in [pbx]"),
])
def test_a_config_that_could_send_a_secret_astray_is_an_error_naming_the_line(tmp_path, text, line, why):
    env, path = _config(tmp_path, text)
    with pytest.raises(AmijsonError) as caught:
        resolve({"profile": "pbx"}, env)
    assert caught.value.code == "config" and caught.value.exit_code == 2
    assert caught.value.message.startswith("%s:%d: " % (path, line)), caught.value.message
    assert (why % path if "%s" in why else why) in caught.value.message
    assert "s2" not in caught.value.message and "s9" not in caught.value.message


def test_adding_to_a_section_with_plus_is_no_repeat(tmp_path):
    env, _ = _config(tmp_path, "[default]\nuser = u\n[pbx]\nhost = 10.0.0.2\n[pbx](+)\nsecret = s2\n")
    s = resolve({"profile": "pbx"}, env)
    assert (s.host, s.secret) == ("10.0.0.2", "s2")


def test_manager_conf_keeps_asterisks_rules(tmp_path):
    """manager.conf is Asterisk's: a key before any section is ignored, as Asterisk does."""
    (tmp_path / "manager.conf").write_text("secret = stray\n[general]\nenabled = yes\n[monitor]\nsecret = m\n")
    sections = read_sections(str(tmp_path / "manager.conf"))
    assert list(sections) == ["general", "monitor"] and sections["monitor"] == {"secret": "m"}


def test_a_secret_inherited_into_a_profile_with_another_host_warns(tmp_path):
    env, path = _config(tmp_path, "[default]\nuser = u\n\n[a]\nhost = 10.0.0.1\nsecret = a-secret\n\n"
                                  "[b](a)\nhost = 10.0.0.2\n\n[c](a)\nport = 5039\n\n"
                                  "[creds](!)\nsecret = shared\n[d](creds)\nhost = 10.0.0.4\n\n"
                                  "[e](a)\nhost = 10.0.0.5\nsecret = e-secret\n")
    b = resolve({"profile": "b"}, env)
    assert (b.host, b.secret) == ("10.0.0.2", "a-secret")  # as written: a warning, not a refusal
    assert b.warnings == ["profile [b] takes its secret from [a] (%s:4), whose host is '10.0.0.1', and sends it "
                          "to '10.0.0.2': give [b] a secret of its own unless the two share it" % path]
    assert resolve({"profile": "c"}, env).warnings == []  # the same host as [a]: its own PBX
    assert resolve({"profile": "d"}, env).warnings == []  # a template without a host is meant to be shared
    assert resolve({"profile": "e"}, env).warnings == []  # its own secret
