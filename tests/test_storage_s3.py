"""Avatars on S3-compatible storage: a real S3 API (moto's server on loopback), not mocked boto3."""

import io
import urllib.request

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image

from accounts.services.users import user_avatar_set
from tests.accounts.factories import UserFactory

BUCKET = "watchtogether-test-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": s3_endpoint, "access_key": "test", "secret_key": "test",
                "region_name": "us-east-1", "addressing_style": "path", "signature_version": "s3v4", "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def png_upload(color=(10, 120, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, format="PNG")
    return SimpleUploadedFile("me.png", out.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_avatar_is_written_to_s3_as_our_own_webp_and_served_by_signed_url(s3_storage, django_capture_on_commit_callbacks):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        user_avatar_set(user=user, upload=png_upload())

    key = user.avatar.name
    assert key.startswith(f"avatars/{user.pk}/") and key.endswith(".webp")
    head = s3_storage.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == "image/webp"
    with urllib.request.urlopen(user.avatar.url) as response:  # presigned GET
        body = response.read()
    assert Image.open(io.BytesIO(body)).size == (256, 256)


@pytest.mark.django_db
def test_replacing_an_avatar_deletes_the_old_object_after_commit(s3_storage, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        user_avatar_set(user=user, upload=png_upload())
    first = user.avatar.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user_avatar_set(user=user, upload=png_upload((200, 10, 10)))
    keys = {o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert first in keys, "the old avatar must survive until the new one is committed"

    for callback in callbacks:
        callback()
    keys = {o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {user.avatar.name}
