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
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from backcare.context_processors import clinic
from intake.enums import Finding, ReviewConclusion
from intake.models import ReviewLetter, SurgeonReview

# --- What was found, in plain words ---------------------------------------------------------------

FINDING_WORDS = {
    Finding.DISC_BULGE: gettext_noop("a disc that bulges out a little"),
    Finding.DISC_HERNIATION: gettext_noop("a disc that has pushed out and may press on a nerve"),
    Finding.STENOSIS_CENTRAL: gettext_noop(
        "the space for the nerves in the middle of the spine is narrow"
    ),
    Finding.STENOSIS_FORAMINAL: gettext_noop("the gap where a nerve leaves the spine is narrow"),
    Finding.SPONDYLOLISTHESIS: gettext_noop(
        "one bone of the spine has slipped forward on the one below"
    ),
    Finding.FACET_ARTHROPATHY: gettext_noop(
        "wear and tear in the small joints at the back of the spine"
    ),
    Finding.FRACTURE: gettext_noop("a break in a bone of the spine"),
    Finding.OTHER: gettext_noop("something else, which the surgeon explains below"),
}

_REGIONS = {
    "C": gettext_noop("neck"),
    "T": gettext_noop("middle back"),
    "L": gettext_noop("lower back"),
    "S": gettext_noop("pelvis"),
}


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th… (in Spanish 1.º, 2.º…): one translatable pattern per English ending."""
    pattern = {1: gettext("%(n)sst"), 2: gettext("%(n)snd"), 3: gettext("%(n)srd")}.get(n)
    return (pattern or gettext("%(n)sth")) % {"n": n}


def level_words(level: str) -> str:
    """ "L4-L5" → "between the 4th and 5th bones of your lower back (L4-L5)", in the active
    language."""
    upper, lower = level.split("-")
    if upper[0] != lower[0]:
        return gettext("where your %(upper)s meets your %(lower)s (%(level)s)") % {
            "upper": gettext(_REGIONS[upper[0]]),
            "lower": gettext(_REGIONS[lower[0]]),
            "level": level,
        }
    return gettext("between the %(first)s and %(second)s bones of your %(region)s (%(level)s)") % {
        "first": _ordinal(int(upper[1:])),
        "second": _ordinal(int(lower[1:])),
        "region": gettext(_REGIONS[upper[0]]),
        "level": level,
    }


@dataclass(frozen=True)
class ConclusionWords:
    """The letter's words for one conclusion; the English is also the msgid of the translation."""

    heading: str
    meaning: str
    next_steps: tuple[str, ...]

    def translated(self) -> "ConclusionWords":
        return ConclusionWords(
            gettext(self.heading),
            gettext(self.meaning),
            tuple(gettext(step) for step in self.next_steps),
        )


CONCLUSION_WORDS = {
    ReviewConclusion.CANDIDATE: ConclusionWords(
        gettext_noop("Surgery through a small cut may help you"),
        gettext_noop(
            "The surgeon thinks surgery through a small cut in your back may help you. Its name is "
            "minimally invasive surgery, and it is done through a small cut in the skin of your back. "
            "This is not a final answer: first you and the surgeon need to meet and talk it through."
        ),
        (
            gettext_noop("We will call you to book a visit with the surgeon."),
            gettext_noop(
                "At the visit, you can ask about the good and bad sides of surgery, and about other "
                "choices."
            ),
            gettext_noop(
                "Until then, keep as active as you can. Gentle walks and the exercises on our website "
                "can help."
            ),
        ),
    ),
    ReviewConclusion.CONSERVATIVE: ConclusionWords(
        gettext_noop("Care without surgery is the best first step"),
        gettext_noop(
            "The surgeon thinks you should try care without surgery first. Many people with back pain "
            "get better this way within weeks or months."
        ),
        (
            gettext_noop(
                "Talk with your own doctor about a plan. The plan may be exercise, physical therapy, "
                "medicine, or a mix of these."
            ),
            gettext_noop("Stay as active as you can. The exercises on our website can help."),
            gettext_noop(
                "If your pain does not get better in a few months, call us. You can ask for a new "
                "review."
            ),
        ),
    ),
    ReviewConclusion.NEW_IMAGING: ConclusionWords(
        gettext_noop("We need a newer or different scan"),
        gettext_noop(
            "The surgeon could not answer your question from the scan you sent. We need a newer scan, "
            "or a different kind of scan, to say more."
        ),
        (
            gettext_noop("Talk with your own doctor about getting a new scan."),
            gettext_noop("When you have it, send it to us. We will look at it again at no cost."),
            gettext_noop("Call us if you are not sure what kind of scan you need."),
        ),
    ),
    ReviewConclusion.REFER: ConclusionWords(
        gettext_noop("Another kind of care may help you more"),
        gettext_noop("The surgeon thinks another doctor or clinic can help you more than we can."),
        (
            gettext_noop(
                "Talk with your own doctor about where to go next. Take this letter with you."
            ),
            gettext_noop("Call us if you have any questions about this letter."),
        ),
    ),
}


def letter_context(review: SurgeonReview) -> dict:
    """Everything the letter shows, from the signed review and the clinic's settings only."""
    review_request = review.request
    findings = [
        (level_words(row["level"]), gettext(FINDING_WORDS[Finding(row["finding"])]))
        for row in review.ordered_findings
    ]
    return {
        **clinic(),
        "review": review,
        "first_name": review_request.first_name,
        "reference": review_request.reference,
        "findings": findings,
        "conclusion": CONCLUSION_WORDS[ReviewConclusion(review.conclusion)].translated(),
        "site_url": settings.SITE_URL,
    }


def letter_html(review: SurgeonReview) -> str:
    """The letter in the patient's language (the one they used on the form), page and PDF alike."""
    with translation.override(review.request.language):
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
