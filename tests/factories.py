"""factory_boy factories: exercises (ExerciseFactory, RoutineFactory, RoutineItemFactory) and intake
(ReviewRequestFactory, UploadFactory)."""

import datetime
import hashlib
import io
import uuid
import zipfile
from pathlib import Path

import factory
import pydicom
import pypdf
from django.core.files.base import ContentFile
from PIL import Image

from exercises.models import Exercise, Routine, RoutineItem, Status, Step
from intake.enums import (
    BestTime,
    ContactMethod,
    ImagingPlan,
    PainDuration,
    PainLocation,
    PainOnset,
)
from intake.models import ReviewRequest, Upload
from intake.request.red_flags import safety_tier
from intake.rules import FileKind
from tests.serving import FORM

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


class ReviewRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewRequest

    submission_token = factory.LazyFunction(uuid.uuid4)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1970, 5, 17)
    email = factory.Faker("email")
    phone = "555-201-3344"
    zip_code = "10001"
    preferred_contact = ContactMethod.PHONE
    best_time_to_call = BestTime.MORNING
    pain_locations = factory.LazyFunction(lambda: [PainLocation.LOWER_BACK, PainLocation.ONE_LEG])
    back_pain_score = 6
    leg_pain_score = 7
    pain_duration = PainDuration.MONTHS_3_12
    pain_onset = PainOnset.SLOWLY
    imaging_plan = ImagingPlan.UPLOAD
    urine_trouble = False
    bladder_bowel_control = False
    saddle_numbness = False
    sexual_problems = False
    both_legs = False
    worsening_weakness = False
    trauma = False
    fever_unwell = False
    cancer_history = False
    weight_loss = False
    night_pain = False
    infection_risk = False
    fracture_risk = False
    morning_stiffness = False
    consent_privacy = True
    consent_contact = True
    consent_not_emergency = True
    # As the service does when it keeps a request: the table refuses a tier that does not fit.
    tier = factory.LazyAttribute(safety_tier)


class UploadFactory(factory.django.DjangoModelFactory):
    """An upload whose file is really written to (the test's) private storage."""

    class Meta:
        model = Upload

    class Params:
        content = PNG_BYTES

    request = factory.SubFactory(ReviewRequestFactory)
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name="upload"))
    original_name = "scan.png"
    kind = FileKind.PNG
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())


def review_form_data(**overrides) -> dict:
    """A complete, valid MRI review form post (as a browser sends it), without files."""
    data = {**FORM, "imaging_plan": "not_yet", "submission_token": str(uuid.uuid4())}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Real files for upload tests (built in the test, from pydicom's public test data) ------------

PYDICOM_TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def mr_small_bytes() -> bytes:
    return (PYDICOM_TEST_FILES / "MR_small.dcm").read_bytes()


def zipped_dicom_cd() -> bytes:
    """pydicom's DICOMDIR CD tree, zipped as a patient would zip their CD."""
    root = PYDICOM_TEST_FILES / "dicomdirtests"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(root / "DICOMDIR", "MRI_CD/DICOMDIR")
        for folder in ("77654033", "98892001", "98892003"):
            for path in sorted((root / folder).rglob("*")):
                if path.is_file():
                    archive.write(path, f"MRI_CD/{path.relative_to(root)}")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 120, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (32, 32), 200).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_BYTES = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Practice move {n}")
    slug = factory.Sequence(lambda n: f"practice-move-{n}")
    summary = "A simple move for your back."
    why_it_helps = "It keeps your back moving."
    category = "core"
    difficulty = "gentle"
    position = "back"
    equipment = "mat"
    one_repetition = "One time is one move."
    reps = 10
    sets = 1
    hold_seconds = 5
    times_per_day = 2
    feel = "A gentle effort in your belly."
    mistakes = "Holding your breath."
    stop_if = "Pain spreads down your leg."
    precautions = "Ask your doctor after surgery."
    illustration = "img/exercises/core-bracing.svg"
    illustration_alt = "A person lies on their back on a mat with knees bent."
    easier_version = "Do fewer."
    progression = "Hold for longer."
    status = Status.PUBLISHED

    @factory.post_generation
    def steps(self, create, extracted, **kwargs):
        if not create:
            return
        for order, text in enumerate(extracted or ["Lie on your back.", "Bend your knees."], 1):
            Step.objects.create(exercise=self, order=order, text=text)


class RoutineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Routine

    title = factory.Sequence(lambda n: f"Routine {n}")
    slug = factory.Sequence(lambda n: f"routine-{n}")
    summary = "A short routine."
    who_for = "Anyone starting out."
    minutes = 10
    status = Status.PUBLISHED


class RoutineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutineItem

    routine = factory.SubFactory(RoutineFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    order = factory.Sequence(int)


# --- Real files for the imaging pipeline tests ----------------------------------------------------


def mr_bytes(**header) -> bytes:
    """pydicom's MR_small.dcm with some header values changed (e.g. BodyPartExamined="LSPINE")."""
    ds = pydicom.dcmread(PYDICOM_TEST_FILES / "MR_small.dcm")
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def gps_exif() -> Image.Exif:
    """EXIF as a phone writes it: camera make and the GPS position where the photo was taken."""
    from PIL import ExifTags

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 42.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (74.0, 0.0, 21.0)
    return exif


def jpeg_with_gps_bytes() -> bytes:
    """A phone photo of a film: GPS position and camera make in its EXIF."""
    buffer = io.BytesIO()
    Image.new("RGB", (80, 40), "blue").save(buffer, "JPEG", exif=gps_exif())
    return buffer.getvalue()
