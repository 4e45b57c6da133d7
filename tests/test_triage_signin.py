"""Staff sign-in: two factors, lock-out after failures, session limits, and staff accounts."""

import re
import time
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from backcare.staff_auth import LAST_SEEN, SIGN_IN_REFUSED, SIGNED_IN_AT
from tests.serving import EXAMPLE_CLINIC_ENV
from tests.triage_support import COORDINATOR, PASSWORD, backup_code, otp_login, staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def sign_in(client, username: str, password: str, code: str = ""):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": code})


def test_a_password_alone_does_not_open_the_admin(client):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    backup_code(user)
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == HTTPStatus.OK
    assert SIGN_IN_REFUSED in response.content.decode()
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def test_signed_in_without_the_second_factor_is_not_enough(client):
    client.force_login(staff_user(role=COORDINATOR))
    assert client.get("/admin/").status_code == HTTPStatus.FOUND
    assert client.get("/admin/intake/reviewrequest/").status_code == HTTPStatus.FOUND


def test_a_password_and_a_backup_code_open_the_admin_once(client):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    code = backup_code(user)
    response = sign_in(client, user.username, PASSWORD, code)
    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK
    client.logout()
    again = sign_in(client, user.username, PASSWORD, code)
    assert again.status_code == HTTPStatus.OK  # a backup code works once
    assert SIGN_IN_REFUSED in again.content.decode()
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def test_a_code_from_addstatictoken_works(client, capsys):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    call_command("addstatictoken", user.username)
    code = capsys.readouterr().out.strip()
    assert sign_in(client, user.username, PASSWORD, code).status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_an_authenticator_app_code_works(client):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = staff_user(role=COORDINATOR, password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="phone")
    code = f"{totp(device.bin_key):06d}"
    assert sign_in(client, user.username, PASSWORD, code).status_code == HTTPStatus.FOUND


def test_an_account_without_a_second_factor_is_refused_and_told_to_ask_an_administrator(client):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    response = sign_in(client, user.username, PASSWORD, "12345678")
    assert SIGN_IN_REFUSED in response.content.decode()
    assert "Ask a BackCare administrator" in SIGN_IN_REFUSED
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def test_a_code_from_any_of_the_users_sets_of_backup_codes_works(client):
    from django_otp.plugins.otp_static.models import StaticDevice

    user = staff_user(role=COORDINATOR, password=PASSWORD)
    backup_code(user, "first111")
    second = StaticDevice.objects.create(user=user, name="New backup codes")
    second.token_set.create(token="second22")
    assert sign_in(client, user.username, PASSWORD, "second22").status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK
    assert not second.token_set.exists()  # used up, from the set it belonged to
    assert user.staticdevice_set.get(name="Backup codes").token_set.count() == 1


def test_a_code_from_any_of_the_users_authenticator_apps_works(client):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = staff_user(role=COORDINATOR, password=PASSWORD)
    phone = TOTPDevice.objects.create(user=user, name="phone")
    tablet = TOTPDevice.objects.create(user=user, name="tablet")
    code = f"{totp(tablet.bin_key):06d}"
    assert sign_in(client, user.username, PASSWORD, code).status_code == HTTPStatus.FOUND
    phone.refresh_from_db()
    assert phone.throttling_failure_count == 0  # the other app was not tried and throttled


def messages_for(client, username: str, password: str, code: str) -> list[str]:
    html = sign_in(client, username, password, code).content.decode()
    return re.findall(r'<p class="errornote">(.*?)</p>', html, re.S)


def test_a_wrong_code_reads_exactly_like_a_wrong_password(client):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    code = backup_code(user)
    refused = {
        "wrong password": messages_for(client, user.username, "wrong password 123", code),
        "wrong code": messages_for(client, user.username, PASSWORD, "notacode"),
        "no code": messages_for(client, user.username, PASSWORD, ""),
        "unknown user": messages_for(client, "nobody@example.org", PASSWORD, code),
    }
    assert all(found == [SIGN_IN_REFUSED] for found in refused.values()), refused


def test_a_wrong_code_counts_towards_the_lock_out_like_a_wrong_password(client, settings):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    code = backup_code(user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, user.username, PASSWORD, "notacode").status_code == HTTPStatus.OK
    locked = sign_in(client, user.username, PASSWORD, "notacode")
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert (
        sign_in(client, user.username, PASSWORD, code).status_code == HTTPStatus.TOO_MANY_REQUESTS
    )
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def test_repeated_failures_lock_the_sign_in_with_a_clear_message(client, settings):
    user = staff_user(role=COORDINATOR, password=PASSWORD)
    code = backup_code(user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, user.username, "wrong password 123").status_code == HTTPStatus.OK
    locked = sign_in(client, user.username, "wrong password 123")
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Sign-in is locked for now" in locked.content.decode()
    # Even the right password and code are refused while locked.
    again = sign_in(client, user.username, PASSWORD, code)
    assert again.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def age_session(client, *, idle: int, since_sign_in: int) -> None:
    session = client.session
    now = int(time.time())
    session[LAST_SEEN] = now - idle
    session[SIGNED_IN_AT] = now - since_sign_in
    session.save()


def test_a_session_ends_after_15_minutes_idle(client, settings):
    assert settings.STAFF_SESSION_IDLE_SECONDS == 15 * 60
    otp_login(client, staff_user(role=COORDINATOR))
    assert client.get("/admin/").status_code == HTTPStatus.OK
    age_session(client, idle=14 * 60, since_sign_in=3600)
    assert client.get("/admin/").status_code == HTTPStatus.OK
    age_session(client, idle=16 * 60, since_sign_in=3600)
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def test_a_session_ends_9_hours_after_sign_in_even_when_busy(client, settings):
    assert settings.STAFF_SESSION_MAX_SECONDS == 9 * 3600
    otp_login(client, staff_user(role=COORDINATOR))
    age_session(client, idle=10, since_sign_in=9 * 3600 + 60)
    assert client.get("/admin/").status_code == HTTPStatus.FOUND


def test_create_staff_user_makes_a_staff_account_with_role_and_backup_codes(
    client, capsys, monkeypatch
):
    monkeypatch.setenv("STAFF_PASSWORD", "correct horse battery staple")
    call_command("create_staff_user", "dana@clinic.example", "--role", "surgeon")
    out = capsys.readouterr().out
    codes = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert len(codes) == 10
    user = User.objects.get(username="dana@clinic.example")
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Reviewing surgeon"]
    assert (
        sign_in(client, user.username, "correct horse battery staple", codes[0]).status_code == 302
    )


@pytest.mark.parametrize("password", ["short pw 1", "123456789012345", "password1234"])
def test_create_staff_user_refuses_weak_passwords(monkeypatch, password):
    monkeypatch.setenv("STAFF_PASSWORD", password)
    with pytest.raises(CommandError):
        call_command("create_staff_user", "weak@clinic.example", "--role", "coordinator")
    assert not User.objects.filter(username="weak@clinic.example").exists()


def test_the_session_cookie_is_secure_when_debug_is_off():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "backcare.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "SITE_URL": "https://backcare.example.org",
        **EXAMPLE_CLINIC_ENV,
    }
    env.pop("HTTPS", None)
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_AGE)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "backcare.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["True", str(9 * 3600)]


def test_create_staff_user_can_set_up_an_authenticator_app(client, capsys, monkeypatch):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    monkeypatch.setenv("STAFF_PASSWORD", "correct horse battery staple")
    call_command("create_staff_user", "sam@clinic.example", "--role", "coordinator", "--totp")
    assert "otpauth://totp/" in capsys.readouterr().out
    device = TOTPDevice.objects.get(user__username="sam@clinic.example")
    code = f"{totp(device.bin_key):06d}"
    response = sign_in(client, "sam@clinic.example", "correct horse battery staple", code)
    assert response.status_code == HTTPStatus.FOUND
