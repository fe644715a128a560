"""A suspended account is signed out on its next request, whichever way its session survived (the
suspension ends every recorded session; this covers any other). Reads the user row the request loads
anyway: no query of its own."""

from django.contrib.auth import logout


class SignOutSuspendedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_suspended:
            logout(request)
        return self.get_response(request)
