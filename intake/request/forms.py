import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import SimpleNamespace

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from intake import rules
from intake.enums import FileKind, ImagingPlan, PainLocation, SafetyTier
from intake.models import (
    REQUEST_FIELD_GROUPS,
    FieldGroup,
    ReviewRequest,
    StagedUpload,
    StagedUploadStatus,
)
from intake.request.cd_words import cd_sort_strings
from intake.request.red_flags import (
    RED_FLAGS,
    ROUTINE_NOTE,
    TIER_ADVICE,
    TierAdvice,
    red_flags_of,
    safety_tier,
)
from intake.uploads.handlers import SKIP_REASONS, SkippedFile
from intake.uploads.screening import screen_file

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes(value: str) -> bool:
    return value == "yes"


class YesNoField(forms.TypedChoiceField):
    """A required yes/no question asked with two radio buttons; cleans to True or False."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs) -> None:
        required = gettext("Answer yes or no: %(question)s") % {"question": kwargs["label"]}
        kwargs.setdefault("error_messages", {"required": required})
        super().__init__(choices=YES_NO, coerce=_yes, empty_value=None, **kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Any number of files; the form's clean_files checks each one by its bytes."""

    widget = MultipleFileInput

    def clean(self, value) -> list[UploadedFile]:
        return [f for f in (value or []) if f]


class StagedUploadsField(forms.Field):
    """Ids of files already sent by resumable upload (filled in by the page's script)."""

    widget = forms.MultipleHiddenInput

    def clean(self, value) -> list[str]:
        keys = [str(v) for v in (value or []) if v]
        return list(dict.fromkeys(keys))  # each id once, in order


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_LINK = re.compile(r"://|www\.|@|\.(com|net|org|ru|io|xyz|info|link|click)\b", re.IGNORECASE)


@dataclass
class CheckedFiles:
    accepted: list[tuple[UploadedFile, FileKind]] = dataclass_field(default_factory=list)
    refused_names: list[str] = dataclass_field(default_factory=list)
    problems: list[str] = dataclass_field(default_factory=list)


def _refused(name: str, reason: str) -> str:
    return gettext("“%(name)s” was not accepted: %(reason)s.") % {"name": name, "reason": reason}


def check_files(files: Sequence[UploadedFile], skipped: Sequence[SkippedFile]) -> CheckedFiles:
    """Each file's kind from its bytes, and the limits; the messages name each refused file.

    Shared by the request form and the page where a patient adds files later: one set of rules.
    """
    checked = CheckedFiles()
    problems = checked.problems
    problems.extend(
        _refused(s.name, SKIP_REASONS[s.reason]()) for s in skipped if s.reason != "count"
    )
    over_count = [s.name for s in skipped if s.reason == "count"]
    if over_count:
        shown = ", ".join(f"“{name}”" for name in over_count[:5])
        if len(over_count) > 5:
            shown = gettext("%(names)s and %(more)s more") % {
                "names": shown,
                "more": len(over_count) - 5,
            }
        problems.append(
            gettext("%(count)s files were not accepted (%(names)s): %(reason)s.")
            % {"count": len(over_count), "names": shown, "reason": SKIP_REASONS["count"]()}
        )
    total = 0
    for uploaded in files:
        name = rules.clean_file_name(uploaded.name or "")
        uploaded.seek(0)
        head = uploaded.read(rules.SNIFF_BYTES)
        uploaded.seek(0)
        kind = rules.sniff(head) if uploaded.size else None
        if kind is None:
            reason = rules.refusal_reason(head if uploaded.size else b"")
            problems.append(_refused(name, reason))
            checked.refused_names.append(name)
        elif uploaded.size > rules.max_file_size():
            problems.append(_refused(name, SKIP_REASONS["file_size"]()))
            checked.refused_names.append(name)
        elif screened := screen_file(uploaded, kind):
            problems.append(_refused(name, screened))
            checked.refused_names.append(name)
        else:
            total += uploaded.size
            checked.accepted.append((uploaded, kind))
    if len(files) + len(skipped) > rules.max_files() and not over_count:
        problems.append(
            gettext("You chose %(count)s files: %(reason)s.")
            % {"count": len(files), "reason": SKIP_REASONS["count"]()}
        )
    if total > rules.max_request_size():
        problems.append(
            gettext("Your files were not accepted: %(reason)s.")
            % {"reason": SKIP_REASONS["request_size"]()}
        )
    if problems:
        problems.append(
            gettext("We accept %(kinds)s.") % {"kinds": gettext(rules.ACCEPTED_KINDS_TEXT)}
        )
    return checked


def _uppy_strings() -> dict:
    """Uppy's own words a patient sees while files upload (its keys; "0"/"1": one, more)."""
    return {
        "complete": gettext("Complete"),
        "uploadComplete": gettext("Upload complete"),
        "uploadPaused": gettext("Upload paused"),
        "uploadFailed": gettext("Upload failed"),
        "uploadingXFiles": {
            "0": gettext("Uploading %{smart_count} file"),
            "1": gettext("Uploading %{smart_count} files"),
        },
        "xFilesSelected": {
            "0": gettext("%{smart_count} file selected"),
            "1": gettext("%{smart_count} files selected"),
        },
        "dataUploadedOfTotal": gettext("%{complete} of %{total}"),
        "xTimeLeft": gettext("%{time} left"),
        "addMore": gettext("Add more"),
        "addMoreFiles": gettext("Add more files"),
        "removeFile": gettext("Remove file"),
        "cancel": gettext("Cancel"),
        "back": gettext("Back"),
        "retry": gettext("Retry"),
        "exceedsSize": gettext("%{file} is bigger than the limit of %{size}"),
        "noInternetConnection": gettext("No internet connection"),
        "connectedToInternet": gettext("Connected to the internet"),
        # Uppy's Spanish pack says "tú" here; our pages say "usted".
        "dropHint": gettext("Drop your files here"),
        "recoveredAllFiles": gettext("We restored all files. You can now resume the upload."),
        "recoveredXFiles": {
            "0": gettext(
                "We could not fully recover %{smart_count} file. Please choose it again and resume "
                "the upload."
            ),
            "1": gettext(
                "We could not fully recover %{smart_count} files. Please choose them again and "
                "resume the upload."
            ),
        },
        "uploadStalled": gettext(
            "The upload has not moved for %{seconds} seconds. You may want to try again."
        ),
        "youCanOnlyUploadX": {
            "0": gettext("You can upload at most %{smart_count} file"),
            "1": gettext("You can upload at most %{smart_count} files"),
        },
    }


def _template(name: str, **context: str) -> HTML:
    """A template in the form's layout: the markup stays in templates, the layout says where."""
    with_context = "".join(f' {key}="{value}"' for key, value in context.items())
    return HTML(f'{{% include "{name}"{" with" if context else ""}{with_context} %}}')


def _fields(group, **shown) -> list:
    """The group's fields in order; `shown` lays out some of them (width, radios, a row of two;
    None: laid out with the one before), the others plain."""
    laid_out = (shown.get(name, name) for name in group.fields)
    return [item for item in laid_out if item is not None]


def _about_layout(group) -> list:
    name_row = Div(
        Div("first_name", css_class="col-sm-6"),
        Div("last_name", css_class="col-sm-6"),
        css_class="row",
    )
    return _fields(
        group,
        first_name=name_row,
        last_name=None,
        date_of_birth=Field("date_of_birth", css_class="input-medium"),
        phone=Field("phone", css_class="input-medium"),
        zip_code=Field("zip_code", css_class="input-short"),
    )


def _pain_layout(group) -> list:
    return _fields(
        group,
        pain_locations=Field("pain_locations", wrapper_class="form-two-columns"),
        back_pain_score=InlineRadios("back_pain_score"),
        leg_pain_score=InlineRadios("leg_pain_score"),
    )


# A follow-up question under the tick box it belongs to; with JavaScript it shows only once the box
# is ticked (request-form.js), without it is always there.
_FOLLOW_UPS = {
    "tried_physical_therapy": "physical_therapy_weeks",
    "had_spine_surgery": "spine_surgery_when",
}


def _tried_layout(group) -> list:
    return [
        _template("intake/form/_tried_intro.html"),
        *_fields(
            group,
            physical_therapy_weeks=Field(
                "physical_therapy_weeks", css_class="input-short", wrapper_class="form-follow-up"
            ),
            spine_surgery_when=Field(
                "spine_surgery_when", css_class="input-medium", wrapper_class="form-follow-up"
            ),
        ),
    ]


def _mri_layout(group) -> list:
    return [
        _template("intake/form/_mri_intro.html"),
        *_fields(group, mri_date=Field("mri_date", css_class="input-medium")),
        _template("intake/_files_again.html"),
        "files",
        _template("intake/_upload_dashboard.html"),
    ]


def _safety_layout(group) -> list:
    # The questions by tier (RED_FLAGS holds them in this order), each tier under its heading.
    # Each tier's warning sits right under its own questions: on a phone, a "yes" to the first
    # emergency question shows the emergency message a few lines down, not after every question.
    by_tier = []
    for tier in SafetyTier:
        name = tier.name.lower()
        by_tier += [
            _template("intake/form/_safety_heading.html", tier=name),
            # The tier class lets the page's script show the warning that fits the answers.
            *(
                InlineRadios(flag.field, wrapper_class=f"safety-question safety-{name}")
                for flag in red_flags_of(tier)
            ),
            _template("intake/_red_flag_warning.html", which=name),
        ]
    return [_template("intake/form/_safety_intro.html"), *by_tier]


def _insurance_layout(group) -> list:
    return [_template("intake/form/_insurance_intro.html"), *_fields(group)]


_GROUP_LAYOUT = {
    "about": _about_layout,
    "pain": _pain_layout,
    "tried": _tried_layout,
    "mri": _mri_layout,
    "safety": _safety_layout,
    "insurance": _insurance_layout,
    "consents": _fields,
}


@dataclass(frozen=True)
class FormPart:
    """One numbered part of the request form (one of REQUEST_FIELD_GROUPS)."""

    number: int
    count: int
    group: FieldGroup

    @property
    def anchor(self) -> str:
        return f"part-{self.group.key}"

    @property
    def title(self) -> str:
        return gettext(self.group.patient_title)


class ReviewRequestForm(forms.ModelForm):
    """The patient's MRI review request: every answer, the safety questions, consents and files."""

    pain_locations = forms.TypedMultipleChoiceField(
        label=_("Where is your pain?"),
        help_text=_("Choose all that apply."),
        choices=PainLocation.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose where your pain is")},
    )
    back_pain_score = forms.TypedChoiceField(
        label=_("How bad is your back pain on most days?"),
        help_text=_("0 means no pain. 10 means the worst pain you can imagine."),
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a number from 0 to 10 for your back pain")},
    )
    leg_pain_score = forms.TypedChoiceField(
        label=_("How bad is your leg pain on most days?"),
        help_text=_("0 means no pain. 10 means the worst pain you can imagine."),
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a number from 0 to 10 for your leg pain")},
    )
    files = MultipleFileField(
        label=_("Your MRI files"),
        required=False,
        help_text=_(
            "DICOM files, a ZIP of your CD, photos (JPEG or PNG) and PDF reports. From a CD, "
            "choose all its files, or a ZIP of the whole CD."
        ),
    )
    staged = StagedUploadsField(required=False)
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    # A field people never see or fill in; automated spam fills it.
    homepage = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = ReviewRequest
        fields = [name for group in REQUEST_FIELD_GROUPS for name in group.fields]
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "date_of_birth": _("Date of birth"),
            "email": _("E-mail address"),
            "phone": _("Phone number"),
            "zip_code": _("ZIP code"),
            "preferred_contact": _("How should we contact you?"),
            "best_time_to_call": _("When is the best time to call you?"),
            "pain_duration": _("How long have you had this pain?"),
            "pain_onset": _("How did the pain start?"),
            "pain_onset_details": _("Tell us more about how it started (optional)"),
            "tried_physical_therapy": _("Physical therapy"),
            "physical_therapy_weeks": _("For how many weeks did you have physical therapy?"),
            "tried_medicines": _("Medicines for pain or swelling"),
            "tried_injections": _("Shots in your back (for example, steroid shots)"),
            "tried_chiropractic": _("Chiropractic care"),
            "had_spine_surgery": _("An earlier operation on my spine"),
            "spine_surgery_when": _("When was your spine operation?"),
            "imaging_plan": _("How will you send your MRI?"),
            "mri_date": _("Date of the MRI scan (if you know it)"),
            "mri_facility": _("Where was the MRI done? (optional)"),
            "mri_body_area": _("Which part of your body was scanned?"),
            "has_radiology_report": _("Do you have the doctor's written report of your scan?"),
            "insurance_carrier": _("Insurance company (optional)"),
            "insurance_plan_type": _("Type of plan (optional)"),
        }
        help_texts = {
            "date_of_birth": _("For example, 03/27/1968."),
            "phone": _("We use it only about this request."),
            "zip_code": _("5 digits, for example 10001."),
            "physical_therapy_weeks": _("A rough number is fine."),
            "spine_surgery_when": _("A year is enough, for example 2019."),
            "mri_date": _("For example, 10/12/2026."),
            "has_radiology_report": _(
                "It is often a PDF or a printed page that came with your scan."
            ),
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"autocomplete": "bday"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "zip_code": forms.TextInput(
                attrs={"autocomplete": "postal-code", "inputmode": "numeric"}
            ),
            "preferred_contact": forms.RadioSelect,
            "best_time_to_call": forms.RadioSelect,
            "pain_duration": forms.RadioSelect,
            "pain_onset": forms.RadioSelect,
            "pain_onset_details": forms.Textarea(attrs={"rows": 3}),
            "imaging_plan": forms.RadioSelect,
            "mri_body_area": forms.RadioSelect,
            "has_radiology_report": forms.RadioSelect,
            "physical_therapy_weeks": forms.NumberInput(attrs={"min": 0, "max": 520}),
        }
        error_messages = {
            "first_name": {"required": _("Enter your first name")},
            "last_name": {"required": _("Enter your last name")},
            "date_of_birth": {
                "required": _("Enter your date of birth"),
                "invalid": _("Enter your date of birth as month/day/year, for example 03/27/1968"),
            },
            "email": {
                "required": _("Enter your e-mail address"),
                "invalid": _("Enter an e-mail address like name@example.com"),
            },
            "phone": {"required": _("Enter your phone number")},
            "zip_code": {"required": _("Enter your ZIP code")},
            "preferred_contact": {"required": _("Choose how we should contact you")},
            "best_time_to_call": {"required": _("Choose the best time to call you")},
            "pain_duration": {"required": _("Choose how long you have had this pain")},
            "pain_onset": {"required": _("Choose how your pain started")},
            "imaging_plan": {"required": _("Choose how you will send your MRI")},
            "mri_date": {
                "invalid": _("Enter the scan date as month/day/year, for example 10/12/2026")
            },
        }

    def __init__(
        self,
        *args,
        skipped_files: Sequence[SkippedFile] = (),
        upload_owner: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.skipped_files = list(skipped_files)
        self.upload_owner = upload_owner
        # What the file checks found, kept only for the page shown again (the view reads
        # cleaned_data): files that were fine but must be chosen again, and uploads already here.
        self._checked_files = CheckedFiles()
        self._staged_found: list[StagedUpload] = []
        self.fields["insurance_plan_type"].widget = forms.RadioSelect()
        for field in self.fields.values():
            # A radio group starts with nothing chosen: no blank "---------" option.
            if isinstance(field.widget, forms.RadioSelect):
                field.choices = [c for c in field.choices if c[0] != ""]
        for box, follow_up in _FOLLOW_UPS.items():
            self.fields[box].widget.attrs["data-follow-up"] = f"div_id_{follow_up}"
        for flag in RED_FLAGS:
            self.fields[flag.field] = YesNoField(label=gettext(flag.question))
        consents = {
            "consent_privacy": (
                render_to_string("intake/form/_privacy_consent_label.html"),
                _("Tick the box to say you have read the privacy notice"),
            ),
            "consent_contact": (
                _("You may contact me about this request."),
                _("Tick the box to let us contact you about this request"),
            ),
            "consent_not_emergency": (
                _("I understand that this is not emergency care and not medical advice."),
                _("Tick the box to say you understand this is not emergency care"),
            ),
        }
        for name, (label, required) in consents.items():
            self.fields[name] = forms.BooleanField(
                label=label, error_messages={"required": required}
            )
        self.helper = self._helper()

    # --- Layout -----------------------------------------------------------------------------------

    def _helper(self) -> FormHelper:
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            *(self._part(part) for part in self.parts),
            Div("homepage", css_class="hp-field", aria_hidden="true"),
            "submission_token",
        )
        return helper

    @property
    def parts(self) -> list[FormPart]:
        """The form's parts in order, numbered: the contents list and the headings read these."""
        return [
            FormPart(number, len(REQUEST_FIELD_GROUPS), group)
            for number, group in enumerate(REQUEST_FIELD_GROUPS, start=1)
        ]

    def _part(self, part: FormPart) -> Fieldset:
        fieldset = Fieldset(
            gettext(part.group.patient_title),
            *_GROUP_LAYOUT[part.group.key](part.group),
            css_class="form-section",
            css_id=part.anchor,
            template="intake/form/fieldset.html",
        )
        fieldset.part = part  # the template's "Part 2 of 7" caption
        return fieldset

    # --- Validation -------------------------------------------------------------------------------

    def clean_first_name(self) -> str:
        first_name = self.cleaned_data["first_name"]
        # The one answer copied into an e-mail, sent to an address nobody has confirmed yet: a link
        # here would let anyone send our trusted confirmation e-mail with their link in it.
        if _LINK.search(first_name):
            raise forms.ValidationError(_("Enter just your first name"), code="link")
        return first_name

    def clean_date_of_birth(self) -> datetime.date:
        dob = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError(_("Your date of birth must be in the past"), code="future")
        if dob.year < today.year - 120:
            raise forms.ValidationError(_("Check the year of your date of birth"), code="too_old")
        return dob

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not 10 <= len(re.sub(r"\D", "", phone)) <= 15:
            raise forms.ValidationError(
                _("Enter a phone number with its area code, like 555-201-3344"), code="invalid"
            )
        return phone

    def clean_zip_code(self) -> str:
        zip_code = self.cleaned_data["zip_code"].strip()
        if not re.fullmatch(r"\d{5}(-\d{4})?", zip_code):
            raise forms.ValidationError(
                _("Enter a ZIP code of 5 digits, like 10001"), code="invalid"
            )
        return zip_code

    def clean_mri_date(self) -> datetime.date | None:
        mri_date = self.cleaned_data["mri_date"]
        if mri_date and mri_date > timezone.localdate():
            raise forms.ValidationError(_("The scan date cannot be in the future"), code="future")
        if mri_date and mri_date.year < 1980:
            raise forms.ValidationError(_("Check the year of your scan"), code="too_old")
        return mri_date

    def clean_files(self) -> list[tuple[UploadedFile, FileKind]]:
        """The accepted files, each with the kind its bytes showed."""
        self._checked_files = check_files(self.cleaned_data["files"], self.skipped_files)
        if self._checked_files.problems:
            raise forms.ValidationError(self._checked_files.problems, code="file_refused")
        return self._checked_files.accepted

    def clean_staged(self) -> list[StagedUpload]:
        """The complete resumable uploads named by the form, in its order. They are attached only
        if this browser session sent them, they are complete and they have not expired; anything
        else is named as missing, never attached. CD clutter skipped at upload is found, not kept."""
        keys = self.cleaned_data["staged"]
        if not keys:
            return []
        rows = {s.key: s for s in StagedUpload.objects.arrived(self.upload_owner or "", keys)}
        self._staged_found = [
            rows[key]
            for key in keys
            if key in rows and rows[key].status == StagedUploadStatus.COMPLETE
        ]
        missing = len(keys) - len(rows)
        if missing:
            message = gettext(
                "%(missing)s of your uploaded files could not be found. Uploads are kept for "
                "%(hours)s hours: please add the missing files again."
            ) % {"missing": missing, "hours": settings.INTAKE_TUS_EXPIRY_HOURS}
            raise forms.ValidationError(message, code="staged_missing")
        return self._staged_found

    def uploads_changed(self) -> None:
        """The service found the uploads attached or removed meanwhile (another tab): say so, and
        list none of them as kept on the page shown again."""
        self.add_error(
            "staged",
            forms.ValidationError(
                _("Your uploaded files changed while you sent the form: send it again."),
                code="staged_changed",
            ),
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        files, staged = cleaned.get("files", []), cleaned.get("staged", [])
        if staged and "files" not in self.errors:
            count = len(files) + len(staged)
            total = sum(f.size for f, _kind in files) + sum(s.length for s in staged)
            if count > rules.max_files():
                self.add_error(
                    "files",
                    gettext("You added %(count)s files: %(reason)s.")
                    % {"count": count, "reason": SKIP_REASONS["count"]()},
                )
            elif total > rules.max_request_size():
                self.add_error(
                    "files",
                    gettext("Your files were not accepted: %(reason)s.")
                    % {"reason": SKIP_REASONS["request_size"]()},
                )
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if (
                isinstance(field.widget, forms.TextInput)
                and isinstance(value, str)
                and _CONTROL_CHARS.search(value)
            ):
                # A line break in a one-line answer could start new lines in e-mails and exports.
                self.add_error(name, _("Write this on one line, without special characters"))
        if cleaned.get("tried_physical_therapy") and cleaned.get("physical_therapy_weeks") is None:
            self.add_error(
                "physical_therapy_weeks", _("Tell us for how many weeks you had physical therapy")
            )
        if cleaned.get("had_spine_surgery") and not cleaned.get("spine_surgery_when"):
            self.add_error("spine_surgery_when", _("Tell us when you had your spine operation"))
        if (
            cleaned.get("imaging_plan") == ImagingPlan.UPLOAD
            and not files
            and not staged
            and "files" not in self.errors
            and "staged" not in self.errors
        ):
            self.add_error(
                "files",
                _("Add your MRI files, or choose another answer to “How will you send your MRI?”"),
            )
        return cleaned

    # --- What the page needs ----------------------------------------------------------------------

    @property
    def upload_config(self) -> dict[str, int]:
        """Limits the upload dashboard enforces in the browser (the server checks them again)."""
        return {
            "chunk_size": settings.INTAKE_TUS_CHUNK_SIZE,
            "max_file_size": rules.max_file_size(),
            "max_files": rules.max_files(),
        }

    @property
    def cd_sort_strings(self) -> dict:
        """The CD picker's words in the page's language (intake/request/cd_words.py)."""
        return cd_sort_strings()

    @property
    def upload_strings(self) -> dict[str, str]:
        """The dashboard's words in the page's language (upload-dashboard.js fills in %(count)s)."""
        return {
            "note": gettext("DICOM files, a ZIP of your CD, photos (JPEG or PNG) and PDF reports."),
            "dropPasteBoth": gettext(
                "Drop your files or CD folder here, %{browseFiles} or %{browseFolders}"
            ),
            "browseFiles": gettext("choose files"),
            "browseFolders": gettext("choose a folder"),
            "skippedOne": gettext(
                "We left out %(count)s file from your CD's viewer program (for example "
                "%(examples)s). It is not part of your scan and is not needed."
            ),
            "skippedMany": gettext(
                "We left out %(count)s files from your CD's viewer program (for example "
                "%(examples)s). They are not part of your scan and are not needed."
            ),
            "busyOne": gettext(
                "Please wait: %(count)s file is still uploading. You can send the form when the "
                "upload has finished."
            ),
            "busyMany": gettext(
                "Please wait: %(count)s files are still uploading. You can send the form when the "
                "upload has finished."
            ),
            "chooseScans": gettext(
                "Please choose the scans to send, then press “Upload the ticked scans”. Then you "
                "can send the form."
            ),
            "untickedOne": gettext("We did not upload %(count)s study you left unticked."),
            "untickedMany": gettext("We did not upload %(count)s studies you left unticked."),
            "uppy": _uppy_strings(),
        }

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("homepage"))

    @property
    def answered_tier(self) -> SafetyTier:
        """The tier of the answers as sent (valid or not), so a re-shown form keeps its warning."""
        answers = SimpleNamespace(
            **{
                flag.field: self.is_bound and self.data.get(flag.field) == "yes"
                for flag in RED_FLAGS
            }
        )
        return safety_tier(answers)

    @cached_property  # the page includes one warning per tier, each reading this list
    def safety_warnings(self) -> list[tuple[str, TierAdvice, bool]]:
        """The warnings the page can show as the patient answers: (tier name, wording, shown now).

        Only the most urgent tier's warning shows; the routine note may show beside it.
        """
        tier = self.answered_tier
        routine = self.is_bound and any(
            self.data.get(flag.field) == "yes" for flag in red_flags_of(SafetyTier.ROUTINE)
        )
        return [
            (
                "emergency",
                TIER_ADVICE[SafetyTier.EMERGENCY].translated(),
                tier == SafetyTier.EMERGENCY,
            ),
            (
                "see_doctor_soon",
                TIER_ADVICE[SafetyTier.SEE_DOCTOR_SOON].translated(),
                tier == SafetyTier.SEE_DOCTOR_SOON,
            ),
            ("routine", ROUTINE_NOTE.translated(), routine),
        ]

    @property
    def files_to_add_again(self) -> list[str]:
        """Files that were fine but are not kept because the form had other errors."""
        if not self.is_bound or not self.errors:
            return []
        return [rules.clean_file_name(f.name or "") for f, _kind in self._checked_files.accepted]

    @property
    def refused_file_names(self) -> list[str]:
        return self._checked_files.refused_names

    @property
    def staged_uploads(self) -> list[StagedUpload]:
        """Uploads already here that a page shown again lists, so they are not sent twice."""
        if self.has_error("staged", "staged_changed"):
            return []
        return self._staged_found

    def _error_anchor(self, name: str) -> str:
        field = self.fields[name]
        if name == "staged":
            return "upload-dashboard"
        anchor = self[name].auto_id
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{anchor}_0"
        return anchor

    def _untouched(self, group: FieldGroup) -> bool:
        """Nothing in this part was answered (a tick box left alone sends nothing)."""
        getlist = getattr(self.data, "getlist", None)
        values = (getlist(name) if getlist else [self.data.get(name)] for name in group.fields)
        return not any(value for answers in values for value in answers)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the summary at the top, in the order of the page.

        Every error is listed, except that a part the patient has not started at all is one line
        ("Fill in part 5 …, 14 answers missing") that leads to its first question: an empty safety
        part alone would be 14 links, and 31 links push the form two screens down on a phone.
        Each question still shows its own message beside it (docs/form-shape.md).
        """
        summary = []
        part_of = {name: part for part in self.parts for name in part.group.fields}
        folded: set[str] = set()
        for name in self.fields:
            if name not in self.errors or name in folded:
                continue
            part = part_of.get(name)
            if part is not None and self._untouched(part.group):
                missing = [n for n in part.group.fields if n in self.errors]
                if len(missing) > 1:
                    folded.update(missing)
                    message = ngettext(
                        "Fill in part %(number)s, “%(title)s”: %(count)s answer is missing",
                        "Fill in part %(number)s, “%(title)s”: %(count)s answers are missing",
                        len(missing),
                    ) % {"number": part.number, "title": part.title, "count": len(missing)}
                    summary.append((self._error_anchor(name), message))
                    continue
            anchor = self._error_anchor(name)
            summary.extend((anchor, message) for message in self.errors[name])
        summary.extend(("", message) for message in self.non_field_errors())
        return summary


class MoreFilesForm(forms.Form):
    """Files a patient adds later through a link staff sent: the same checks as the request form."""

    files = MultipleFileField(
        label=_("Your files"),
        help_text=_(
            "You can add MRI files (DICOM), a ZIP file of your CD, photos (JPEG or PNG) and PDF "
            "reports. Choose as many files as you need. From a CD, choose all the files in its "
            "folders, or make a ZIP file of the whole CD."
        ),
        error_messages={"required": _("Choose at least one file to send")},
    )

    def __init__(self, *args, skipped_files: Sequence[SkippedFile] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.skipped_files = list(skipped_files)

    def clean_files(self) -> list[tuple[UploadedFile, FileKind]]:
        """The accepted files, each with the kind its bytes showed."""
        checked = check_files(self.cleaned_data["files"], self.skipped_files)
        if checked.problems:
            raise forms.ValidationError(checked.problems, code="file_refused")
        if not checked.accepted:
            raise forms.ValidationError(_("Choose at least one file to send"), code="required")
        return checked.accepted


class LetterAccessForm(forms.Form):
    """What the patient types to open their review letter (or to see where their request is): the
    reference and the date of birth."""

    reference = forms.CharField(
        label=_("Your reference"),
        max_length=20,
        help_text=_("It is in the e-mail we sent, for example BC-7KQ4-92XD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        help_text=_("For example, 03/27/1968."),
        widget=forms.DateInput(attrs={"autocomplete": "bday"}),
        error_messages={"invalid": _("Enter your date of birth like this: 03/27/1968.")},
    )

    def clean_reference(self) -> str:
        # Forgive case, spaces and missing dashes: "bc 7kq4 92xd" is BC-7KQ4-92XD.
        letters = re.sub(r"[^A-Z0-9]", "", self.cleaned_data["reference"].upper())
        return f"{letters[:2]}-{letters[2:6]}-{letters[6:]}" if len(letters) == 10 else letters

    def matches(self, review_request: ReviewRequest) -> bool:
        """Both answers right. Each is compared in constant time and both are always compared, so
        neither the answer nor its timing tells which one was wrong."""
        reference_ok = constant_time_compare(
            self.cleaned_data["reference"], review_request.reference
        )
        birth_ok = constant_time_compare(
            self.cleaned_data["date_of_birth"].isoformat(),
            review_request.date_of_birth.isoformat(),
        )
        return reference_ok & birth_ok


# Compared against when no request has the typed reference, so a look-up does the same work either
# way. Never saved: its reference does not fit REFERENCE_PATTERN.
_NOBODY = ReviewRequest(reference="BC-NONE-NONE", date_of_birth=datetime.date(1, 1, 1))


class StatusLookupForm(LetterAccessForm):
    """What the patient types on the "Where is my request?" page."""

    def find(self) -> tuple[ReviewRequest | None, ReviewRequest | None]:
        """(the request these answers open, or None; the request with the typed reference, or None).

        The second is for the access log only (a wrong birth date for a real reference is worth a
        look); the patient's answer never tells the two failures apart.
        """
        candidate = (
            ReviewRequest.objects.filter(reference=self.cleaned_data["reference"])
            .only("reference", "date_of_birth", "status", "imaging_plan")
            .first()
        )
        matched = self.matches(candidate or _NOBODY)
        return (candidate if matched else None), candidate
