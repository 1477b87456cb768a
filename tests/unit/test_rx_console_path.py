"""Where the rx route looks for the control socket: --console, else asterisk.conf, else the default."""

from amijson import rx
from amijson.settings import resolve


def settings_with(**options):
    return resolve(options, {"HOME": "/nonexistent", "AMIJSON_MANAGER_CONF": "/nonexistent"})


def test_astrundir_and_astctl_of_asterisk_conf_name_the_socket(tmp_path):
    conf = tmp_path / "asterisk.conf"
    conf.write_text("[directories](!)\nastetcdir => /etc/asterisk\nastrundir => /srv/pbx/run\n"
                    "[files]\nastctlpermissions = 0660\nastctl = pbx.ctl\n")
    assert rx.default_console(str(conf)) == "/srv/pbx/run/pbx.ctl"
    conf.write_text("[directories]\nastrundir => /run/asterisk ; a comment\n")
    assert rx.default_console(str(conf)) == "/run/asterisk/asterisk.ctl"


def test_without_asterisk_conf_the_default_socket(tmp_path):
    assert rx.default_console(str(tmp_path / "missing.conf")) == "/var/run/asterisk/asterisk.ctl"
    unreadable = tmp_path / "folder.conf"
    unreadable.mkdir()
    assert rx.default_console(str(unreadable)) == "/var/run/asterisk/asterisk.ctl"


def test_console_option_environment_and_off():
    assert rx.console_path(settings_with(console="/run/x.ctl")) == "/run/x.ctl"
    assert resolve({}, {"HOME": "/nonexistent", "AMIJSON_CONSOLE": "/run/y.ctl"}).console == "/run/y.ctl"
    for word in ("off", "OFF", "none"):
        assert rx.console_path(settings_with(console=word)) is None
