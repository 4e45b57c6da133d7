"""factory_boy factories. Intake: ReviewRequestFactory, UploadFactory."""

import datetime
import hashlib
import uuid

import factory
from django.core.files.base import ContentFile

from intake.enums import (
    BestTime,
    ContactMethod,
    ImagingPlan,
    PainDuration,
    PainLocation,
    PainOnset,
)
from intake.models import ReviewRequest, Upload
from intake.rules import FileKind

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
    bladder_bowel = False
    saddle_numbness = False
    leg_weakness = False
    fever_weight_cancer = False
    trauma = False
    consent_privacy = True
    consent_contact = True
    consent_not_emergency = True


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
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "date_of_birth": "03/27/1968",
        "email": "maria@example.com",
        "phone": "555-201-3344",
        "zip_code": "10001",
        "preferred_contact": "phone",
        "best_time_to_call": "morning",
        "pain_locations": ["lower_back", "one_leg"],
        "back_pain_score": "6",
        "leg_pain_score": "8",
        "pain_duration": "3_12_months",
        "pain_onset": "slowly",
        "pain_onset_details": "",
        "tried_physical_therapy": "on",
        "physical_therapy_weeks": "8",
        "tried_medicines": "on",
        "imaging_plan": "not_yet",
        "mri_date": "",
        "mri_facility": "",
        "bladder_bowel": "no",
        "saddle_numbness": "no",
        "leg_weakness": "no",
        "fever_weight_cancer": "no",
        "trauma": "no",
        "insurance_carrier": "",
        "consent_privacy": "on",
        "consent_contact": "on",
        "consent_not_emergency": "on",
        "homepage": "",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
