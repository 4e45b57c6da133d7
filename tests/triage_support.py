"""Shared set-up for the triage tests: staff users with a role, and sign-in past the second factor."""

from django.apps import apps
from django.contrib.auth.models import Group, User
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from intake.triage.roles import create_roles

PASSWORD = "a long enough password 42"
COORDINATOR = "Intake coordinator"
SURGEON = "Reviewing surgeon"


def staff_user(
    username: str = "staff@example.org",
    *,
    role: str | None = None,
    password: str | None = None,
    **extra,
) -> User:
    """A staff user; with no password given, one that cannot sign in by password (hashing a real
    one takes a second, and most tests sign in with otp_login)."""
    user = User.objects.create_user(
        username, email=username, password=password, is_staff=True, **extra
    )
    if role:
        if not Group.objects.filter(name=role).exists():
            # A transactional test before this one emptied the tables (the migration made them).
            create_roles(apps)
        user.groups.add(Group.objects.get(name=role))
    return user


def backup_code(user: User, code: str = "backup42") -> str:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    device.token_set.create(token=code)
    return code


def otp_login(client, user: User):
    """Sign in as if through the admin's login form with a valid second factor."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
