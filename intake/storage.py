from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploads on local disk with no URL at all: a template or admin widget that asks for one fails
    loudly instead of printing a link. Staff reach files only through the permission-checked view."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private files are not accessible via a URL; use the staff download view.")
