"""Web attacks: CSRF on every unsafe request to every URL, script in every text field shown escaped
(form, confirmation, e-mails, admin), and no patient data in URLs, logs or e-mails."""

import datetime
import logging
import re
import uuid
from http import HTTPStatus

import pytest
from django import forms
from django.contrib.auth.models import User
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.html import escape

from intake import rules
from intake.models import ReviewRequest, Upload, UploadLink
from intake.request.forms import ReviewRequestForm
from intake.triage.services import hash_token
from tests.factories import ReviewRequestFactory, pdf_bytes, review_form_data
from tests.intake_support import intake_settings, upload  # noqa: F401
from tests.triage_support import otp_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

# --- CSRF -------------------------------------------------------------------------------------

# URL names whose views may take unsafe requests without Django's CSRF token, each with the reason.
# Only protocol endpoints belong here, not browser forms.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {
    # tus (intake/uploads/tus.py): every request must carry the Tus-Resumable header, which another site's
    # page cannot send without a CORS preflight we never answer; foreign Origin/Sec-Fetch-Site get
    # 403; each upload belongs to the session that created it; SameSite=Lax session cookie.
    "intake:tus_uploads": "tus protocol endpoint",
    "intake:tus_upload": "tus protocol endpoint",
}

UNSAFE_METHODS = ("post", "put", "patch", "delete")
SAMPLE_VALUES = ("1", "intake", "reviewrequest", "x", "a-b", "2026")
CSRF_REFUSED = "csrf-refused-by-test"


def csrf_refused(request, reason=""):
    """Stands in for Django's CSRF failure page, so a refusal is told apart from any other 403."""
    return HttpResponseForbidden(CSRF_REFUSED)


def _groups(regex: str) -> list[tuple[int, int, str, str]]:
    """(start, end, name, inner regex) of each named group, nested parentheses allowed."""
    found = []
    for match in re.finditer(r"\(\?P<(\w+)>", regex):
        depth, index = 1, match.end()
        while depth:
            if regex[index] == "\\":
                index += 2
                continue
            depth += {"(": 1, ")": -1}.get(regex[index], 0)
            index += 1
        found.append((match.start(), index, match.group(1), regex[match.end() : index - 1]))
    return found


def _sample(regex: str) -> str | None:
    """A string the pattern's regex matches, or None when no sample value fits a group."""
    parts, last = [], 0
    for start, end, _name, inner in _groups(regex):
        value = next((v for v in SAMPLE_VALUES if re.fullmatch(inner, v)), None)
        if value is None:
            return None
        parts += [regex[last:start], value]
        last = end
    parts.append(regex[last:])
    text = "".join(parts).removeprefix("^").removesuffix(r"\Z").removesuffix("$")
    return re.sub(r"\\(.)", r"\1", text)


def every_url() -> list[tuple[str, str]]:
    """(URL, name) for every pattern in the URLconf, filled with sample values; new views count."""
    urls = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            piece = _sample(pattern.pattern.regex.pattern)
            if piece is None:
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + piece, inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else pattern.lookup_str
                urls.append(("/" + prefix + piece, name))

    walk(get_resolver().url_patterns, "", "")
    return urls


def test_every_url_is_enumerated_including_the_form_and_the_admin():
    names = {name for _url, name in every_url()}
    assert {"intake:request", "intake:upload_download", "admin:login", "healthz"} <= names
    assert "admin:intake_reviewrequest_change" in names
    for url, _name in every_url():
        resolve(url)  # each sample really reaches its view


@pytest.mark.parametrize("method", UNSAFE_METHODS)
def test_every_unsafe_request_without_a_csrf_token_is_refused(settings, method):
    settings.CSRF_FAILURE_VIEW = "tests.test_web_security.csrf_refused"
    client = Client(enforce_csrf_checks=True)
    # Signed in as a superuser, so nothing but the CSRF check stands between the request and a view.
    client.force_login(User.objects.create_superuser("admin", "admin@clinic.example", "x" * 20))
    admin = User.objects.get(username="admin")
    client.get("/mri-review/")  # the CSRF cookie is set; only the token is missing
    # The page for more files answers only a real link: make the sample token ("1") one.
    UploadLink.objects.create(
        request=ReviewRequestFactory(),
        token_hash=hash_token("1"),
        created_by=admin,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    requests_before = ReviewRequest.objects.count()
    not_refused = []
    for url, name in every_url():
        if name in CSRF_EXEMPT_ALLOWED:
            continue
        response = getattr(client, method)(url, {"first_name": "x"})
        refused = response.status_code == HTTPStatus.FORBIDDEN and CSRF_REFUSED in (
            response.content.decode(errors="replace")
        )
        # A CSRF-exempt view that refuses the method outright (the form's view must install its
        # upload handlers before the CSRF check reads the body) does nothing a forger could use.
        method_refused = response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        if not (refused or method_refused):
            not_refused.append((method.upper(), url, name, response.status_code))
    assert not_refused == []
    assert ReviewRequest.objects.count() == requests_before
    assert not Upload.objects.exists()


def form_page_token(client: Client) -> str:
    """The CSRF token as a browser reads it: from the form's hidden field."""
    html = client.get("/mri-review/").text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def test_the_form_with_its_token_goes_through_when_csrf_is_enforced(settings):
    settings.CSRF_FAILURE_VIEW = "tests.test_web_security.csrf_refused"
    client = Client(enforce_csrf_checks=True)
    token = form_page_token(client)
    response = client.post("/mri-review/", {**review_form_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.FOUND
    assert ReviewRequest.objects.count() == 1


def test_a_token_from_another_session_is_refused(settings):
    settings.CSRF_FAILURE_VIEW = "tests.test_web_security.csrf_refused"
    attacker, victim = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token = form_page_token(attacker)
    victim.get("/mri-review/")
    response = victim.post("/mri-review/", {**review_form_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ReviewRequest.objects.exists()


# --- XSS ---------------------------------------------------------------------------------------

PAYLOADS = ['<script>alert("{}")</script>', '"><img src=x onerror=alert("{}")>']


def text_fields() -> list[str]:
    """Every field a patient types into (the honeypot aside: filled, it keeps nothing)."""
    form = ReviewRequestForm()
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field.widget, forms.widgets.Input | forms.Textarea)
        and not isinstance(field.widget, forms.HiddenInput | forms.FileInput | forms.CheckboxInput)
        and name != "homepage"
    ]


def assert_escaped(html: str, payloads: list[str]) -> None:
    for payload in payloads:
        assert payload not in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_in_every_text_field_is_escaped_when_the_form_comes_back(client, payload):
    fields = text_fields()
    assert {"first_name", "email", "phone", "pain_onset_details", "mri_facility"} <= set(fields)
    values = {name: payload.format(name) for name in fields}
    response = client.post("/mri-review/", review_form_data(**values))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert_escaped(html, list(values.values()))
    for name in ("first_name", "last_name", "pain_onset_details", "mri_facility"):
        assert escape(values[name]) in html, name
    assert not ReviewRequest.objects.exists()


# Fields kept as typed (others are refused by their format: e-mail, dates, ZIP, numbers, phone).
FREE_TEXT = ("first_name", "last_name", "pain_onset_details", "spine_surgery_when")
FREE_TEXT += ("mri_facility", "insurance_carrier")


def superuser_client() -> Client:
    client = Client()
    otp_login(client, User.objects.create_superuser("admin", "admin@clinic.example", "x" * 20))
    return client


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_in_kept_text_is_inert_in_the_confirmation_e_mails_and_admin(
    client, payload, mailoutbox, django_capture_on_commit_callbacks
):
    values = {name: payload.format(name) for name in FREE_TEXT}
    file_name = payload.format("file") + ".pdf"
    data = review_form_data(**values, had_spine_surgery="on", imaging_plan="upload")
    data["files"] = [upload(file_name, pdf_bytes())]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mri-review/", data, follow=True)
    assert response.redirect_chain == [("/mri-review/thanks/", HTTPStatus.FOUND)]
    review_request = ReviewRequest.objects.get()
    assert review_request.first_name == values["first_name"]  # kept as typed, shown escaped
    assert_escaped(response.content.decode(), [*values.values(), file_name])

    to_patient, to_inbox = sorted(mailoutbox, key=lambda m: m.to != [review_request.email])
    for message in (to_patient, to_inbox):
        # Plain text only: no HTML part that a mail program could render, nothing attached.
        assert message.content_subtype == "plain"
        assert getattr(message, "alternatives", []) == []
        assert message.attachments == []
        assert message.subject.count(review_request.reference) == 1
        for name in FREE_TEXT[1:]:
            assert values[name] not in message.body + message.subject
        assert file_name not in message.body
    assert f"Dear {values['first_name']}," in to_patient.body  # the first name, unrendered text
    assert values["first_name"] not in to_inbox.body

    admin = superuser_client()
    pages = [
        f"/admin/intake/reviewrequest/{review_request.pk}/change/",
        "/admin/intake/reviewrequest/",
        f"/admin/intake/upload/{Upload.objects.get().pk}/change/",
        "/admin/intake/upload/",
    ]
    for url in pages:
        page = admin.get(url)
        assert page.status_code == HTTPStatus.OK, url
        assert_escaped(page.content.decode(), [*values.values(), file_name])
    change = admin.get(pages[0]).content.decode()
    for name in FREE_TEXT:
        assert escape(values[name]) in change, name
    assert escape(rules.clean_file_name(file_name)) in change


# --- Privacy: URLs, logs, e-mails ----------------------------------------------------------------

PATIENT = {
    "first_name": "Zebulon",
    "last_name": "Quixotewright",
    "email": "zebulon.q@example.org",
    "phone": "555-867-5309",
    "date_of_birth": "02/29/1964",
    "zip_code": "90210",
    "pain_onset_details": "Slipped on the icy porch steps",
    "mri_facility": "Lakeside Imaging Annex",
    "insurance_carrier": "Acme Mutual Health",
}
FILE_NAME = "Quixotewright lumbar MRI 1964.pdf"
SECRETS = [
    *(value for key, value in PATIENT.items() if key != "first_name"),
    "1964-02-29",
    "8675309",
    "Quixotewright lumbar",
    "icy porch",
]


def test_no_patient_data_in_urls_logs_or_e_mails(
    client, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    data = review_form_data(**PATIENT, imaging_plan="upload", both_legs="yes")
    data["files"] = [upload(FILE_NAME, pdf_bytes())]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mri-review/", data)
        refused = client.post(  # a refused file and a form with errors log nothing private either
            "/mri-review/",
            {
                **data,
                "submission_token": str(uuid.uuid4()),
                "files": [upload(FILE_NAME.replace(".pdf", ".exe"), b"MZ" + b"\0" * 64)],
            },
        )
    assert refused.status_code == HTTPStatus.OK
    thanks = client.get(response["Location"])
    review_request = ReviewRequest.objects.get()

    locations = [response["Location"]] + [r.get("Location", "") for r in (refused, thanks)]
    assert response["Location"] == "/mri-review/thanks/"
    urls = " ".join(locations).lower()
    for secret in [*SECRETS, PATIENT["first_name"], review_request.reference]:
        assert secret.lower() not in urls

    log_text = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert str(review_request.pk) in log_text, "the submission and the e-mails should be logged"
    for secret in [*SECRETS, PATIENT["first_name"], "lumbar"]:
        assert secret.lower() not in log_text.lower(), secret

    assert len(mailoutbox) == 2
    to_patient, to_inbox = sorted(mailoutbox, key=lambda m: m.to != [PATIENT["email"]])
    assert to_patient.to == [PATIENT["email"]]
    for message in mailoutbox:
        text = f"{message.subject}\n{message.body}\n{message.extra_headers}".lower()
        for secret in SECRETS:
            if secret == PATIENT["email"] and message is to_patient:
                continue  # the patient's own address is where it goes, not what it says
            assert secret.lower() not in text, secret
        assert "weakness" not in text  # no health answers
        assert review_request.reference.lower() in text
    assert PATIENT["email"] not in to_patient.body + to_patient.subject
    assert "Zebulon" in to_patient.body
    assert "Zebulon" not in to_inbox.body + to_inbox.subject


# --- E-mail content injection --------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_name",
    [
        "Maria http://evil.example/login",
        "Maria www.evil.example",
        "win@evil.example",
        "Go evil.com",
    ],
)
def test_a_link_as_first_name_is_refused_so_our_e_mail_cannot_carry_it(
    client, first_name, mailoutbox
):
    response = client.post("/mri-review/", review_form_data(first_name=first_name))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["first_name"] == ["Enter just your first name"]
    assert mailoutbox == []
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone", "mri_facility"])
def test_line_breaks_in_one_line_answers_are_refused(client, field):
    value = {"phone": "555-201-3344\r\nBcc: x@example.org"}.get(field, "Maria\r\n\r\nVisit us")
    response = client.post("/mri-review/", review_form_data(**{field: value}))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors[field] == [
        "Write this on one line, without special characters"
    ]
    assert not ReviewRequest.objects.exists()


def test_names_with_accents_hyphens_and_apostrophes_are_welcome(client):
    response = client.post("/mri-review/", review_form_data(first_name="Zoë-Anne O'Neil Jr."))
    assert response.status_code == HTTPStatus.FOUND
