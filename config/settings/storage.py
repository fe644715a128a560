"""Media storage: S3-compatible when AWS_STORAGE_BUCKET_NAME is set, local files otherwise."""

from config.env import VAR_DIR, ensure_dir, env

from .base import DEBUG

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))

_static = {
    "BACKEND": (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
                "region_name": env("AWS_S3_REGION_NAME", default=None),
                "access_key": env("AWS_ACCESS_KEY_ID", default=None),
                "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
                "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default=None),
                "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="auto"),
                "signature_version": "s3v4",
                "file_overwrite": False,
                "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
                # User media is never rendered as a page by the browser.
                "object_parameters": {"CacheControl": "public, max-age=86400"},
            },
        },
        "staticfiles": _static,
    }
else:
    STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": _static}
    ensure_dir(MEDIA_ROOT)

AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
AVATAR_SIZE = 256
