"""The routes to Asterisk, declared in one place.

Each ``Route`` names its module (whose ``run`` returns an ``Answer``, and
``run_batch`` one for a ``Batch`` of requests), its
default ports and the setting that gives its port, what it can run, and whether
``--via auto`` may fall back to it. ``settings`` checks ``--via`` against this
table and takes the port setting and the default port from it, the runner finds a route's module here, and a test holds the CLI
help and the document schema to it. Adding a route is one module and one
entry below.
"""


class Route:
    __slots__ = ("name", "module", "port", "tls_port", "port_setting", "runs_actions", "fallback", "label")

    def __init__(self, name, module, port, tls_port, port_setting, runs_actions, fallback, label):
        self.name = name  # --via NAME; the document's route is NAME, or NAME+tls over TLS
        self.module = module  # its run(settings, request, deadline, environ, reader) returns an Answer,
        # and run_batch(settings, batch, deadline, environ) one for several requests at once
        self.port = port  # default port, and with --tls; None where no port is used
        self.tls_port = tls_port
        # The setting that gives its port (--port, --http-port; the config key and, by
        # amijson.settings.ENVIRONMENT, its variable), or None. Each route has its own:
        # AMIJSON_PORT is AMI's port, and never sends --via http there.
        self.port_setting = port_setting
        self.runs_actions = runs_actions  # AMI actions too, not only CLI commands
        self.fallback = fallback  # --via auto may answer through it when AMI cannot be reached
        self.label = label  # how a warning names it

    def default_port(self, tls):
        """The port this route connects to when none is given."""
        return self.tls_port if tls else self.port

    def document_names(self):
        """The values the document's ``route`` takes for this route."""
        return (self.name, self.name + "+tls") if self.tls_port else (self.name,)

    def _module(self):
        # __import__ rather than importlib: importlib costs start-up time; only the chosen route loads.
        return __import__(self.module, fromlist=["run"])

    def run(self, settings, request, deadline, environ, reader=None):
        return self._module().run(settings, request, deadline, environ, reader)

    def run_batch(self, settings, batch, deadline, environ):
        """The Answer to a ``Batch`` (a named query made of parts): its module's ``run_batch``."""
        return self._module().run_batch(settings, batch, deadline, environ)

    def available(self, settings, environ):
        """Whether the route can be tried here: its module's ``available``, where it has one
        (the rx route needs a control socket or an ``asterisk`` executable); a network route always can."""
        check = getattr(self._module(), "available", None)
        return check is None or check(settings, environ)


ROUTES = (
    Route("ami", "amijson.ami", 5038, 5039, "port", True, False, "AMI"),
    Route("http", "amijson.ami_http", 8088, 8089, "http_port", True, False, "AMI over HTTP"),
    Route("rx", "amijson.rx", None, None, None, False, True, "asterisk -rx"),
)
BY_NAME = {route.name: route for route in ROUTES}
AUTO = "auto"  # AMI first, then a fallback route when AMI cannot be reached and the target is this machine
VIA = (AUTO,) + tuple(BY_NAME)


def port_route(via):
    """The route whose port a run connects to: the chosen one, AMI's for auto (and for
    rx, which uses none)."""
    route = BY_NAME.get(via) or BY_NAME["ami"]
    return BY_NAME["ami"] if route.port is None else route


def port_settings():
    """Every route's port setting (``port``, ``http_port``), in the registry's order."""
    return [route.port_setting for route in ROUTES if route.port_setting]


def document_names():
    return [name for route in ROUTES for name in route.document_names()]
