"""amijson.routes is the one list of routes: the schema, the help and the settings agree with it."""

import json
import pathlib

import pytest

from amijson import routes
from amijson.cmdline import USAGE
from amijson.errors import AmijsonError
from amijson.cmdline import OPTIONS
from amijson.settings import ENVIRONMENT, resolve

SCHEMA = json.loads((pathlib.Path(routes.__file__).parent / "document.schema.json").read_text())


def test_the_schema_lists_exactly_the_registered_routes():
    assert SCHEMA["properties"]["route"]["enum"] == routes.document_names() + [None]


def test_the_help_names_every_way_to_choose_a_route():
    via_line = next(line for line in USAGE.splitlines()
                    if line.split()[:1] == ["--via"] and "|" in line.split()[1])
    assert via_line.split()[1] == "|".join(routes.VIA)


@pytest.mark.parametrize("via", routes.VIA)
def test_settings_take_every_registered_route_and_its_default_ports(via):
    for tls in (False, True):
        options = {"via": via, "tls": tls}
        settings = resolve(options, {"HOME": "/nonexistent"})
        route = routes.BY_NAME.get(via) or routes.BY_NAME["ami"]
        if route.port is None:
            route = routes.BY_NAME["ami"]
        assert settings.via == via and settings.port == (route.tls_port if tls else route.port)


def test_every_port_setting_has_its_option_variable_and_help_line():
    assert routes.port_settings() == ["port", "http_port"]
    for route in routes.ROUTES:
        if route.port_setting is None:
            assert route.port is None and route.tls_port is None, route.name
            continue
        option = "--" + route.port_setting.replace("_", "-")
        assert OPTIONS[option] == (route.port_setting, True)
        assert ENVIRONMENT[route.port_setting] == "AMIJSON_" + route.port_setting.upper()
        assert any(line.split()[:1] == [option] for line in USAGE.splitlines()), option


@pytest.mark.parametrize("route", [r for r in routes.ROUTES if r.port_setting], ids=lambda r: r.name)
def test_a_route_reads_only_its_own_port_setting(route):
    others = {r.port_setting: "1%d" % i for i, r in enumerate(routes.ROUTES) if r.port_setting}
    environ = {"HOME": "/nonexistent"}
    environ.update({ENVIRONMENT[name]: value for name, value in others.items()})
    assert resolve({"via": route.name}, environ).port == int(others[route.port_setting])


def test_settings_refuse_a_route_not_registered():
    with pytest.raises(AmijsonError) as caught:
        resolve({"via": "ssh"}, {"HOME": "/nonexistent"})
    assert caught.value.code == "usage" and all(name in caught.value.message for name in routes.VIA)


def test_every_route_module_has_run_and_run_batch():
    for route in routes.ROUTES:
        module = __import__(route.module, fromlist=["run"])
        assert callable(module.run), route.name
        assert callable(module.run_batch), route.name  # a query made of parts (status) on that route
