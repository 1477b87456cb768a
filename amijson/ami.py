"""The AMI route: one action or CLI command (or a Batch of them) over TCP or TLS, into an Answer."""

from amijson.conversation import answer_over, converse_batch, open_transcript
from amijson.session import AmiSession
from amijson.transport import connect


def run(settings, request, deadline, environ=None, reader=None):
    """The Answer to ``request`` over AMI's TCP (or TLS) port; AmijsonError, carrying
    the Answer so far, when it fails. ``reader``: see ``conversation.converse``."""
    return answer_over(settings, request, "ami", _opener(settings, deadline), reader=reader)


def run_batch(settings, batch, deadline, environ=None):
    """The Answer to a ``Batch`` (one Answer per request in its ``parts``) in one AMI
    session: Login and every action in one write, each reply picked out by its ActionID."""
    return answer_over(settings, batch, "ami", _opener(settings, deadline), converse_batch)


def _opener(settings, deadline):
    def open_session():
        connection = connect(settings.host, settings.port, deadline, settings.connect_timeout,
                             tls=settings.tls, cafile=settings.cafile, insecure=settings.insecure)
        return AmiSession(connection, settings.fallback_encoding, open_transcript(settings), settings.max_size << 20,
                          settings.budget)
    return open_session
