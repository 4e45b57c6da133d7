"""Plain words on every page a patient reads: each page at US grade 8 or below, and each sentence at
grade 9 or below (textstat 0.7.8's Flesch-Kincaid grade; see ../shared/content-guide.md)."""

import re
from html.parser import HTMLParser

import pytest
import textstat

from exercises.models import Exercise, Routine
from intake.models import ReviewRequest
from tests.factories import review_form_data
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

MAX_PAGE_GRADE = 8.0
MAX_SENTENCE_GRADE = 9.0
# Shorter runs of words are labels, names and answers ("Physical therapy", "Lower back (lumbar
# spine)"), which a grade formula cannot judge: one long word reads as grade 20.
MIN_SENTENCE_WORDS = 6
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "label", "legend", "td", "th", "dt", "dd",
          "figcaption", "caption", "summary", "div", "section", "aside", "button", "option"}  # fmt: skip
SKIP = {"script", "style", "noscript", "svg", "template"}


class VisibleText(HTMLParser):
    """Text of the page's <main> and footer, one string per block element, as a reader meets it."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.reading = 0

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        if tag in {"main", "footer"}:
            self.reading += 1
        if tag in BLOCKS or tag == "br":
            self.flush()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping -= 1
        if tag in BLOCKS:
            self.flush()
        if tag in {"main", "footer"}:
            self.flush()
            self.reading -= 1

    def handle_data(self, data):
        if self.reading and not self.skipping:
            self.current.append(data)


def sentences(blocks: list[str]) -> list[str]:
    found = []
    for block in blocks:
        # A printed link is read as an address, not as words.
        block = re.sub(r"https?://\S+", "", block)
        for sentence in re.split(r"(?<=[.!?:;])\s+", block):
            if len(re.findall(r"[A-Za-z]+", sentence)) >= MIN_SENTENCE_WORDS:
                found.append(sentence)
    return found


def page_blocks(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = VisibleText()
    parser.feed(response.content.decode())
    parser.flush()
    return parser.blocks


def patient_pages(client) -> dict[str, list[str]]:
    urls = ["/", "/privacy/", "/exercises/", "/mri-review/"]
    urls += [e.get_absolute_url() for e in Exercise.objects.published()]
    urls += [e.get_absolute_url() + "print/" for e in Exercise.objects.published()]
    urls += [r.get_absolute_url() for r in Routine.objects.published()]
    urls += [r.get_absolute_url() + "print/" for r in Routine.objects.published()]
    pages = {url: page_blocks(client, url) for url in urls}
    # The confirmation page with every message it can show (each tier and the routine note).
    post_request(client, trauma="yes", cancer_history="yes", morning_stiffness="yes")
    pages["/mri-review/thanks/ (emergency)"] = page_blocks(client, "/mri-review/thanks/")
    post_request(client, night_pain="yes", imaging_plan="send_cd")
    pages["/mri-review/thanks/ (soon)"] = page_blocks(client, "/mri-review/thanks/")
    return pages


# A reference (BC-7KQ4-92XD) is read as a code, not as words: textstat would count its random letters
# as syllables, and a page's grade would change with the reference it happened to get.
_REFERENCE = re.compile(r"\bBC-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def grade(text: str) -> float:
    return round(textstat.flesch_kincaid_grade(_REFERENCE.sub("code", text)), 1)


def as_text(blocks: list[str]) -> str:
    """The page as prose: a heading or list item ends its sentence, as a reader takes it."""
    return " ".join(b if b[-1] in ".!?:;" else f"{b}." for b in blocks)


def test_every_patient_page_and_each_of_its_sentences_reads_plainly(
    client, seeded, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pages = patient_pages(client)
    assert ReviewRequest.objects.count() == 2
    too_hard_pages = {
        url: grade(as_text(blocks))
        for url, blocks in pages.items()
        if grade(as_text(blocks)) > MAX_PAGE_GRADE
    }
    assert too_hard_pages == {}
    checked = {(url, s) for url, blocks in pages.items() for s in sentences(blocks)}
    # The e-mails a patient gets, too.
    assert len(mailoutbox) >= 2
    for message in mailoutbox:
        checked |= {("e-mail", s) for s in sentences(message.body.splitlines())}
    assert len({s for _where, s in checked}) > 350
    too_hard = {s: grade(s) for _where, s in checked if grade(s) > MAX_SENTENCE_GRADE}
    assert too_hard == {}


# Spanish: textstat's Fernández Huerta (0 to 100, higher is easier). 70 and above reads "fairly easy"
# (about US grades 7 to 8), the Spanish counterpart of MAX_PAGE_GRADE; measured in the same run.
MIN_SPANISH_EASE = 70.0


def spanish_ease(text: str) -> float:
    textstat.set_lang("es")
    try:
        return round(textstat.fernandez_huerta(text), 1)
    finally:
        textstat.set_lang("en_US")


def test_the_spanish_patient_pages_and_e_mail_read_easily(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    urls = ["/es/", "/es/privacy/", "/es/mri-review/", "/es/mri-review/status/"]
    pages = {url: as_text(page_blocks(client, url)) for url in urls}
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/es/mri-review/", review_form_data(trauma="yes", morning_stiffness="yes"))
    pages["/es/mri-review/thanks/"] = as_text(page_blocks(client, "/es/mri-review/thanks/"))
    (confirmation,) = [m for m in mailoutbox if m.to == ["maria@example.com"]]
    pages["e-mail"] = re.sub(r"https?://\S+", "", confirmation.body)
    assert "Recibimos su solicitud" in pages["/es/mri-review/thanks/"]
    too_hard = {
        where: spanish_ease(text)
        for where, text in pages.items()
        if spanish_ease(text) < MIN_SPANISH_EASE
    }
    assert too_hard == {}
