from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
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

    @classmethod
    def normalised(cls, data: QueryDict) -> dict[str, str]:
        """The query string as far as the library page depends on it: each value cleaned by its
        field, in the form's order, with empty, invalid and unknown parameters left out. URLs with
        the same normalised parameters show the same page, so they share its ETag and cache entry.

        A class method: the fields clean without a form instance, whose deep copy of every field
        and choice would cost more than the rest of a cached page.
        """
        params = {}
        for name, field in cls.base_fields.items():
            value = field.widget.value_from_datadict(data, {}, name)
            try:
                cleaned = field.clean(value)
            except ValidationError:
                continue
            if cleaned:
                params[name] = "on" if cleaned is True else cleaned
        return params
