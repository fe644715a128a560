from django.conf import settings


def shell(request):
    """What the site shell (base.html) needs on every page."""
    return {"debug": settings.DEBUG}
