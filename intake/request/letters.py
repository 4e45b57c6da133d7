"""The patient's letter made from a signed surgeon's review: its words, its HTML and its PDF, and the
signed link that fetches it. Staff preview it (intake.triage.review) and the patient fetches it
(intake.request.views.review_letter): both render it here, so they see the same letter.

The words for findings and conclusions are ours, in plain language (US grade 8 or below, tested in
tests/test_review_letter.py); the surgeon's own words are the "reasons" they signed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from backcare.context_processors import clinic
from intake.enums import Finding, ReviewConclusion
from intake.models import ReviewLetter, SurgeonReview

# --- What was found, in plain words ---------------------------------------------------------------

FINDING_WORDS = {
    Finding.DISC_BULGE: "a disc that bulges out a little",
    Finding.DISC_HERNIATION: "a disc that has pushed out and may press on a nerve",
    Finding.STENOSIS_CENTRAL: "the space for the nerves in the middle of the spine is narrow",
    Finding.STENOSIS_FORAMINAL: "the gap where a nerve leaves the spine is narrow",
    Finding.SPONDYLOLISTHESIS: "one bone of the spine has slipped forward on the one below",
    Finding.FACET_ARTHROPATHY: "wear and tear in the small joints at the back of the spine",
    Finding.FRACTURE: "a break in a bone of the spine",
    Finding.OTHER: "something else, which the surgeon explains below",
}

_REGIONS = {"C": "neck", "T": "middle back", "L": "lower back", "S": "pelvis"}


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def level_words(level: str) -> str:
    """ "L4-L5" → "between the 4th and 5th bones of your lower back (L4-L5)"."""
    upper, lower = level.split("-")
    label = level
    if upper[0] != lower[0]:
        return f"where your {_REGIONS[upper[0]]} meets your {_REGIONS[lower[0]]} ({label})"
    first, second = _ordinal(int(upper[1:])), _ordinal(int(lower[1:]))
    return f"between the {first} and {second} bones of your {_REGIONS[upper[0]]} ({label})"


@dataclass(frozen=True)
class ConclusionWords:
    heading: str
    meaning: str
    next_steps: tuple[str, ...]


CONCLUSION_WORDS = {
    ReviewConclusion.CANDIDATE: ConclusionWords(
        "Surgery through a small cut may help you",
        "The surgeon thinks surgery through a small cut in your back may help you. Its name is "
        "minimally invasive surgery, and it is done through a small cut in the skin of your back. "
        "This is not a final answer: first you and the surgeon need to meet and talk it through.",
        (
            "We will call you to book a visit with the surgeon.",
            "At the visit, you can ask about the good and bad sides of surgery, and about other "
            "choices.",
            "Until then, keep as active as you can. Gentle walks and the exercises on our website "
            "can help.",
        ),
    ),
    ReviewConclusion.CONSERVATIVE: ConclusionWords(
        "Care without surgery is the best first step",
        "The surgeon thinks you should try care without surgery first. Many people with back pain "
        "get better this way within weeks or months.",
        (
            "Talk with your own doctor about a plan. The plan may be exercise, physical therapy, "
            "medicine, or a mix of these.",
            "Stay as active as you can. The exercises on our website can help.",
            "If your pain does not get better in a few months, call us. You can ask for a new "
            "review.",
        ),
    ),
    ReviewConclusion.NEW_IMAGING: ConclusionWords(
        "We need a newer or different scan",
        "The surgeon could not answer your question from the scan you sent. We need a newer scan, "
        "or a different kind of scan, to say more.",
        (
            "Talk with your own doctor about getting a new scan.",
            "When you have it, send it to us. We will look at it again at no cost.",
            "Call us if you are not sure what kind of scan you need.",
        ),
    ),
    ReviewConclusion.REFER: ConclusionWords(
        "Another kind of care may help you more",
        "The surgeon thinks another doctor or clinic can help you more than we can.",
        (
            "Talk with your own doctor about where to go next. Take this letter with you.",
            "Call us if you have any questions about this letter.",
        ),
    ),
}


def letter_context(review: SurgeonReview) -> dict:
    """Everything the letter shows, from the signed review and the clinic's settings only."""
    review_request = review.request
    findings = [
        (level_words(row["level"]), FINDING_WORDS[Finding(row["finding"])])
        for row in review.ordered_findings
    ]
    return {
        **clinic(),
        "review": review,
        "first_name": review_request.first_name,
        "reference": review_request.reference,
        "findings": findings,
        "conclusion": CONCLUSION_WORDS[ReviewConclusion(review.conclusion)],
        "site_url": settings.SITE_URL,
    }


def letter_html(review: SurgeonReview) -> str:
    return render_to_string("intake/review_letter.html", letter_context(review))


def _no_fetching(url: str, *args, **kwargs):
    # The letter is self-contained: nothing in it may make the server fetch a URL or read a file.
    raise ValueError(f"The letter may not load {url!r}")


def letter_pdf(review: SurgeonReview) -> bytes:
    """The letter as PDF bytes (WeasyPrint; its system libraries come from `make pdf-libs`)."""
    # Imported here: it takes seconds and 40 MB, which only a process that draws a letter should
    # pay (backcare.checks looks for its libraries at start-up).
    import weasyprint
    from PIL import ImageFile

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, after which the task
    # worker that drew a letter would keep a cut-off photo as if it were whole. The letter holds no
    # image, so Pillow's default is put back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    document = weasyprint.HTML(string=letter_html(review), url_fetcher=_no_fetching)
    return document.write_pdf()


def download_name(review: SurgeonReview) -> str:
    """The file name the letter downloads under: the reference only, never the patient's name."""
    return f"review-letter-{review.request.reference}.pdf"


# --- The patient's link ---------------------------------------------------------------------------

_SALT = "intake.review-letter"


def letter_url(letter: ReviewLetter) -> str:
    """The link in the patient's e-mail: signed with SECRET_KEY, so it names only this letter and
    cannot be made up; the letter's expiry lives in the database."""
    token = signing.dumps(letter.pk, salt=_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("intake:review_letter", args=[token])


def find_letter(token: str) -> ReviewLetter | None:
    """The letter a link names, or None for a link that was not made by us."""
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return (
        ReviewLetter.objects.select_related("review__request", "review__signed_by")
        .filter(pk=pk)
        .first()
    )
