from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from oauth2_provider import urls as oauth_urls

from config import health
from config.errors import api_not_found
from config.media import serve_media
from config.metrics import metrics_view

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
    path("", include("moderation.api.urls")),
    path("", include("monetization.api.ads.urls")),
    path("", include("monetization.api.payments.urls")),
    path("", include("dms.api.urls")),
    path("", include("vods.api.clip_urls")),
    path("", include("developers.api.urls")),
    path("", include("vods.api.urls")),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^[\s\S]*$", api_not_found),  # unknown API paths (a newline in one too) answer in the error shape, not HTML
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("web.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # authorize, token, revoke, introspect, and the developers' and users' app pages; no OIDC, no open
    # dynamic client registration
    path("oauth/", include((oauth_urls.base_urlpatterns + oauth_urls.management_urlpatterns, "oauth2_provider"))),
    path("api/v1/", include(api_v1)),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("guilds.urls")),
    path("", include("gamification.urls")),
    path("", include("media_relay.urls")),
    path("", include("streams.urls")),
    path("", include("monetization.urls")),
    path("", include("monetization.ads_urls")),
    path("", include("dms.urls")),
    path("", include("vods.clip_urls")),
    path("", include("vods.urls")),
]

if not settings.STORAGES["default"]["BACKEND"].startswith("storages."):
    # Local media on the embedded default, with byte ranges (video seeking); nosniff comes from SecurityMiddleware.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT})]
