"""The exercise library: exercises with ordered steps, and routines built from them."""

import datetime
import functools
import hashlib
import logging
import re
import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
)
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, models
from django.db.models import Case, Count, F, Func, Max, Prefetch, Q, TextField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from exercises.search_words import parse_websearch, probe

logger = logging.getLogger(__name__)

SEARCH_CONFIG = "english"
# Postgres's text-search configuration for each language the content is written in.
SEARCH_CONFIGS = {"en": SEARCH_CONFIG, "es": "spanish"}
# Marks around matched words in search headlines; the template escapes the text first and only then
# turns these into <mark> tags, so staff-written content can never inject HTML.
HIGHLIGHT_START = "\u2039\u2039"
HIGHLIGHT_STOP = "\u203a\u203a"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Category(models.TextChoices):
    CORE = "core", _("Core and control")
    STRETCH = "stretch", _("Stretch and mobility")
    STRENGTH = "strength", _("Strengthening")
    AEROBIC = "aerobic", _("Walking and aerobic")


class Difficulty(models.TextChoices):
    GENTLE = "gentle", _("Gentle")
    MODERATE = "moderate", _("Moderate")
    HARDER = "harder", _("Harder")


class Position(models.TextChoices):
    BACK = "back", _("Lying on your back")
    SIDE = "side", _("Lying on your side")
    ALL_FOURS = "all_fours", _("On hands and knees")
    SITTING = "sitting", _("Sitting")
    STANDING = "standing", _("Standing")


# Positions a reader who cannot get down onto the floor can still use.
NO_FLOOR_POSITIONS = (Position.SITTING, Position.STANDING)


class Equipment(models.TextChoices):
    NONE = "none", _("Nothing")
    MAT = "mat", _("A mat or carpet")
    CHAIR = "chair", _("A sturdy chair")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def dosage_lines(
    *,
    reps: int | None,
    sets: int | None,
    hold_seconds: int | None,
    times_per_day: int | None,
    note: str = "",
) -> list[str]:
    """Plain-language dosage, one short instruction a line, in the active language."""
    lines = []
    if hold_seconds:
        lines.append(
            ngettext("Hold for %(n)d second.", "Hold for %(n)d seconds.", hold_seconds)
            % {"n": hold_seconds}
        )
    if reps:
        lines.append(ngettext("Do it %(n)d time.", "Do it %(n)d times.", reps) % {"n": reps})
    if sets and sets > 1:
        lines.append(gettext("Rest, then do that %(n)d times in all.") % {"n": sets})
    if times_per_day:
        lines.append(
            ngettext("Do this once a day.", "Do this %(n)d times a day.", times_per_day)
            % {"n": times_per_day}
        )
    if note:
        lines.append(note)
    return lines


class ItemDosage:
    """A routine's or a programme's item: its own dosage where it sets one, else the exercise's.

    A routine item has no `times_per_day`: the routine says how often.
    """

    def resolved(self, name: str) -> int | None:
        value = getattr(self, name, None)
        return value if value is not None else getattr(self.exercise, name)

    def dosage(self) -> list[str]:
        return dosage_lines(
            reps=self.resolved("reps"),
            sets=self.resolved("sets"),
            hold_seconds=self.resolved("hold_seconds"),
            times_per_day=self.resolved("times_per_day")
            if hasattr(self, "times_per_day")
            else None,
            note=self.shown_note() or self.exercise.shown.dosage_note,
        )

    def shown_note(self) -> str:
        """The item's own note, in the language the page shows it (a programme's is staff's)."""
        return self.note


# A clinician's review holds for a year; an edit to the reviewed text ends it at once.
REVIEW_INTERVAL = datetime.timedelta(days=365)


class ReviewState(models.TextChoices):
    NEVER = "never", "Awaiting its first review"
    CHANGED = "changed", "Changed since its last review"
    OVERDUE = "overdue", "Review overdue"
    CURRENT = "current", "Reviewed"


@functools.cache
def _static_file_digest(path: str) -> str:
    """The picture is part of what a clinician checks: a new drawing is a new version."""
    found = finders.find(path)
    if not found:
        return "missing"
    with open(found, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def content_language() -> str:
    """The language the library's content is read in on this request: Spanish or English."""
    return "es" if (get_language() or "").startswith("es") else "en"


class Shown:
    """An item's patient-facing text in the language its page shows (`item.shown.title`)."""

    def __init__(self, item: "Reviewable", language: str):
        self._item = item
        self.language = language

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._item.TRANSLATED_FIELDS:
            raise AttributeError(name)
        return getattr(self._item, f"{name}_es" if self.language == "es" else name)


class Reviewable(models.Model):
    """Content a clinician reviews: a version of its text, and the reviews recorded for it.

    Each language is its own content with its own reviews: a translation is new content (content
    guide). An item is shown in Spanish only once every Spanish field is written; until then its
    Spanish page shows the whole English text, marked as English, rather than a half-translated mix
    of steps and warning signs.

    `reviews` is the reverse relation from ContentReview, newest first; pages prefetch it.
    """

    TRANSLATED_FIELDS: tuple[str, ...] = ()
    OPTIONAL_TRANSLATIONS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def review_parts(self, language: str = "en") -> list:
        raise NotImplementedError

    def content_version(self, language: str = "en") -> str:
        """A fingerprint of everything a patient reads on the page (status and links excluded)."""
        text = "\x1f".join(str(part) for part in self.review_parts(language))
        return hashlib.sha256(text.encode()).hexdigest()

    def spanish_missing(self) -> list[str]:
        """The Spanish fields still to write (an English field left blank needs no Spanish)."""
        return [
            name
            for name in self.TRANSLATED_FIELDS
            if getattr(self, name) and not getattr(self, f"{name}_es").strip()
        ]

    @functools.cached_property
    def has_spanish(self) -> bool:
        return not self.spanish_missing()

    @property
    def shown_language(self) -> str:
        """The language this item's text is shown in on this request."""
        return "es" if content_language() == "es" and self.has_spanish else "en"

    @property
    def shown(self) -> Shown:
        return Shown(self, self.shown_language)

    @property
    def untranslated(self) -> bool:
        """A Spanish page showing this item in English, for want of a translation."""
        return content_language() == "es" and not self.has_spanish

    def latest_review(self, language: str = "en") -> "ContentReview | None":
        if not self.pk:
            return None
        return next((r for r in self.reviews.all() if r.language == language), None)

    @property
    def current_review(self) -> "ContentReview | None":
        """The latest review of the text shown, if it was of that text as it reads now."""
        language = self.shown_language
        review = self.latest_review(language)
        if review and review.content_version == self._version(language):
            return review
        return None

    def _version(self, language: str) -> str:
        cache = self.__dict__.setdefault("_versions", {})
        if language not in cache:
            cache[language] = self.content_version(language)
        return cache[language]

    def review_state(
        self, today: datetime.date | None = None, language: str | None = None
    ) -> ReviewState:
        language = language or self.shown_language
        latest = self.latest_review(language)
        if latest is None:
            return ReviewState.NEVER
        if latest.content_version != self._version(language):
            return ReviewState.CHANGED
        if latest.due_on < (today or timezone.localdate()):
            return ReviewState.OVERDUE
        return ReviewState.CURRENT


class ExerciseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Staff preview drafts; everyone else sees published exercises only."""
        return self if user.is_staff else self.published()

    def for_cards(self):
        """Only what a library card shows: one query however many exercises there are."""
        return self.only(
            "title",
            "slug",
            "summary",
            *(f"{name}_es" for name in Exercise.TRANSLATED_FIELDS),
            *Exercise.TRANSLATED_FIELDS,
            "category",
            "difficulty",
            "position",
            "equipment",
            "illustration",
            "illustration_alt",
            "status",
            "updated_at",
        ).annotate(
            steps_untranslated=models.Exists(
                Step.objects.filter(exercise=models.OuterRef("pk"), text_es="")
            )
        )

    def filtered(
        self,
        *,
        category: str = "",
        difficulty: str = "",
        position: str = "",
        equipment: str = "",
        no_floor: bool = False,
    ):
        qs = self
        if category:
            qs = qs.filter(category=category)
        if difficulty:
            qs = qs.filter(difficulty=difficulty)
        if position:
            qs = qs.filter(position=position)
        if equipment:
            qs = qs.filter(equipment=equipment)
        if no_floor:
            qs = qs.filter(position__in=NO_FLOOR_POSITIONS)
        return qs

    def search(self, text: str, language: str = "en"):
        """Postgres full-text search, best match first, with why each result matched.

        Where it matched is read from the stored vector's weights (title A, summary B, steps C, why
        it helps D), not by parsing each text again; the steps' headline is made only when the
        steps matched. A Spanish search reads the Spanish fields with Postgres's `spanish`
        configuration (stems and stop words of Spanish), through their own generated vector.
        """
        config = SEARCH_CONFIGS[language]
        suffix = "_es" if language == "es" else ""
        vector = f"search_vector{suffix}"
        query = SearchQuery(text, search_type="websearch", config=config)
        hit_steps = SearchVectorExact(_written_with("c", vector), query)
        headline = SearchHeadline(
            f"steps_text{suffix}",
            query,
            config=config,
            start_sel=HIGHLIGHT_START,
            stop_sel=HIGHLIGHT_STOP,
            max_words=18,
            min_words=8,
            max_fragments=1,
        )
        return (
            self.filter(**{vector: query})
            .annotate(
                rank=SearchRank(F(vector), query),
                hit_title=SearchVectorExact(_written_with("a", vector), query),
                hit_summary=SearchVectorExact(_written_with("b", vector), query),
                hit_steps=hit_steps,
                hit_why=SearchVectorExact(_written_with("d", vector), query),
                headline=Case(
                    When(hit_steps, then=headline), default=Value(""), output_field=TextField()
                ),
            )
            .order_by("-rank", "title")
        )


def _written_with(weight: str, vector: str = "search_vector") -> Func:
    """The part of a stored search vector with one weight: one field's words (Exercise)."""
    return Func(
        F(vector),
        function="ts_filter",
        template=f"%(function)s(%(expressions)s, '{{{weight}}}')",
        output_field=SearchVectorField(),
    )


# Compiling the library's query costs several times running it (a search: ~4 ms to build five
# full-text expressions and a headline, under 1 ms to run; bench/README.md). So the SQL for each set of
# filters is compiled once per process, with a stand-in for the search words, and run again with the
# words as a parameter. Postgres text and the search form refuse a NUL, so no real words equal it.
_WORDS = "\x00words\x00"


@functools.lru_cache(maxsize=512)
def _library_sql(
    published_only: bool, filters: tuple, searching: bool, language: str
) -> tuple[str, tuple]:
    exercises = Exercise.objects.all()
    if published_only:
        exercises = exercises.published()
    exercises = exercises.filtered(**dict(filters))
    if searching:
        exercises = exercises.search(_WORDS, language)
    return exercises.only("pk").query.sql_with_params()


def library_matches(
    *, published_only: bool, filters: dict, words: str = "", language: str = "en"
) -> list["Exercise"]:
    """The exercises of the library page: pks only, and after a search why each one matched
    (`match_reasons`, `headline`), best match first. One query whatever the filters. A search
    reads the text of `language` (the Spanish fields with the spanish configuration)."""
    sql, params = _library_sql(
        published_only, tuple(sorted(filters.items())), bool(words), language
    )
    return list(Exercise.objects.raw(sql, [words if p == _WORDS else p for p in params]))


# --- The shape of a search: what its results depend on ---------------------------------------------
#
# A search's results (which exercises, in what order, where each matched, the steps' headline) depend
# only on which of its parsed words (lexemes) occur where in the exercises. A word that no exercise
# contains matches nowhere, whatever its spelling: "knee -zz1" and "knee -zz2" give the same results.
# So the library keeps a search's results under its *shape*: the parsed query with every lexeme that
# no exercise contains renamed by order of first appearance (the number of distinct such lexemes
# still counts: ts_rank divides by it). Finding the shape costs no query for plain words, parsed in
# Python as Postgres parses them (exercises/search_words.py), and one cheap query for anything else,
# where running the search costs several milliseconds, most of it making the headlines.

# A quoted lexeme in a tsquery's text, with its weights or prefix mark if any.
_TSQUERY_LEXEME = re.compile(r"'((?:[^']|'')*)'(:[*A-D]+)?")

# The configurations whose words this process parses in Python: those whose parse of the probe text
# was Postgres's own (library_lexemes). One that differed once stays refused while the process lives.
_parsed_in_python: set[str] = set()
_parse_refused: set[str] = set()


def search_query_text(words: str, language: str = "en") -> str:
    """The search words parsed as the library search parses them (websearch_to_tsquery), as text.

    Plain words are parsed in Python, with no query, once this process has checked that Postgres
    parses them the same way (library_lexemes); then a later query of the request gets Django's
    usual health check. Anything else is parsed by Postgres, and that query is then often the only
    one of a search page, so it is its own connection health check: the check (CONN_HEALTH_CHECKS)
    would be a round trip as long as this query. Outside a transaction, a connection found broken
    (Postgres restarted) is replaced and the query run again on the new one, as the check would have.
    """
    config = SEARCH_CONFIGS[language]
    if config in _parsed_in_python:
        parsed = parse_websearch(words, config)
        if parsed is not None:
            return parsed
    sql = "SELECT websearch_to_tsquery(%s::regconfig, %s)::text"
    params = [config, words]
    retry = not connection.health_check_done and not connection.in_atomic_block
    connection.health_check_done = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    except (InterfaceError, OperationalError):
        if not retry:
            raise
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _check_python_parse(config: str, probe_text: str, postgres_parse: str) -> None:
    """Trust the Python parse of `config` while it gives Postgres's parse of the probe text; if it
    ever differs (another Postgres version, other stop lists or locale), stop using it."""
    if config in _parse_refused:
        return
    if parse_websearch(probe_text, config) == postgres_parse:
        _parsed_in_python.add(config)
        return
    # Only the configuration's name: the probe is fixed text, never a visitor's words.
    logger.warning(
        "Search words parsed in Python differ from Postgres's parse (%s configuration): "
        "Postgres parses every search in this process",
        config,
    )
    _parse_refused.add(config)
    _parsed_in_python.discard(config)


def library_lexemes(language: str = "en") -> frozenset[str]:
    """Every lexeme of any exercise's search vector in `language` (drafts too): one query.

    The same query has Postgres parse the fixed probe text (exercises.search_words.probe), so each
    process checks, once per content version, that the words it parses in Python are parsed as
    this server parses them.
    """
    config = SEARCH_CONFIGS[language]
    vector = "search_vector_es" if language == "es" else "search_vector"
    probe_text = probe(config)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(%s::regconfig, %s)::text, "  # noqa: S608 - a column name of ours
            f"ARRAY(SELECT DISTINCT unnest(tsvector_to_array({vector})) FROM exercises_exercise)",
            [config, probe_text],
        )
        postgres_parse, lexemes = cursor.fetchone()
    _check_python_parse(config, probe_text, postgres_parse)
    return frozenset(lexemes)


def search_shape(query_text: str, lexemes: frozenset[str]) -> tuple[str, list[str]]:
    """The query with every plain lexeme not in `lexemes` renamed, and those lexemes.

    Lexemes with a quote, a backslash, a weight or a prefix mark are kept as they are: the shape is
    then only less shared, never wrong.
    """
    absent: list[str] = []

    def rename(match: re.Match) -> str:
        word, flags = match.group(1), match.group(2)
        if flags or "'" in word or "\\" in word or word in lexemes:
            return match.group(0)
        if word not in absent:
            absent.append(word)
        return f"\x00{absent.index(word)}\x00"

    return _TSQUERY_LEXEME.sub(rename, query_text), absent


def any_exercise_contains(lexemes: list[str], language: str = "en") -> bool:
    """Whether any exercise's search vector in `language` holds one of these plain lexemes."""
    if not lexemes:
        return False
    vector = "search_vector_es" if language == "es" else "search_vector"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM exercises_exercise WHERE {vector} @@ %s::tsquery)",  # noqa: S608 - a column name of ours
            [" | ".join(f"'{word}'" for word in lexemes)],
        )
        return cursor.fetchone()[0]


class Exercise(Reviewable):
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField("one-line summary", max_length=200)
    why_it_helps = models.TextField()
    category = models.CharField(max_length=20, choices=Category)
    difficulty = models.CharField(max_length=20, choices=Difficulty, default=Difficulty.GENTLE)
    position = models.CharField("starting position", max_length=20, choices=Position)
    equipment = models.CharField(max_length=20, choices=Equipment, default=Equipment.NONE)

    one_repetition = models.TextField(
        "what one repetition is", help_text="What counts as doing it once."
    )
    reps = models.PositiveSmallIntegerField("repetitions", null=True, blank=True)
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    dosage_note = models.CharField(
        max_length=200, blank=True, help_text="Extra dosage advice, e.g. for walking."
    )

    feel = models.TextField("what you should feel")
    mistakes = models.TextField("common mistakes", help_text="One mistake a line.")
    stop_if = models.TextField("stop and get advice if", help_text="One warning sign a line.")
    precautions = models.TextField(help_text="Who should avoid or change it. One a line.")

    illustration = models.CharField(
        max_length=200,
        help_text="Path under static/, e.g. img/exercises/bridge.svg",
    )
    illustration_alt = models.CharField(
        "illustration alt text",
        max_length=300,
        help_text="Describe the position shown, not 'image of exercise'.",
    )
    video_url = models.URLField(blank=True, help_text="Only videos with captions.")

    easier = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    harder = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    alternatives = models.ManyToManyField("self", blank=True, symmetrical=False)

    easier_version = models.TextField(
        "to make it easier", help_text="How to make it easier when it is too hard."
    )
    progression = models.TextField(
        "to make it harder", help_text="How to progress when it feels easy."
    )

    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)

    # The Spanish text, edited beside the English in the admin. A translation is new content with
    # its own review (ContentReview.language).
    title_es = models.CharField("title (Spanish)", max_length=120, blank=True)
    summary_es = models.CharField("one-line summary (Spanish)", max_length=200, blank=True)
    why_it_helps_es = models.TextField("why it helps (Spanish)", blank=True)
    one_repetition_es = models.TextField("what one repetition is (Spanish)", blank=True)
    dosage_note_es = models.CharField("dosage note (Spanish)", max_length=200, blank=True)
    feel_es = models.TextField("what you should feel (Spanish)", blank=True)
    mistakes_es = models.TextField("common mistakes (Spanish)", blank=True)
    stop_if_es = models.TextField("stop and get advice if (Spanish)", blank=True)
    precautions_es = models.TextField("precautions (Spanish)", blank=True)
    illustration_alt_es = models.CharField(
        "illustration alt text (Spanish)", max_length=300, blank=True
    )
    easier_version_es = models.TextField("to make it easier (Spanish)", blank=True)
    progression_es = models.TextField("to make it harder (Spanish)", blank=True)

    # Kept in step with the Step rows (Step.save/delete) so the search vector can cover the steps.
    steps_text = models.TextField(editable=False, blank=True, default="")
    steps_text_es = models.TextField(editable=False, blank=True, default="")
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
            + SearchVector("steps_text", weight="C", config=SEARCH_CONFIG)
            + SearchVector("why_it_helps", weight="D", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    search_vector_es = models.GeneratedField(
        expression=(
            SearchVector("title_es", weight="A", config=SEARCH_CONFIGS["es"])
            + SearchVector("summary_es", weight="B", config=SEARCH_CONFIGS["es"])
            + SearchVector("steps_text_es", weight="C", config=SEARCH_CONFIGS["es"])
            + SearchVector("why_it_helps_es", weight="D", config=SEARCH_CONFIGS["es"])
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            GinIndex(fields=["search_vector"], name="exercise_search_gin"),
            GinIndex(fields=["search_vector_es"], name="exercise_search_es_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exercises:exercise", kwargs={"slug": self.slug})

    def get_print_url(self) -> str:
        return reverse("exercises:exercise_print", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def no_floor(self) -> bool:
        return self.position in NO_FLOOR_POSITIONS

    REVIEWED_FIELDS = (
        "title",
        "summary",
        "why_it_helps",
        "category",
        "difficulty",
        "position",
        "equipment",
        "one_repetition",
        "reps",
        "sets",
        "hold_seconds",
        "times_per_day",
        "dosage_note",
        "feel",
        "mistakes",
        "stop_if",
        "precautions",
        "easier_version",
        "progression",
        "illustration",
        "illustration_alt",
        "video_url",
    )

    TRANSLATED_FIELDS = (
        "title",
        "summary",
        "why_it_helps",
        "one_repetition",
        "dosage_note",
        "feel",
        "mistakes",
        "stop_if",
        "precautions",
        "illustration_alt",
        "easier_version",
        "progression",
    )

    def review_parts(self, language: str = "en") -> list:
        if language == "en":
            fields = self.REVIEWED_FIELDS
        else:
            fields = [f"{n}_es" if n in self.TRANSLATED_FIELDS else n for n in self.REVIEWED_FIELDS]
        step_field = "text_es" if language == "es" else "text"
        return [
            *(getattr(self, name) for name in fields),
            _static_file_digest(self.illustration),
            *(getattr(step, step_field) for step in self.steps.all()),
        ]

    def spanish_missing(self) -> list[str]:
        missing = super().spanish_missing()
        # Cards know it from for_cards()'s annotation, without loading the steps.
        if hasattr(self, "steps_untranslated"):
            untranslated = self.steps_untranslated
        else:
            untranslated = any(not step.text_es.strip() for step in self.steps.all())
        if untranslated:
            missing.append("steps")
        return missing

    def step_texts(self) -> list[str]:
        field = "text_es" if self.shown_language == "es" else "text"
        return [getattr(step, field) for step in self.steps.all()]

    def match_reasons(self) -> list[str]:
        """After .search(): the parts of the exercise the search words were found in."""
        parts = [
            ("hit_title", gettext("title")),
            ("hit_summary", gettext("summary")),
            ("hit_steps", gettext("steps")),
            ("hit_why", gettext("why it helps")),
        ]
        return [label for attr, label in parts if getattr(self, attr, False)]

    def mistake_list(self) -> list[str]:
        return _lines(self.shown.mistakes)

    def stop_if_list(self) -> list[str]:
        return _lines(self.shown.stop_if)

    def precaution_list(self) -> list[str]:
        return _lines(self.shown.precautions)

    def dosage(self) -> list[str]:
        return dosage_lines(
            reps=self.reps,
            sets=self.sets,
            hold_seconds=self.hold_seconds,
            times_per_day=self.times_per_day,
            note=self.shown.dosage_note,
        )

    def resolved(self, name: str) -> int | None:
        """Its own dosage (as an item of a routine or programme answers with the exercise's)."""
        return getattr(self, name)

    def refresh_steps_text(self) -> None:
        """Copy the steps into steps_text(_es) (for search) and mark the exercise as changed."""
        steps = list(self.steps.order_by("order", "pk").values_list("text", "text_es"))
        Exercise.objects.filter(pk=self.pk).update(
            steps_text="\n".join(text for text, _ in steps),
            steps_text_es="\n".join(text_es for _, text_es in steps if text_es),
            updated_at=timezone.now(),
        )


class Step(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    text_es = models.CharField("text (Spanish)", max_length=300, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    # Saved or deleted from anywhere (admin inline, seed, shell), the exercise's searchable copy of
    # its steps and its updated_at follow, so search and ETags never go stale.
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.exercise.refresh_steps_text()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.exercise.refresh_steps_text()
        return result


class RoutineQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        return self if user.is_staff else self.published()

    def with_items(self, user):
        """A routine with its items and their exercises, in three queries whatever its size."""
        exercises = Exercise.objects.visible_to(user)
        items = RoutineItem.objects.filter(exercise__in=exercises).select_related("exercise")
        return self.prefetch_related(Prefetch("items", queryset=items))


class Routine(Reviewable):
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField("one-line summary", max_length=200)
    who_for = models.TextField("who it is for")
    minutes = models.PositiveSmallIntegerField("estimated minutes")
    how_often = models.CharField(max_length=120, default="Once a day")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    title_es = models.CharField("title (Spanish)", max_length=120, blank=True)
    summary_es = models.CharField("one-line summary (Spanish)", max_length=200, blank=True)
    who_for_es = models.TextField("who it is for (Spanish)", blank=True)
    how_often_es = models.CharField("how often (Spanish)", max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoutineQuerySet.as_manager()

    class Meta:
        ordering = ["minutes", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exercises:routine", kwargs={"slug": self.slug})

    def get_print_url(self) -> str:
        return reverse("exercises:routine_print", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    TRANSLATED_FIELDS = ("title", "summary", "who_for", "how_often")

    def review_parts(self, language: str = "en") -> list:
        # Every item, including draft exercises the public does not see, in a query of its own:
        # the version must not depend on who is looking.
        note = "note_es" if language == "es" else "note"
        items = RoutineItem.objects.filter(routine=self).values_list(
            "exercise__slug", "reps", "sets", "hold_seconds", note
        )
        text = Shown(self, language)
        return [text.title, text.summary, text.who_for, self.minutes, text.how_often, *items]

    def spanish_missing(self) -> list[str]:
        missing = super().spanish_missing()
        if any(item.note and not item.note_es.strip() for item in self.items.all()):
            missing.append("item notes")
        return missing


class RoutineItem(ItemDosage, models.Model):
    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="routine_items")
    order = models.PositiveSmallIntegerField(default=0)
    reps = models.PositiveSmallIntegerField(
        "repetitions", null=True, blank=True, help_text="Blank: the exercise's default."
    )
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    note_es = models.CharField("note (Spanish)", max_length=200, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.routine}: {self.exercise}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        Routine.objects.filter(pk=self.routine_id).update(updated_at=timezone.now())

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        Routine.objects.filter(pk=self.routine_id).update(updated_at=timezone.now())
        return result

    def shown_note(self) -> str:
        return self.note_es if self.routine.shown_language == "es" else self.note


class ContentReview(models.Model):
    """A clinician's review of one version of an exercise or a routine, recorded in the admin.

    Only `exercises.services.record_review` writes these: the reviewer is the signed-in staff user,
    the date is the server's, and the version is the fingerprint of the text they read. Nobody can
    type a name or a date, so the public pages can only ever name a real review.
    """

    exercise = models.ForeignKey(
        Exercise, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    routine = models.ForeignKey(
        Routine, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="content_reviews"
    )
    # The reviewer's name as it was when they signed the review, as a signature is.
    reviewer_name = models.CharField(max_length=150)
    credentials = models.CharField(max_length=120, help_text="e.g. PT, DPT")
    reviewed_on = models.DateField()
    content_version = models.CharField(max_length=64)
    # The language of the text reviewed: a Spanish translation needs its own review.
    language = models.CharField(
        max_length=2, choices=[("en", "English"), ("es", "Spanish")], default="en"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        # No add or change permission: reviews are recorded through their own view, never typed.
        default_permissions = ("view",)
        permissions = [("record_review", "Can record a clinical review")]
        constraints = [
            models.CheckConstraint(
                condition=Q(exercise__isnull=False, routine__isnull=True)
                | Q(exercise__isnull=True, routine__isnull=False),
                name="review_of_one_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} reviewed by {self.reviewer_name} on {self.reviewed_on}"

    @property
    def item(self) -> Exercise | Routine:
        return self.exercise or self.routine

    @property
    def signed(self) -> str:
        return f"{self.reviewer_name}, {self.credentials}"

    @property
    def due_on(self) -> datetime.date:
        return self.reviewed_on + REVIEW_INTERVAL


def content_stamp() -> tuple[str, datetime.datetime | None]:
    """A version string and a last-modified time for the whole library, in three queries.

    The version changes whenever staff add, edit or delete any exercise, step, routine or item
    (steps and items touch their parent's updated_at; counts catch deletions), or record a review.
    """
    ex = Exercise.objects.aggregate(last=Max("updated_at"), n=Count("pk"))
    ro = Routine.objects.aggregate(last=Max("updated_at"), n=Count("pk"))
    rv = ContentReview.objects.aggregate(last=Max("recorded_at"), n=Count("pk"))
    version = f"{ex['last']}|{ex['n']}|{ro['last']}|{ro['n']}|{rv['last']}|{rv['n']}"
    stamps = [s for s in (ex["last"], ro["last"]) if s]
    return version, max(stamps) if stamps else None


# Public pages read the stamp through the cache: two aggregate queries per page view would cost more
# than rendering a cached page (bench/README.md). Any save or delete in this app clears it at once
# (exercises.apps); with the local-memory cache of a single machine, other web processes may serve
# the previous version for up to this long. With Redis (REDIS_URL) the clearing reaches every process.
STAMP_CACHE_KEY = "exercises:content-stamp"
STAMP_CACHE_SECONDS = 5


def cached_content_stamp() -> tuple[str, datetime.datetime | None]:
    stamp = cache.get(STAMP_CACHE_KEY)
    if stamp is None:
        stamp = content_stamp()
        cache.set(STAMP_CACHE_KEY, stamp, STAMP_CACHE_SECONDS)
    return stamp


def forget_content_stamp(**kwargs) -> None:
    """Signal receiver: the library changed."""
    cache.delete(STAMP_CACHE_KEY)


# --- Home programmes: exercises chosen by staff for one patient -----------------------------------

# No 0/O, 1/I/L or U: a code read aloud on the phone or copied from paper comes through.
PROGRAMME_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PROGRAMME_CODE_LENGTH = 8


def new_programme_code() -> str:
    return "".join(secrets.choice(PROGRAMME_CODE_ALPHABET) for _ in range(PROGRAMME_CODE_LENGTH))


def normalise_programme_code(text: str) -> str:
    """What a patient types ("abcd-efgh", " ABCD EFGH ") as the stored code."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class Programme(models.Model):
    """A home programme: exercises and dosage chosen by staff for one patient, opened by its code.

    It holds no name or health data: the code, on the patient's printed sheet, is the only link to
    the patient. Anyone with the code can read the programme, so the note must not name anyone.
    """

    code = models.CharField(
        max_length=PROGRAMME_CODE_LENGTH, unique=True, default=new_programme_code, editable=False
    )
    note = models.TextField(
        "note for the patient",
        blank=True,
        max_length=600,
        help_text=(
            "Plain advice, for example when to do the exercises. No name or health details: "
            "anyone with the code can read this."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "home programme"

    def __str__(self) -> str:
        return f"Programme {self.display_code}"

    def get_absolute_url(self) -> str:
        return reverse("exercises:programme", args=[self.code])

    @property
    def display_code(self) -> str:
        half = PROGRAMME_CODE_LENGTH // 2
        return f"{self.code[:half]}-{self.code[half:]}"


class ProgrammeItem(ItemDosage, models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(
        Exercise,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"status": Status.PUBLISHED},
    )
    order = models.PositiveSmallIntegerField(default=0)
    reps = models.PositiveSmallIntegerField(
        "repetitions", null=True, blank=True, help_text="Blank: the exercise's default."
    )
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.programme}: {self.exercise}"
