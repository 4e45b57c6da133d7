"""Site-wide staff sign-in: the two-factor admin site (it guards every app's admin, the exercise
library's too), its login form, and the staff session time limits. Project-level, so it imports no
app; the admin home's triage counts are the one lazy exception."""

import time
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# Every refused sign-in reads the same, whatever was wrong: a different message once the password is
# right (a wrong, used or missing code; no second factor set up) would let anyone test passwords
# without ever holding a code.
SIGN_IN_REFUSED = (
    "That user name, password or one-time code is not right (each backup code works once). "
    "Check them and try again. No code yet? Ask a BackCare administrator."
)


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Password plus one code, in one step.

    django-otp 1.7 asks the user to pick a device first; here the code picks it: a backup code its
    set of backup codes (staff may hold several), 6 digits the authenticator app whose code it is.
    """

    error_messages = {**OTPAdminAuthenticationForm.error_messages, "invalid_login": SIGN_IN_REFUSED}

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self.user_cache is not None:
                # The password was right but the code (or the account) was not: count it towards
                # django-axes' lock-out like a wrong password, so the lock-out cannot tell them apart.
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": self.cleaned_data.get("username")},
                    request=self.request,
                )
            raise ValidationError(SIGN_IN_REFUSED, code="invalid_login") from None

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is not None:
            return device
        token = (self.cleaned_data.get("otp_token") or "").strip()
        holder = StaticDevice.objects.filter(
            user=user, confirmed=True, token_set__token=token
        ).first()
        if holder is not None:
            return holder
        devices = list(devices_for_user(user, confirmed=True))
        apps = [d for d in devices if isinstance(d, TOTPDevice)]
        if token.isascii() and token.isdigit() and apps:
            # Only the device whose code it is gets verified: a wrong try would be counted (and
            # throttled) on each device it was tried on.
            return next((d for d in apps if _totp_matches(d, token)), apps[0])
        # No device holds this code: the failure is counted on a set of backup codes.
        return next(
            (d for d in devices if isinstance(d, StaticDevice)), devices[0] if devices else None
        )


def _totp_matches(device: TOTPDevice, token: str) -> bool:
    """Whether `token` is this authenticator app's code now, as TOTPDevice.verify_token decides it,
    without recording anything."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return totp.verify(int(token), device.tolerance, device.last_t + 1)


class StaffAdminSite(OTPAdminSite):
    """The admin, open only to staff who passed the second factor, with triage counts at home."""

    login_form = StaffLoginForm
    login_template = "admin/intake/login.html"
    index_template = "admin/intake/index.html"
    site_header = "BackCare staff"
    site_title = "BackCare staff"
    index_title = "Triage and content"

    def index(self, request, extra_context=None):
        from intake.triage.services import (
            home_counts,  # the admin site loads before the app's models
        )

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
