"""The AMI route: one action or CLI command over TCP or TLS, into an Answer."""

from amijson.answer import Answer
from amijson.conversation import check_credentials, converse, open_transcript
from amijson.errors import AmijsonError
from amijson.session import AmiSession
from amijson.transport import connect


def run(settings, request, deadline, environ=None, reader=None):
    """The Answer to ``request`` over AMI's TCP (or TLS) port; AmijsonError, carrying
    the Answer so far, when it fails."""
    answer = Answer("ami+tls" if settings.tls else "ami",
                    {"host": settings.host, "port": settings.port, "banner": None, "ami_version": None})
    try:
        check_credentials(settings)
        connection = connect(settings.host, settings.port, deadline, settings.connect_timeout,
                             tls=settings.tls, cafile=settings.cafile, insecure=settings.insecure)
        session = AmiSession(connection, settings.fallback_encoding, open_transcript(settings),
                             settings.max_size << 20)
        converse(settings, request, session, answer)
    except AmijsonError as exc:
        raise answer.failed(exc)
    return answer
