"""The safety box's lists, read from intake.request.red_flags so every page, handout and question
agree."""

from django import template

from intake.enums import SafetyTier
from intake.request.red_flags import red_flags_of

register = template.Library()


@register.simple_tag
def safety_signs() -> dict[str, list[str]]:
    return {
        "emergency": [flag.sign for flag in red_flags_of(SafetyTier.EMERGENCY)],
        "soon": [flag.sign for flag in red_flags_of(SafetyTier.SEE_DOCTOR_SOON)],
        "routine": [flag.sign for flag in red_flags_of(SafetyTier.ROUTINE)],
    }
