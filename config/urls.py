from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.errors import api_not_found
from config.media import serve_media

# Staff sign in through allauth's login, so the admin shares its rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "WatchTogether back office"
admin.site.site_title = "WatchTogether admin"

# allauth's rate limits answer through this (allauth.core.internal.ratelimit.respond_429)
handler429 = "accounts.rate_limits.too_many_requests"

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("web.api.urls")),
    path("", include("rooms.api.urls")),
    path("", include("guilds.api.urls")),
    path("", include("gamification.api.urls")),
    path("", include("media_relay.api.urls")),
    path("", include("streams.api.urls")),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^[\s\S]*$", api_not_found),  # unknown API paths (a newline in one too) answer in the error shape, not HTML
]

urlpatterns = [
    path("", include("web.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("guilds.urls")),
    path("", include("gamification.urls")),
    path("", include("media_relay.urls")),
    path("", include("streams.urls")),
]

if not settings.STORAGES["default"]["BACKEND"].startswith("storages."):
    # Local media on the embedded default, with byte ranges (video seeking); nosniff comes from SecurityMiddleware.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT})]
