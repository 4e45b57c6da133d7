"""The red-flag safety questions, defined once, and what follows from the answers: the tier a
request is kept with, what the patient is told (form, confirmation page, e-mail), and what staff see
(the flags raised, answers that disagree, notes for the patient's own doctor).

The table stores the answers and the tier, and checks that they agree (intake.models.SAFETY_ANSWERS
names the same fields by tier: a test holds the two together); the request room works the tier out
when it keeps a request (intake.request.services). The form, the pages, the e-mails, the safety box on
every page (intake.templatetags.safety), triage and the tests all read the questions from here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

from intake.enums import PainLocation, SafetyTier
from intake.models import ReviewRequest


@dataclass(frozen=True)
class RedFlag:
    """One safety question: it asks one thing, in plain words, and names where a "yes" belongs.

    `source` is the guideline (and section) the question comes from; docs/clinical-safety.md lists
    the same sources in its hazard log.
    """

    field: str
    question: str  # asked on the form
    sign: str  # the same thing as a sign to watch for, in the safety box on every page
    staff_label: str
    tier: SafetyTier
    source: str


# The GIRFT national suspected cauda equina pathway (2023) and the NHS "back pain" and "cauda equina
# syndrome" pages: these need emergency care now (911 or the emergency department).
_CES = "GIRFT national suspected cauda equina pathway (2023), red flags; NHS: cauda equina syndrome"
# NICE NG59 1.1.1 (exclude specific causes: cancer, infection, trauma, inflammatory disease) with
# NICE NG234 / CG75 metastatic spinal cord compression, and the ACP/APS red-flag table (Chou 2007).
_NICE = "NICE NG59 1.1.1; ACP/APS 2007 red-flag table (Chou et al., Table 1)"

RED_FLAGS: tuple[RedFlag, ...] = (
    # --- Emergency now -----------------------------------------------------------------------------
    RedFlag(
        field="urine_trouble",
        question=gettext_noop(
            "Do you have new trouble passing urine, or can you not feel when you pass urine?"
        ),
        sign=gettext_noop("new trouble passing urine, or not feeling when you pass urine"),
        staff_label="New trouble passing urine, or not feeling it",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="bladder_bowel_control",
        question=gettext_noop("Have you lost control of your bladder or bowels?"),
        sign=gettext_noop("loss of bladder or bowel control"),
        staff_label="Loss of bladder or bowel control",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="saddle_numbness",
        question=gettext_noop(
            "Do you have numbness around your genitals, buttocks or inner thighs?"
        ),
        sign=gettext_noop("numbness around your genitals, buttocks or inner thighs"),
        staff_label="Saddle numbness",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="sexual_problems",
        question=gettext_noop(
            "Do you have new problems getting or keeping an erection, or new numbness during sex?"
        ),
        sign=gettext_noop(
            "new problems getting or keeping an erection, or new numbness during sex"
        ),
        staff_label="New erection problems or numbness during sex",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="both_legs",
        question=gettext_noop(
            "Do you have weakness or numbness in both legs, or pain down both legs?"
        ),
        sign=gettext_noop("weakness or numbness in both legs, or pain down both legs"),
        staff_label="Weakness, numbness or pain in both legs",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="worsening_weakness",
        question=gettext_noop("Is weakness in your leg getting worse?"),
        sign=gettext_noop("leg weakness that is getting worse"),
        staff_label="Leg weakness getting worse",
        tier=SafetyTier.EMERGENCY,
        source=_CES + "; NICE NG59 1.1.1 (progressive neurological deficit)",
    ),
    RedFlag(
        field="trauma",
        question=gettext_noop("Did your back pain start after a serious fall or accident?"),
        sign=gettext_noop("back pain after a serious fall or accident"),
        staff_label="Back pain after a serious fall or accident",
        tier=SafetyTier.EMERGENCY,
        source=_NICE + " (significant trauma)",
    ),
    # --- See a doctor today or tomorrow ------------------------------------------------------------
    RedFlag(
        field="fever_unwell",
        question=gettext_noop("Do you have a fever, or do you feel very unwell?"),
        sign=gettext_noop("a fever, or feeling very unwell"),
        staff_label="Fever or feeling very unwell",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (infection: fever, systemically unwell)",
    ),
    RedFlag(
        field="cancer_history",
        question=gettext_noop("Have you ever had cancer?"),
        sign=gettext_noop("a history of cancer"),
        staff_label="History of cancer",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (history of cancer); NICE NG234 metastatic spinal cord compression",
    ),
    RedFlag(
        field="weight_loss",
        question=gettext_noop("Have you lost weight without trying?"),
        sign=gettext_noop("weight loss you cannot explain"),
        staff_label="Weight loss they cannot explain",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (unexplained weight loss)",
    ),
    RedFlag(
        field="night_pain",
        question=gettext_noop("Is your back pain worse at night or when you rest?"),
        sign=gettext_noop("pain that is worse at night or when you rest"),
        staff_label="Pain worse at night or at rest",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (non-mechanical pain, night pain)",
    ),
    RedFlag(
        field="infection_risk",
        question=gettext_noop(
            "Do you have a weak immune system, inject drugs, or have you had a bad infection lately?"
        ),
        sign=gettext_noop("a weak immune system, drug use with needles, or a recent bad infection"),
        staff_label="Weak immune system, drug injection or recent serious infection",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (infection risk: immunosuppression, IV drug use, recent infection)",
    ),
    RedFlag(
        field="fracture_risk",
        question=gettext_noop(
            "Do you have thin bones (osteoporosis), take steroid tablets for a long time, or are "
            "you older and had a fall?"
        ),
        sign=gettext_noop(
            "thin bones, steroid tablets taken for a long time, or a fall when you are older"
        ),
        staff_label="Thin bones, long-term steroids, or a fall when older",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (fracture risk: osteoporosis, long-term corticosteroids, older age)",
    ),
    # --- Routine: tell your doctor -----------------------------------------------------------------
    RedFlag(
        field="morning_stiffness",
        question=gettext_noop("Is your back stiff for more than 30 minutes each morning?"),
        sign=gettext_noop("stiffness for more than 30 minutes each morning"),
        staff_label="Morning stiffness over 30 minutes (possible inflammatory back pain)",
        tier=SafetyTier.ROUTINE,
        source="NICE NG59 (refer suspected spondyloarthritis per NICE NG65); ASAS inflammatory back pain",
    ),
)


def red_flags_of(tier: SafetyTier) -> tuple[RedFlag, ...]:
    return tuple(flag for flag in RED_FLAGS if flag.tier == tier)


def safety_tier(answers) -> SafetyTier:
    """The tier of a set of answers: any object with one boolean attribute per RED_FLAGS field.

    A "tell your doctor" answer (routine tier) never raises the tier.
    """
    for tier in (SafetyTier.EMERGENCY, SafetyTier.SEE_DOCTOR_SOON):
        if any(getattr(answers, flag.field) for flag in red_flags_of(tier)):
            return tier
    return SafetyTier.ROUTINE


@dataclass(frozen=True)
class TierAdvice:
    """What a patient whose answers fall in a tier is told: on the form as they answer, on the
    confirmation page and in the confirmation e-mail (one wording for all three)."""

    heading: str
    lines: tuple[str, ...]

    def translated(self) -> "TierAdvice":
        """In the active language. The wording above is English and is also the msgid of its
        Spanish translation (intake/locale/), which needs its own clinical review."""
        return TierAdvice(gettext(self.heading), tuple(gettext(line) for line in self.lines))


TIER_ADVICE: dict[SafetyTier, TierAdvice] = {
    SafetyTier.EMERGENCY: TierAdvice(
        gettext_noop("Get emergency care now"),
        (
            gettext_noop(
                "Some of your answers can be a sign of a serious problem with the nerves in your back."
            ),
            gettext_noop("This service cannot help in time. Do not wait for our review."),
            gettext_noop("Go to the nearest emergency department or call 911 now."),
        ),
    ),
    SafetyTier.SEE_DOCTOR_SOON: TierAdvice(
        gettext_noop("See a doctor today or tomorrow"),
        (
            gettext_noop("Some of your answers mean a doctor should check you soon."),
            gettext_noop(
                "Call your own doctor or go to an urgent care center today, or tomorrow at the latest."
            ),
            gettext_noop(
                "Do not wait for our review. You do not need to call 911 for these answers."
            ),
            gettext_noop(
                "If you get trouble passing urine, numbness between your legs or weak legs, call 911."
            ),
        ),
    ),
}

# The routine "tell your doctor" note, for answers that are not urgent (NICE NG59 / NG65).
ROUTINE_NOTE = TierAdvice(
    gettext_noop("Tell your doctor"),
    (
        gettext_noop(
            "Back stiffness that lasts more than 30 minutes each morning can have other causes."
        ),
        gettext_noop("Tell your doctor about it at your next visit. It is not urgent."),
    ),
)


# --- What follows from one request's answers -----------------------------------------------------


def raised_flags(review_request: ReviewRequest) -> list[str]:
    """Staff labels of the red flags answered yes (emergency and "see a doctor soon")."""
    return [
        flag.staff_label
        for flag in RED_FLAGS
        if flag.tier != SafetyTier.ROUTINE and getattr(review_request, flag.field)
    ]


def routine_notes(review_request: ReviewRequest) -> list[str]:
    """Answers for the patient's own doctor, not urgent (e.g. possible inflammatory pain)."""
    return [
        flag.staff_label
        for flag in red_flags_of(SafetyTier.ROUTINE)
        if getattr(review_request, flag.field)
    ]


def answer_conflicts(review_request: ReviewRequest) -> list[str]:
    """Answers that disagree with each other, for staff to check with the patient."""
    conflicts = []
    if (
        PainLocation.BOTH_LEGS in (review_request.pain_locations or [])
        and not review_request.both_legs
    ):
        conflicts.append(
            "Ticked pain in both legs, but answered no to weakness, numbness or pain in both "
            "legs: ask about both-leg symptoms (possible cauda equina)."
        )
    return conflicts


def advice_for(review_request: ReviewRequest) -> TierAdvice | None:
    """What the patient is told for the request's tier (confirmation page and e-mail)."""
    advice = TIER_ADVICE.get(review_request.tier)
    return advice.translated() if advice else None


def routine_note_for(review_request: ReviewRequest) -> TierAdvice | None:
    """The "tell your doctor" note, when an answer calls for it."""
    return ROUTINE_NOTE.translated() if routine_notes(review_request) else None
