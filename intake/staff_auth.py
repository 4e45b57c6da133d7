"""Staff sign-in: the two-factor admin site, its login form, and the session time limits."""

import time
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Password plus one code, in one step.

    django-otp 1.7 asks the user to pick a device first; staff here have an authenticator app
    (6 digits) and backup codes (letters and digits), so the code's shape picks the device.
    """

    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": "Enter the one-time code from your authenticator app, or a backup code.",
        "invalid_token": "That code is not right, or it was already used. Check it and try again.",
        "device_required": (
            "This account has no second sign-in step set up yet. Ask a BackCare administrator."
        ),
    }

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is not None:
            return device
        token = (self.cleaned_data.get("otp_token") or "").strip()
        wanted = "totp" if token.isdigit() else "static"
        for candidate in devices_for_user(user, confirmed=True):
            if candidate._meta.app_label.endswith(wanted):
                return candidate
        return None


class StaffAdminSite(OTPAdminSite):
    """The admin, open only to staff who passed the second factor, with triage counts at home."""

    login_form = StaffLoginForm
    login_template = "admin/intake/login.html"
    index_template = "admin/intake/index.html"
    site_header = "BackCare staff"
    site_title = "BackCare staff"
    index_title = "Triage and content"

    def index(self, request, extra_context=None):
        from intake.triage import home_counts  # the admin site loads before the app's models

        extra_context = {**(extra_context or {}), "triage_counts": home_counts(request.user)}
        return super().index(request, extra_context)


def install_admin_site() -> None:
    """Swap the default admin site's class, as django-otp documents: every registered ModelAdmin
    stays where it is, and every admin page now asks for the second factor."""
    admin.site.__class__ = StaffAdminSite
    for name in ("site_header", "site_title", "index_title"):
        setattr(admin.site, name, getattr(StaffAdminSite, name))


def verified_staff_required(view):
    """Like staff_member_required, but the second factor is needed too: anonymous or unverified
    users go to the admin sign-in; signed-in staff without a permission get 403 from the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff and user.is_verified()):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return wrapper


# Session keys of the staff session clock.
SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN = "staff_last_seen"


class StaffSessionTimeoutMiddleware:
    """Ends a signed-in session after STAFF_SESSION_IDLE_SECONDS without a request, and
    STAFF_SESSION_MAX_SECONDS after sign-in whatever happens.

    The last-seen time is written at most every 30 seconds, so a busy page does not write the
    session on every request.
    """

    WRITE_EVERY = 30

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if (
                now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS
                or now - signed_in_at > settings.STAFF_SESSION_MAX_SECONDS
            ):
                logout(request)
            elif now - last_seen >= self.WRITE_EVERY or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)
