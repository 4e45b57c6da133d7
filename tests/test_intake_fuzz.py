"""No input reaches a server error: random and hostile values in every field of the MRI review form
and in every tus header (and the upload's URL id) get a 4xx answer or the form shown again, never a 5xx.

Property-based (Hypothesis) against the real views and Postgres, with the Django test client. Each
example runs in its own transaction, rolled back after it (hypothesis.extra.django.TestCase), and the
run is deterministic (derandomize) and bounded, so it takes well under a minute.
"""

import base64
import hashlib
import uuid
from urllib.parse import quote, urlencode

from django.core.cache import cache
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from intake.request.forms import ReviewRequestForm
from tests.factories import EXE_BYTES, HTML_BYTES, PNG_BYTES, jpeg_bytes, mr_small_bytes, pdf_bytes
from tests.serving import FORM

FUZZ = settings(
    max_examples=70,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FIELDS = list(ReviewRequestForm().fields)

NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "Maria\x00",
    "\r\nBcc: x@example.com",
    "\u202eevil",
    "\ufeff",
    "\u2028",
    "<script>alert(1)</script>",
    "'; DROP TABLE intake_reviewrequest; --",
    "%00",
    "on",
    "yes",
    "True",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "\u0663",  # an Arabic-Indic digit three, which int() accepts
    "02/30/2020",
    "13/45/2020",
    "00/00/0000",
    "01/01/0001",
    "12/31/9999",
    "9999-12-31",
    "1968-03-27",
    "1968-03-27T00:00:00",
    str(uuid.uuid4()),
    "x" * 70_000,
    "9" * 5000,  # past Python's int() digit limit
    "A" * 43,  # the shape of a staged upload id
]

# A value as bytes on the wire: text (any code point but lone surrogates), text with a NUL, those
# surrogates encoded as a broken UTF-8 sequence, or raw bytes that are not UTF-8 at all.
wire_value = st.one_of(
    st.sampled_from(NASTY_TEXT).map(str.encode),
    st.text(max_size=40).map(str.encode),
    st.text(max_size=20).map(lambda t: f"{t[:5]}\x00{t[5:]}".encode()),  # Postgres refuses NUL
    st.characters(categories=["Cs"]).map(lambda c: c.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)
# No value (the field left out), one, or several (a list for a one-value field).
field_values = st.lists(wire_value, max_size=3)

FILE_CONTENTS = [
    b"",
    EXE_BYTES,
    HTML_BYTES,
    PNG_BYTES,
    b"%PDF-1.7\n" + HTML_BYTES,
    b"\x00" * 128 + b"DICM" + b"junk",
    b"PK\x03\x04" + b"\x00" * 40,
    b"\xff\xd8\xff\xe0" + b"\x00" * 20,
]
file_content = st.one_of(st.sampled_from(FILE_CONTENTS), st.binary(max_size=300))
file_name = st.one_of(
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "scan.dcm",
            "MRI\u202egpj.exe",
            "../../etc/passwd",
            "C:\\x\\y.png",
            "a" * 400,
            "\x00.png",
            'a"b.png',
            "a\r\nContent-Type: text/html",
            "&#8238;gpj.exe",
        ]
    ).map(str.encode),
    st.text(max_size=60).map(str.encode),
    st.binary(max_size=60),
)


@override_settings(
    INTAKE_RATE_LIMIT_POSTS=10**9,
    TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
)
class FormFuzzTests(TestCase):
    def post(self, body: bytes, content_type: str):
        cache.clear()
        response = self.client.post("/mri-review/", body, content_type=content_type)
        assert response.status_code < 500, response.status_code
        return response

    @settings(FUZZ, max_examples=50)
    @given(
        st.one_of(
            st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=4),
            st.fixed_dictionaries(dict.fromkeys(FIELDS, field_values)),
        ),
        st.booleans(),
    )
    def test_hostile_values_in_any_field_never_give_a_server_error(self, hostile, with_session):
        """A valid form with a few fields replaced by hostile values (so a form that passes goes on
        to be saved), or every field at once (so each field's own checks meet them), sent as the raw
        bytes a client could send (invalid UTF-8 too)."""
        if with_session:
            self.client.get(
                "/mri-review/"
            )  # a session that owns uploads, so staged ids are queried
        data = {**FORM, "submission_token": str(uuid.uuid4())}
        pairs = [
            (name, value.encode())
            for name, values in data.items()
            if name not in hostile
            for value in (values if isinstance(values, list) else [values])
        ]
        pairs += [(name, value) for name, values in hostile.items() for value in values]
        self.post(urlencode(pairs).encode(), "application/x-www-form-urlencoded")

    @settings(FUZZ, max_examples=40)
    @given(
        st.lists(st.tuples(file_name, file_content), max_size=3),
        st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(NASTY_TEXT[:20]), max_size=3),
    )
    def test_hostile_files_and_names_never_give_a_server_error(self, files, hostile):
        """Files of every accepted kind's signature and none, under raw names (empty, "..", NUL,
        quotes, line breaks, bytes that are not UTF-8), built by hand as the test client refuses
        such names."""
        data = {**FORM, "submission_token": str(uuid.uuid4()), **hostile}
        self.post(multipart(data, files), f"multipart/form-data; boundary={BOUNDARY}")


BOUNDARY = "----backcare-fuzz-7f3a9c51e2"


def multipart(data: dict, files: list[tuple[bytes, bytes]]) -> bytes:
    def part(disposition: bytes, value: bytes) -> bytes:
        return b"--%s\r\nContent-Disposition: form-data; %s\r\n\r\n%s\r\n" % (
            BOUNDARY.encode(),
            disposition,
            value,
        )

    body = b"".join(
        part(b'name="%s"' % name.encode(), value.encode())
        for name, values in data.items()
        for value in (values if isinstance(values, list) else [values])
    )
    body += b"".join(
        part(
            b'name="files"; filename="%s"\r\nContent-Type: application/octet-stream' % name, content
        )
        for name, content in files
    )
    return body + b"--%s--\r\n" % BOUNDARY.encode()


TUS = "1.0.0"
header_text = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "1.0.0", "abc", "9" * 5000, "\x00", "1e3", "0x10", "+5"]),
    st.text(st.characters(max_codepoint=255), max_size=40),
)


def metadata(name_bytes: bytes) -> str:
    return "filename " + base64.b64encode(name_bytes).decode()


metadata_header = st.one_of(
    header_text,
    st.binary(max_size=60).map(metadata),
    st.text(max_size=60).map(lambda n: metadata(n.encode())),
    st.text(max_size=60).map(lambda n: "filename " + n),
    st.just("filename ,name ,x"),
)
upload_length = st.one_of(st.integers(-5, 2**70).map(str), header_text)
tus_resumable = st.one_of(st.just(TUS), header_text)


def checksum_for(body: bytes):
    return st.one_of(
        header_text,
        st.just("sha1 " + base64.b64encode(hashlib.sha1(body).digest()).decode()),  # noqa: S324
        st.just("sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()),
        st.just("sha256 " + base64.b64encode(b"x" * 31).decode()),
        st.just("md5 AAAA"),
    )


@override_settings(INTAKE_RATE_LIMIT_POSTS=10**9)
class TusFuzzTests(TestCase):
    def check(self, response):
        assert response.status_code < 500, response.status_code
        return response

    @FUZZ
    @given(
        creation=st.fixed_dictionaries(
            {"Tus-Resumable": tus_resumable, "Upload-Length": upload_length},
            optional={
                "Upload-Metadata": metadata_header,
                "Upload-Defer-Length": header_text,
                "Content-Type": header_text,
                "Origin": st.sampled_from(["http://testserver", "https://evil.example", "null"]),
                "Sec-Fetch-Site": st.sampled_from(["same-origin", "cross-site", "x"]),
            },
        ),
        body=st.one_of(
            st.sampled_from([mr_small_bytes()[:600], pdf_bytes(), jpeg_bytes(), EXE_BYTES]),
            st.binary(max_size=300),
        ),
        data=st.data(),
    )
    def test_hostile_tus_headers_never_give_a_server_error(self, creation, body, data):
        created = self.check(self.client.post("/mri-review/uploads/", headers=creation))
        if created.status_code != 201:
            return
        location = created["Location"]
        patch_headers = data.draw(
            st.fixed_dictionaries(
                {"Tus-Resumable": tus_resumable},
                optional={
                    "Upload-Offset": st.one_of(st.just("0"), header_text),
                    "Upload-Checksum": checksum_for(body),
                },
            )
        )
        content_type = data.draw(st.one_of(st.just("application/offset+octet-stream"), header_text))
        # The test client cannot send fewer bytes than Content-Length says; a smaller or malformed
        # Content-Length is what a client can get wrong here.
        extra = data.draw(
            st.one_of(
                st.just({}),
                st.integers(0, len(body)).map(lambda n: {"CONTENT_LENGTH": str(n)}),
                st.sampled_from(["-1", "abc", "", "1e3"]).map(lambda v: {"CONTENT_LENGTH": v}),
            )
        )
        self.check(
            self.client.generic(
                "PATCH",
                location,
                body,
                content_type=content_type,
                headers=patch_headers,
                **extra,
            )
        )
        for method in data.draw(
            st.lists(st.sampled_from(["HEAD", "DELETE", "OPTIONS"]), max_size=2)
        ):
            headers = {"Tus-Resumable": data.draw(tus_resumable)}
            self.check(self.client.generic(method, location, headers=headers))

    @settings(FUZZ, max_examples=40)
    @given(
        key=st.one_of(
            st.text(st.sampled_from("abcXYZ019-_"), max_size=100),
            st.text(max_size=60),
            st.just("A" * 43),
        ),
        method=st.sampled_from(["HEAD", "PATCH", "DELETE", "OPTIONS", "GET", "POST"]),
    )
    def test_any_upload_id_in_the_url_never_gives_a_server_error(self, key, method):
        # An upload first, so the session owns one and the id is looked up, not refused at once.
        self.client.post(
            "/mri-review/uploads/", headers={"Tus-Resumable": TUS, "Upload-Length": "9"}
        )
        self.check(
            self.client.generic(
                method,
                "/mri-review/uploads/" + quote(key, safe=""),
                b"abc",
                content_type="application/offset+octet-stream",
                headers={"Tus-Resumable": TUS, "Upload-Offset": "0"},
            )
        )
