from django import forms
from django.utils.translation import gettext_lazy as _

from exercises.models import Category, Difficulty, Equipment, Position


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class LibraryFilterForm(forms.Form):
    """The library's search and filters: a plain GET form that works without JavaScript."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Type"), required=False, choices=_any(_("Any type"), Category.choices)
    )
    difficulty = forms.ChoiceField(
        label=_("How hard"), required=False, choices=_any(_("Any level"), Difficulty.choices)
    )
    position = forms.ChoiceField(
        label=_("Starting position"),
        required=False,
        choices=_any(_("Any position"), Position.choices),
    )
    equipment = forms.ChoiceField(
        label=_("What you need"), required=False, choices=_any(_("Anything"), Equipment.choices)
    )
    no_floor = forms.BooleanField(
        label=_("No floor needed (sitting or standing only)"), required=False
    )

    def filters(self) -> dict:
        """The cleaned filters, ignoring any value that was not valid."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            k: data[k]
            for k in ("category", "difficulty", "position", "equipment", "no_floor")
            if data.get(k)
        }

    def query(self) -> str:
        if not self.is_bound:
            return ""
        self.is_valid()
        return (getattr(self, "cleaned_data", {}).get("q") or "").strip()
