"""Values every page's template needs."""

import re

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest | None = None) -> dict:
    """The clinic's name, phone (with a tel: link), address, hours and out-of-hours line."""
    details = settings.CLINIC
    return {"clinic": {**details, "phone_link": "tel:" + re.sub(r"[^\d+]", "", details["phone"])}}
