"""Ad videos on S3-compatible storage (moto's real S3 API on loopback): the upload and its poster land in the
bucket under our names, and the signed link redirects to the store's own short-lived presigned URL."""

import urllib.request

import pytest

from monetization.ads_selectors import ad_video_url
from monetization.services.ads import ad_create
from tests.test_storage_s3 import BUCKET, s3_endpoint, s3_storage  # noqa: F401  (the fixtures)

from .ad_factories import advertiser, video_bytes, video_upload

pytestmark = pytest.mark.django_db


def test_an_ad_video_is_stored_on_s3_and_served_by_a_presigned_redirect(s3_storage, client, settings):  # noqa: F811
    settings.ADS_URL_SECONDS = 120
    ad = ad_create(actor=advertiser().user, title="Tea", video=video_upload(2))

    keys = {item["Key"] for item in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {ad.video.name, ad.poster.name}
    client.force_login(ad.advertiser.user)

    response = client.get(ad_video_url(ad=ad))

    assert response.status_code == 302
    location = response["Location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=120" in location
    with urllib.request.urlopen(location, timeout=10) as stored:
        assert stored.read() == video_bytes(2, ".webm")  # the bytes uploaded (video_upload's)
