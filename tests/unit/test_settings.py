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
    assert resolve({"via": "HTTP", "port": "80"}, env).port == 80
    config = tmp_path / "c"
    config.write_text("[default]\nvia = http\nhttp_prefix = asterisk\n")
    s = resolve({}, {"HOME": str(tmp_path), "AMIJSON_CONFIG": str(config)})
    assert (s.via, s.http_prefix, s.port) == ("http", "asterisk", 8088)
    assert resolve({}, {"HOME": str(tmp_path), "AMIJSON_HTTP_PREFIX": "p"}).http_prefix == "p"
    with pytest.raises(AmijsonError) as err:
        resolve({"via": "https"}, env)
    assert err.value.code == "usage" and "auto, ami, http or rx" in err.value.message


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
