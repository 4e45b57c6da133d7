"""Create a staff account with a role, a checked password and backup codes for the second factor.

    manage.py create_staff_user EMAIL --role coordinator|surgeon [--totp]

The password is asked for twice (or read from the STAFF_PASSWORD environment variable, for scripts).
Ten one-time backup codes are printed; with --totp, an authenticator-app set-up link and QR code too.
"""

import getpass
import os

import qrcode
from django.apps import apps
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.triage.roles import create_roles

ROLES = {"coordinator": "Intake coordinator", "surgeon": "Reviewing surgeon"}
BACKUP_CODES = 10


class Command(BaseCommand):
    help = "Create a staff user with a role (coordinator or surgeon) and print backup codes."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument(
            "--totp",
            action="store_true",
            help="Also set up an authenticator app (prints a QR code).",
        )

    def handle(self, *args, email: str, role: str, totp: bool, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"“{email}” is not an e-mail address.") from error
        User = get_user_model()
        if User.objects.filter(username__iexact=email).exists():
            raise CommandError(f"A user {email} already exists.")
        user = User(username=email, email=email, is_staff=True)
        password = self._password(user)
        with transaction.atomic():
            user.set_password(password)
            user.save()
            if not Group.objects.filter(name=ROLES[role]).exists():
                create_roles(apps)  # someone removed the group that migration 0002 made
            user.groups.add(Group.objects.get(name=ROLES[role]))
            device = StaticDevice.objects.create(user=user, name="Backup codes")
            codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
            StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
            totp_device = (
                TOTPDevice.objects.create(user=user, name="Authenticator app") if totp else None
            )
        self.stdout.write(f"Created staff user {email} ({ROLES[role]}).")
        self.stdout.write("Backup codes (each works once; keep them somewhere safe):")
        for code in codes:
            self.stdout.write(f"  {code}")
        if totp_device is not None:
            self.stdout.write("Scan this with an authenticator app, or open the link on the phone:")
            self.stdout.write(totp_device.config_url)
            code = qrcode.QRCode(border=1)
            code.add_data(totp_device.config_url)
            code.print_ascii(out=self.stdout._out, invert=True)

    def _password(self, user) -> str:
        password = os.environ.get("STAFF_PASSWORD")
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password
