"""Uploading an ad: the video is probed with PyAV (container, codec, length), stored with its poster frame;
an image renamed .mp4, an oversize or a too-long file is refused with a clear error."""

import io

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from config.errors import ApplicationError
from monetization.models import Ad, AdStatus
from monetization.services.ads import ad_create, advertiser_create
from tests.accounts.factories import UserFactory

from .ad_factories import advertiser, seed_packages, video_upload

pytestmark = pytest.mark.django_db


def refusal(**kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        ad_create(**kwargs)
    return caught.value


@pytest.mark.parametrize("suffix", [".webm", ".mp4"])
def test_a_real_video_is_stored_with_its_length_and_a_decodable_poster(suffix):
    owner = advertiser()

    ad = ad_create(actor=owner.user, title="Tea time", video=video_upload(2, suffix), reward_title="Tea lover")

    assert (ad.status, ad.duration_ms, ad.width, ad.height) == (AdStatus.AWAITING_PAYMENT, 2000, 160, 90)
    assert ad.video.name.endswith(suffix) and not ad.video.name.endswith(f"ad{suffix}")  # our own name
    with ad.video.open("rb") as stored, av.open(stored) as container:
        assert container.streams.video[0].codec_context.width == 160
    with ad.poster.open("rb") as poster:
        assert Image.open(poster).format == "JPEG"


def test_an_image_renamed_mp4_is_not_a_video():
    png = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(png, format="PNG")

    err = refusal(actor=advertiser().user, title="Fake", video=SimpleUploadedFile("ad.mp4", png.getvalue(), "video/mp4"))

    assert (err.code, err.extra["reason"]) == ("ad_video_invalid", "not_video")
    assert "not a video" in err.message
    assert not Ad.objects.exists()


def test_text_with_a_video_name_is_not_a_video():
    err = refusal(actor=advertiser().user, title="Fake", video=SimpleUploadedFile("ad.webm", b"<html>hi</html>" * 50))
    assert err.extra["reason"] == "not_video"


def test_an_oversize_upload_is_refused_before_it_is_read(settings):
    settings.ADS_VIDEO_MAX_BYTES = 1024

    err = refusal(actor=advertiser().user, title="Big", video=video_upload(2))

    assert (err.extra["reason"], err.extra["max_bytes"]) == ("too_large", 1024)


def test_a_too_long_video_is_refused(settings):
    settings.ADS_VIDEO_MAX_SECONDS = 1

    err = refusal(actor=advertiser().user, title="Long", video=video_upload(2))

    assert (err.extra["reason"], err.extra["seconds"]) == ("too_long", 2.0)
    assert "longer than 1 seconds" in err.message


def test_uploading_needs_an_advertiser_profile_and_one_is_enough():
    user = UserFactory()
    assert refusal(actor=user, title="T", video=video_upload()).code == "ad_not_advertiser"
    advertiser_create(actor=user, company_name="Acme")
    with pytest.raises(ApplicationError) as caught:
        advertiser_create(actor=user, company_name="Acme again")
    assert caught.value.code == "ad_advertiser_exists"


def test_the_upload_page_shows_the_probe_error(client, settings):
    settings.ADS_VIDEO_MAX_SECONDS = 1
    owner = advertiser()
    client.force_login(owner.user)

    response = client.post("/advertise/new/", {"title": "Long", "video": video_upload(2), "offers_xp": "on"})

    assert response.status_code == 400
    assert "longer than 1 seconds" in response.content.decode()


def test_the_upload_page_stores_the_ad_and_leads_to_its_page(client):
    seed_packages()
    owner = advertiser()
    client.force_login(owner.user)

    response = client.post("/advertise/new/", {"title": "Tea", "video": video_upload(2), "offers_xp": "on"})

    ad = Ad.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/advertise/ads/{ad.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Starter" in page and "Growth" in page and "Scale" in page  # the seeded packages to order
