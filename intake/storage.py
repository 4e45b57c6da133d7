"""Private storage for patients' files: local disk for one machine, an S3-compatible bucket for many.

settings.STORAGES["default"] picks one from the STORAGE_BACKEND environment variable. Both refuse to
give a URL: staff reach files only through the permission-checked download view, which streams the
file or (S3, if configured) redirects to a short-lived signed URL it asks for explicitly.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

NO_URL = "Private files are not accessible via a URL; use the staff download view."


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploads on local disk with no URL at all: a template or admin widget that asks for one fails
    loudly instead of printing a link. Staff reach files only through the permission-checked view."""

    def url(self, name: str | None) -> str:
        raise ValueError(NO_URL)


class PrivateS3Storage(S3Storage):
    """Uploads in a private bucket: private ACL, server-side encryption (SSE-S3), never overwritten,
    signature v4, no URL. Bucket, endpoint, region and the signed-URL lifetime come from settings;
    the privacy rules below cannot be loosened there."""

    PRIVACY = {
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "custom_domain": None,
        "object_parameters": {"ServerSideEncryption": "AES256"},
    }

    def __init__(self, **options):
        loosened = sorted(k for k in self.PRIVACY if k in options and options[k] != self.PRIVACY[k])
        if loosened:
            raise ImproperlyConfigured(f"PrivateS3Storage does not allow changing {loosened}.")
        # Reading a file fetches the whole object first; past this size it goes to a temporary file
        # instead of memory (django-storages' default, 0, keeps every byte of a 1 GB CD in memory).
        options.setdefault("max_memory_size", 8 * 1024**2)
        super().__init__(**{**options, **self.PRIVACY})

    def url(self, name: str | None, *args, **kwargs) -> str:
        raise ValueError(NO_URL)

    def signed_download_url(self, name: str, *, filename: str, expire: int) -> str:
        """A GET URL valid for `expire` seconds that makes the browser save the file as `filename`."""
        parameters = {
            "ResponseContentDisposition": content_disposition_header(
                as_attachment=True, filename=filename
            ),
            "ResponseContentType": "application/octet-stream",
            "ResponseCacheControl": "no-store, private",
        }
        return super().url(name, parameters=parameters, expire=expire)
