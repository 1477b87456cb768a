"""The AMI route: one action or CLI command over TCP or TLS, into an Answer."""

from amijson.conversation import answer_over, open_transcript
from amijson.session import AmiSession
from amijson.transport import connect


def run(settings, request, deadline, environ=None, reader=None):
    """The Answer to ``request`` over AMI's TCP (or TLS) port; AmijsonError, carrying
    the Answer so far, when it fails."""
    def open_session():
        connection = connect(settings.host, settings.port, deadline, settings.connect_timeout,
                             tls=settings.tls, cafile=settings.cafile, insecure=settings.insecure)
        return AmiSession(connection, settings.fallback_encoding, open_transcript(settings), settings.max_size << 20)
    return answer_over(settings, request, "ami", open_session)
