"""The words of the CD picker (cd-sort.js, cd-choice.js) in the page's language.

The page hands them to the scripts as a `json_script` (the CSP allows no inline script). A sentence
with a number comes in the language's plural forms, keyed by the names `Intl.PluralRules` gives
("one", "other"): the browser picks the form, and fills in `%(count)s` and the other placeholders.
Dates and sizes are formatted by the browser for the page's language (`Intl`), not here.
"""

from collections.abc import Callable

from django.utils.translation import gettext, ngettext, pgettext


def _forms(sentence: Callable[[int], str]) -> dict[str, str]:
    """A counted sentence's plural forms: ngettext's singular and plural (English and Spanish
    have these two; the browser falls back to "other" for any form a language adds)."""
    return {"one": sentence(1), "other": sentence(2)}


def _kinds() -> dict[str, dict[str, str]]:
    """What each DICOM modality is called, alone (a study's title) and with its article (a sentence)."""
    x_ray = {"name": gettext("X-ray"), "a": gettext("an X-ray")}
    return {
        "MR": {"name": gettext("MRI"), "a": gettext("an MRI")},
        "CT": {"name": gettext("CT scan"), "a": gettext("a CT scan")},
        "CR": x_ray,
        "DX": x_ray,
        "DR": x_ray,
        "RF": {"name": gettext("X-ray video"), "a": gettext("an X-ray video")},
        "US": {"name": gettext("ultrasound"), "a": gettext("an ultrasound")},
        "NM": {"name": gettext("nuclear scan"), "a": gettext("a nuclear scan")},
        "PT": {"name": gettext("PET scan"), "a": gettext("a PET scan")},
        "MG": {"name": gettext("mammogram"), "a": gettext("a mammogram")},
        "XA": {
            "name": gettext("X-ray of blood vessels"),
            "a": gettext("an X-ray of blood vessels"),
        },
        "OT": {"name": gettext("other image"), "a": gettext("another kind of image")},
        "SR": {"name": gettext("report"), "a": gettext("a report")},
        "DOC": {"name": gettext("document"), "a": gettext("a document")},
        "PR": {"name": gettext("viewer settings"), "a": gettext("viewer settings")},
        "KO": {"name": gettext("viewer notes"), "a": gettext("viewer notes")},
        "SC": {"name": gettext("screen capture"), "a": gettext("a screen capture")},
    }


def _counted() -> dict[str, dict[str, str]]:
    """The sentences with a number in them, in their plural forms."""
    return {
        "series": _forms(lambda n: ngettext("%(count)s series", "%(count)s series", n)),
        "images": _forms(lambda n: ngettext("%(count)s image", "%(count)s images", n)),
        "unreadable": _forms(
            lambda n: ngettext(
                "%(count)s file looks like a scan, but we could not read it here. We will send it "
                "so our team can check it.",
                "%(count)s files look like scans, but we could not read them here. We will send "
                "them so our team can check them.",
                n,
            )
        ),
        "found": _forms(
            lambda n: ngettext(
                "We found %(count)s study on your CD.", "We found %(count)s studies on your CD.", n
            )
        ),
        "tickedSome": _forms(
            lambda n: ngettext(
                "You ticked %(count)s: %(images)s, %(size)s.",
                "You ticked %(count)s: %(images)s, %(size)s.",
                n,
            )
        ),
    }


def cd_sort_strings() -> dict:
    """Every word the CD picker shows, but what comes from the files (names, descriptions)."""
    return {
        "reading": gettext("Reading your files: %(done)s of %(total)s…"),
        "tickedSpine": gettext("We ticked the newest MRI of your spine."),
        "tickedMri": gettext("We found no MRI of the spine, so we ticked the newest MRI."),
        "tickedAll": gettext("We found no MRI, so we ticked every scan."),
        "kinds": _kinds(),
        # A modality code we have no name for, e.g. "IVOCT images".
        "otherKind": {
            "name": gettext("%(modality)s images"),
            "a": gettext("%(modality)s images"),
        },
        "unknownKind": {
            "name": gettext("scan of an unknown type"),
            "a": gettext("a scan of an unknown type"),
        },
        "scan": gettext("Scan"),
        # "%(kinds)s: %(about)s", e.g. "MRI: MRI LUMBAR SPINE"; about is the study's own description.
        "title": pgettext("a scan's kind, then its description", "%(kinds)s: %(about)s"),
        "titleDated": pgettext("a scan's title, then its date", "%(title)s, %(date)s"),
        "noDate": gettext("%(title)s, no date"),
        "notMri": gettext("This is %(kinds)s, not an MRI."),
        "old": gettext("This scan is from %(date)s. That is more than 12 months ago."),
        "otherName": gettext(
            "The name in this scan (%(scan_name)s) is not the name you typed (%(typed_name)s). "
            "Is this your scan?"
        ),
        "otherBirthDate": gettext(
            "The birth date in this scan (%(scan_date)s) is not the one you typed (%(typed_date)s)."
        ),
        **_counted(),
        "facts": pgettext("series, images, size", "%(series)s, %(images)s, %(size)s"),
        "chooseSeries": gettext("Choose series (%(count)s)"),
        "seriesNumber": gettext("Series %(number)s"),
        # One series: its description, its modality code, its images and size.
        "seriesLine": pgettext(
            "a series: description, modality code, images, size",
            "%(what)s (%(modality)s): %(images)s, %(size)s",
        ),
        "tickedNone": gettext("You have not ticked any."),
    }
