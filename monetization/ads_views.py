"""Website pages of the ad marketplace: the advertiser's profile, uploads, orders and dashboard, and the
signed video links the player plays."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from config.media import serve_media

from . import ads_selectors as selectors
from .ads_forms import AdOrderForm, AdUploadForm, AdvertiserForm
from .services import ads as services
from .services.checkout import PaymentsNotConfigured


@login_required
def advertiser_home(request):
    """Your advertiser profile (made here the first time) and your ads."""
    advertiser = selectors.advertiser_for(user=request.user)
    form = AdvertiserForm(request.POST or None)
    if advertiser is None and request.method == "POST" and form.is_valid():
        try:
            services.advertiser_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as err:
            form.add_error(None, err.message)
        else:
            return redirect("ads-advertiser")
    ads = [(ad, selectors.ad_summary(ad=ad)) for ad in selectors.ads_of(advertiser=advertiser)] if advertiser else []
    return render(request, "monetization/ads/advertiser.html", {"advertiser": advertiser, "form": form, "ads": ads})


@login_required
def ad_new(request):
    form = AdUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ad = services.ad_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as err:
            form.add_error("video" if err.code == "ad_video_invalid" else None, err.message)
        else:
            return redirect("ads-advertiser-ad", ad_id=ad.pk)
    return render(request, "monetization/ads/new.html", {"form": form}, status=400 if form.errors else 200)


def _owned_or_refused(request, ad_id: int):
    try:
        return selectors.ad_get_for_owner(user=request.user, ad_id=ad_id), None
    except ApplicationError as err:
        return None, render(request, "monetization/ads/refused.html", {"error": err}, status=err.status)


@login_required
def advertiser_ad(request, ad_id: int):
    """One ad: status, packages to order, and its figures (charts, completion rate, spend, remaining)."""
    ad, refused = _owned_or_refused(request, ad_id)
    if refused:
        return refused
    days = selectors.ad_daily_figures(ad=ad)
    return render(request, "monetization/ads/ad.html", {
        "ad": ad, "summary": selectors.ad_summary(ad=ad), "packages": selectors.packages_offered(),
        "chart": {"days": [d.day.isoformat() for d in days], "served": [d.served for d in days],
                  "completed": [d.completed for d in days]},
        "orders": ad.orders.select_related("package"),
    })


@login_required
@require_POST
def ad_order(request, ad_id: int):
    """Order a package. Its Checkout session carries services.ads.ad_order_checkout_metadata(order)."""
    ad, refused = _owned_or_refused(request, ad_id)
    if refused:
        return refused
    form = AdOrderForm(request.POST)
    try:
        if not form.is_valid():
            return redirect("ads-advertiser-ad", ad_id=ad.pk)
        order = services.ad_order_create(actor=request.user, ad=ad, package_id=form.cleaned_data["package"])
        start = services.ad_order_checkout_start(
            order=order, success_url=request.build_absolute_uri(reverse("payment-done")),
            cancel_url=request.build_absolute_uri(reverse("ads-advertiser-ad", args=[ad.pk])))
        return redirect(start.url)
    except PaymentsNotConfigured:
        pass  # the order page says so, with what Checkout would carry
    except ApplicationError as err:
        return render(request, "monetization/ads/refused.html", {"error": err}, status=err.status)
    return render(request, "monetization/ads/order.html", {
        "ad": ad, "order": order, "metadata": services.ad_order_checkout_metadata(order),
    })


@login_required
@require_GET
def ad_report_csv(request, ad_id: int):
    ad, refused = _owned_or_refused(request, ad_id)
    if refused:
        return refused
    response = HttpResponse(selectors.ad_report_csv(ad=ad), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ad-{ad.pk}-report.csv"'
    return response


@require_GET
def ad_video(request, signed: str):
    """The video behind a signed, short-lived link: served here (with byte ranges) from local media, or a
    redirect to the object store's own short-lived signed URL."""
    try:
        ad = selectors.ad_video_from_signed(signed=signed)
    except ApplicationError as err:
        return HttpResponse(err.message, status=err.status, content_type="text/plain")
    if settings.STORAGES["default"]["BACKEND"].startswith("storages."):
        return redirect(default_storage.url(ad.video.name, expire=settings.ADS_URL_SECONDS))
    return serve_media(request, ad.video.name, settings.MEDIA_ROOT)
