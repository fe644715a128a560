"""Session auth for WebSockets: channels' AuthMiddlewareStack, without a database trip for a socket with no session.

channels' AuthMiddleware resolves the user on the database thread for every handshake. A socket
that carries no session cookie (an anonymous viewer of a public stream) can only be anonymous, so
it gets AnonymousUser at once: in a storm of viewers those trips queue on the one database thread
(bench/README.md, "Viewer storms").
"""

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib.auth.models import AnonymousUser


class SessionAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        if scope["session"].session_key is None:
            scope["user"]._wrapped = AnonymousUser()
        else:
            await super().resolve_scope(scope)


def AuthMiddlewareStack(inner):  # noqa: N802  (named like channels' own)
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner)))
