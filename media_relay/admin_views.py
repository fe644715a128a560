"""Back office: "Media relay workers", a read-only staff page of the Redis registry (media_relay.sfu.registry).

There is no model behind it, so it is not a ModelAdmin: the view is added to the default admin site's
URLs (``AdminSite.get_urls``) and to its app list (``get_app_list``, so it shows on the index and in
the sidebar under "Media relay"), wrapped in ``admin_view`` (staff only; others go to the login page).
Imported by ``MediaRelayConfig.ready``.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .relay_settings import registry_for_settings

URL_NAME = "media_relay_workers"


def relay_workers_view(request):
    registry = registry_for_settings()
    context = {
        **admin.site.each_context(request),
        "title": "Media relay workers",
        "registry_enabled": registry is not None,
        "workers": registry.worker_list() if registry is not None else [],
        "placements": registry.placement_list() if registry is not None else [],
    }
    return TemplateResponse(request, "admin/media_relay/workers.html", context)


def _extend(site: admin.AdminSite) -> None:
    get_urls, get_app_list = site.get_urls, site.get_app_list

    def urls():
        return [path("media_relay/workers/", site.admin_view(relay_workers_view), name=URL_NAME), *get_urls()]

    def app_list(request, app_label=None):
        apps = get_app_list(request, app_label)
        if app_label not in (None, "media_relay"):
            return apps
        entry = {"name": "Media relay workers", "object_name": "RelayWorker", "perms": {"view": True},
                 "admin_url": reverse(f"{site.name}:{URL_NAME}"), "add_url": None, "view_only": True}
        app = next((a for a in apps if a["app_label"] == "media_relay"), None)
        if app is None:
            app = {"name": "Media relay", "app_label": "media_relay", "app_url": entry["admin_url"],
                   "has_module_perms": True, "models": []}
            apps = sorted([*apps, app], key=lambda a: a["name"].lower())
        app["models"] = [*app["models"], entry]
        return apps

    site.get_urls, site.get_app_list = urls, app_list


_extend(admin.site)
