from django import forms

from exercises.models import Category, Difficulty, Equipment, Position


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class LibraryFilterForm(forms.Form):
    """The library's search and filters: a plain GET form that works without JavaScript."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    category = forms.ChoiceField(
        label="Type", required=False, choices=_any("Any type", Category.choices)
    )
    difficulty = forms.ChoiceField(
        label="How hard", required=False, choices=_any("Any level", Difficulty.choices)
    )
    position = forms.ChoiceField(
        label="Starting position",
        required=False,
        choices=_any("Any position", Position.choices),
    )
    equipment = forms.ChoiceField(
        label="What you need", required=False, choices=_any("Anything", Equipment.choices)
    )
    no_floor = forms.BooleanField(
        label="No floor needed (sitting or standing only)", required=False
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

    def normalised(self) -> dict[str, str]:
        """The query string as far as the page depends on it: cleaned values in a fixed order,
        empty, invalid and unknown parameters left out. URLs with the same normalised parameters
        show the same page, so they share its ETag and its cache entry."""
        params = {"q": self.query()} | {
            k: "on" if v is True else v for k, v in self.filters().items()
        }
        return {k: v for k, v in params.items() if v}

    def query(self) -> str:
        if not self.is_bound:
            return ""
        self.is_valid()
        return (getattr(self, "cleaned_data", {}).get("q") or "").strip()
