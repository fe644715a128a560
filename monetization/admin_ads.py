"""Back office for the ad marketplace: the review queue (paid ads waiting, video playable inline), approve /
reject with a reason / pause / resume (each through monetization.services.ads, audited there), packages,
advertisers, orders, and making a sponsored event from a running ad."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from config.errors import ApplicationError

from .ads_selectors import review_queue
from .models import Ad, AdOrder, AdPackage, AdReview, Advertiser
from .services import ads as services


@admin.register(AdPackage)
class AdPackageAdmin(admin.ModelAdmin):
    list_display = ["name", "price_minor", "currency", "impressions", "is_active", "position"]
    list_editable = ["price_minor", "impressions", "is_active", "position"]


@admin.register(Advertiser)
class AdvertiserAdmin(admin.ModelAdmin):
    list_display = ["company_name", "user", "website", "created_at"]
    search_fields = ["company_name", "user__handle", "user__email"]
    raw_id_fields = ["user"]


@admin.register(AdOrder)
class AdOrderAdmin(admin.ModelAdmin):
    list_display = ["id", "ad", "package", "amount_minor", "currency", "impressions", "status", "paid_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in AdOrder._meta.fields]

    def has_add_permission(self, request):
        return False


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=services.REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="The advertiser reads this.")


class SponsoredEventForm(forms.Form):
    title = forms.CharField(max_length=80)
    starts_at = forms.DateTimeField(initial=timezone.now)
    ends_at = forms.DateTimeField(initial=lambda: timezone.now() + timedelta(days=7))
    xp_reward = forms.IntegerField(min_value=50, max_value=500, initial=100)


def _each(modeladmin, request, queryset, act, done: str) -> None:
    """Run one service per selected ad; each refusal (own ad, wrong status) is reported, not raised."""
    count = 0
    for ad in queryset:
        try:
            act(ad)
        except ApplicationError as err:
            modeladmin.message_user(request, f"“{ad}”: {err.message}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, f"{count} ad(s) {done}.", messages.SUCCESS)


def _intermediate(modeladmin, request, queryset, form, title: str, template: str):
    return TemplateResponse(request, template, {
        **modeladmin.admin_site.each_context(request), "title": title, "ads": queryset, "form": form,
        "action": request.POST["action"], "checkbox_name": ACTION_CHECKBOX_NAME, "opts": modeladmin.model._meta,
    })


class AdActions:
    actions = ["approve", "reject", "pause", "resume", "sponsored_event"]

    @admin.action(description="Approve the selected ads")
    def approve(self, request, queryset):
        _each(self, request, queryset, lambda ad: services.ad_approve(actor=request.user, ad=ad), "approved")

    @admin.action(description="Reject the selected ads (with a reason)…")
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _intermediate(self, request, queryset, form, "Reject ads", "admin/monetization/ads/reject.html")
        reason = form.cleaned_data["reason"]
        _each(self, request, queryset, lambda ad: services.ad_reject(actor=request.user, ad=ad, reason=reason),
              "rejected")
        return None

    @admin.action(description="Pause the selected ads")
    def pause(self, request, queryset):
        _each(self, request, queryset, lambda ad: services.ad_pause(actor=request.user, ad=ad), "paused")

    @admin.action(description="Resume the selected ads")
    def resume(self, request, queryset):
        _each(self, request, queryset, lambda ad: services.ad_resume(actor=request.user, ad=ad), "resumed")

    @admin.action(description="Make a sponsored event watching the selected ad…")
    def sponsored_event(self, request, queryset):
        form = SponsoredEventForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _intermediate(self, request, queryset, form, "Sponsored event",
                                 "admin/monetization/ads/sponsored_event.html")
        _each(self, request, queryset,
              lambda ad: services.ad_sponsored_event_create(actor=request.user, ad=ad, **form.cleaned_data),
              "now sponsor an event")
        return None

    @admin.display(description="Video")
    def video_player(self, ad):
        return format_html('<video controls preload="metadata" width="320" poster="{}" src="{}" data-ad-video="{}">'
                           "</video>", ad.poster.url, ad.video.url, ad.pk)

    @admin.display(description="Views")
    def delivered(self, ad):
        return f"{ad.impressions} / {ad.impressions_bought}"


AD_READONLY = ["advertiser", "video_player", "duration_ms", "width", "height", "size_bytes", "status",
               "impressions_bought", "impressions", "views", "paid_minor", "currency", "rejection_reason",
               "reviewed_by", "reviewed_at", "reward_decoration", "created_at"]


@admin.register(Ad)
class AdAdmin(AdActions, admin.ModelAdmin):
    list_display = ["title", "advertiser", "status", "delivered", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "advertiser__company_name"]
    fields = ["title", "offers_xp", "reward_title", *AD_READONLY]
    readonly_fields = AD_READONLY

    def has_add_permission(self, request):
        return False  # advertisers upload at /advertise/


@admin.register(AdReview)
class AdReviewAdmin(AdActions, admin.ModelAdmin):
    """The queue: paid ads waiting for a decision, oldest first, each playable right in the list."""

    actions = ["approve", "reject"]
    list_display = ["title", "video_player", "advertiser", "duration_ms", "delivered", "offers_xp", "reward_title",
                    "created_at"]
    fields = AdAdmin.fields
    readonly_fields = [*AD_READONLY, "title", "offers_xp", "reward_title"]

    def get_queryset(self, request):
        return review_queue()

    def has_add_permission(self, request):
        return False
