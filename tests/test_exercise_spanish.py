"""The exercise library in Spanish: its own text, its own review, its own search configuration.

Spanish pages are asked for as a browser would (Accept-Language) at the URL `reverse` gives in Spanish,
so these tests hold both with and without language-prefixed URLs (`/es/...`).
"""

import json
import re
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from exercises.models import Exercise, Routine, Step, dosage_lines
from exercises.roles import CLINICAL_REVIEWER, create_clinical_reviewer_role
from exercises.seed_content import EXERCISES, ROUTINES
from exercises.seed_content_es import EXERCISES as EXERCISES_ES
from exercises.services import record_review
from tests.triage_support import staff_user

pytestmark = pytest.mark.django_db

AWAITING_ES = "La versión en español de esta página está pendiente de revisión"


def get(client, language: str, name: str, *args, **params):
    """A page in `language`, as a browser set to that language asks for it."""
    with translation.override(language):
        url = reverse(name, args=args)
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == HTTPStatus.OK, url
    return response


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def clinician():
    if not Group.objects.filter(name=CLINICAL_REVIEWER).exists():
        create_clinical_reviewer_role(apps)
    user = staff_user("ana@example.org", first_name="Ana", last_name="Lopez")
    user.groups.add(Group.objects.get(name=CLINICAL_REVIEWER))
    return user


def review(item, clinician, language: str):
    return record_review(
        item=item,
        reviewer=clinician,
        credentials="PT",
        version_read=item.content_version(language),
        language=language,
    )


def test_the_spanish_page_shows_spanish_and_awaits_its_own_review_when_english_is_reviewed(
    client, seeded, clinician
):
    exercise = Exercise.objects.get(slug="knee-to-chest")
    review(exercise, clinician, "en")

    english = text_of(get(client, "en", "exercises:exercise", "knee-to-chest"))
    assert "Checked by <strong>Ana Lopez, PT</strong>" in english
    assert "Knee-to-chest stretch" in english

    spanish = text_of(get(client, "es", "exercises:exercise", "knee-to-chest"))
    assert '<h1 id="exercise-title">Estiramiento de rodilla al pecho</h1>' in spanish
    assert "Jale la rodilla despacio hacia el pecho" in spanish  # a step
    assert "Pare y pida consejo si…" in spanish
    assert "El dolor baja por la pierna más abajo de la rodilla." in spanish  # a stop sign
    assert "es normal sentir un dolor leve que se calma en un día" in spanish  # discomfort
    assert "<li>Aguante 20 segundos.</li><li>Hágalo 3 veces.</li>" in spanish
    assert "<li>Haga esto 2 veces al día.</li>" in spanish
    assert AWAITING_ES in spanish
    assert "Revisado por" not in spanish
    assert "Ana Lopez" not in spanish
    assert "Knee-to-chest stretch" not in spanish


def test_a_spanish_review_is_shown_in_spanish_and_a_spanish_edit_ends_only_it(
    client, seeded, clinician
):
    exercise = Exercise.objects.get(slug="bird-dog")
    review(exercise, clinician, "en")
    review(Exercise.objects.get(pk=exercise.pk), clinician, "es")

    spanish = text_of(get(client, "es", "exercises:exercise", "bird-dog"))
    assert "Revisado por <strong>Ana Lopez, PT</strong> el" in spanish
    assert AWAITING_ES not in spanish
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', spanish).group(1))
    assert data["inLanguage"] == "es-US"
    assert "lastReviewed" in data

    step = Step.objects.filter(exercise=exercise).first()
    step.text_es = step.text_es + " Despacio."
    step.save()
    spanish = text_of(get(client, "es", "exercises:exercise", "bird-dog"))
    english = text_of(get(client, "en", "exercises:exercise", "bird-dog"))
    assert AWAITING_ES in spanish
    assert "Checked by <strong>Ana Lopez, PT</strong>" in english


def test_an_exercise_with_unfinished_spanish_shows_whole_in_english_with_a_note(client, seeded):
    exercise = Exercise.objects.get(slug="lunge")
    exercise.stop_if_es = ""  # half a translation must never mix Spanish steps and English warnings
    exercise.save()

    spanish = text_of(get(client, "es", "exercises:exercise", "lunge"))
    assert "todavía no está traducida al español, así que se muestra en inglés" in spanish
    assert '<article class="exercise prose-wide" aria-labelledby="exercise-title" lang="en">' in (
        spanish
    )
    assert "Lunge with a straight back" in spanish
    assert "Dé un paso grande" not in spanish
    assert "This page awaits review by the clinic's team." in spanish

    library = text_of(get(client, "es", "exercises:library"))
    assert '<span lang="en">Lunge with a straight back</span>' in library
    assert "Solo en inglés" in library
    assert '<span lang="es">Puente</span>' in library


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("rodilla", {"knee-to-chest"}),
        ("sillas", {"seated-core-bracing", "hamstring-stretch", "sit-to-stand"}),
    ],
)
def test_a_spanish_search_uses_the_spanish_configuration(client, seeded, words, expected):
    found = {e.slug for e in Exercise.objects.search(words, "es")}
    assert expected <= found
    # "sillas" finds "silla" only through Spanish stemming; the English configuration does not.
    if words == "sillas":
        assert not Exercise.objects.search(words, "en").exists()

    page = get(client, "es", "exercises:library", q=words)
    assert expected <= {e.slug for e in page.context["exercises"]}
    assert "Encontrado en:" in text_of(page)


def test_the_library_search_for_rodilla_ranks_the_knee_exercise_first(client, seeded):
    page = get(client, "es", "exercises:library", q="rodilla")
    exercises = page.context["exercises"]
    assert exercises[0].slug == "knee-to-chest"
    assert "rodilla" in exercises[0].headline.lower()


def test_the_english_and_spanish_pages_at_one_address_are_cached_apart(client, seeded):
    english = get(client, "en", "exercises:exercise", "glute-bridge")
    spanish = get(client, "es", "exercises:exercise", "glute-bridge")
    again = get(client, "en", "exercises:exercise", "glute-bridge")
    assert '<h1 id="exercise-title">Bridge</h1>' in english.content.decode()
    assert '<h1 id="exercise-title">Puente</h1>' in spanish.content.decode()
    assert again.content == english.content
    assert english["ETag"] != spanish["ETag"]


def test_the_admin_shows_each_text_beside_its_spanish(admin_client, seeded):
    exercise = Exercise.objects.get(slug="core-bracing")
    page = admin_client.get(f"/admin/exercises/exercise/{exercise.pk}/change/")
    html = page.content.decode()
    for name in ["title", "summary", "why_it_helps", "stop_if", "precautions", "feel"]:
        assert f"field-{name} field-{name}_es" in html, name
    assert 'name="steps-0-text_es"' in html
    assert "Review the Spanish version" in html

    routine = Routine.objects.get(slug="gentle-start")
    html = admin_client.get(f"/admin/exercises/routine/{routine.pk}/change/").content.decode()
    assert "field-title field-title_es" in html
    assert 'name="items-2-note_es"' in html


def test_a_clinician_records_a_review_of_the_spanish_version_from_the_admin(
    client, seeded, clinician
):
    from tests.triage_support import otp_login

    otp_login(client, clinician)
    exercise = Exercise.objects.get(slug="walking")
    url = f"/admin/exercises/exercise/{exercise.pk}/review/"
    form = client.get(url, {"language": "es"})
    assert "Spanish version" in form.content.decode()
    response = client.post(
        url,
        {
            "credentials": "PT",
            "checked": "on",
            "version": form.context["form"]["version"].value(),
            "language": "es",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    (recorded,) = exercise.reviews.all()
    assert recorded.language == "es"
    assert recorded.content_version == exercise.content_version("es")
    assert recorded.content_version != exercise.content_version("en")


def test_the_seed_loads_every_exercise_and_routine_in_both_languages(seeded):
    assert Exercise.objects.count() == len(EXERCISES) == 13
    for exercise in Exercise.objects.prefetch_related("steps"):
        assert exercise.has_spanish, (exercise.slug, exercise.spanish_missing())
        english = next(e for e in EXERCISES if e["slug"] == exercise.slug)
        assert [s.text for s in exercise.steps.all()] == english["steps"]
        assert [s.text_es for s in exercise.steps.all()] == EXERCISES_ES[exercise.slug]["steps"]
        # Every warning sign and precaution is carried over, one for one.
        assert len(exercise.stop_if_es.splitlines()) == len(english["stop_if"])
        assert len(exercise.precautions_es.splitlines()) == len(english["precautions"])
    assert Routine.objects.count() == len(ROUTINES) == 3
    for routine in Routine.objects.prefetch_related("items"):
        assert routine.has_spanish, routine.slug
    walking = Routine.objects.get(slug="gentle-start").items.get(exercise__slug="walking")
    assert walking.note_es == "Camine 5 minutos."


def plan_of(response) -> dict:
    found = re.search(
        r'<script id="player-plan" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def test_the_player_plan_and_its_words_are_in_spanish_on_the_spanish_page(client, seeded):
    response = get(client, "es", "exercises:routine_player", "gentle-start")
    plan = plan_of(response)
    assert plan["title"] == "Comienzo suave: 10 minutos al día"
    assert [item["title"] for item in plan["items"]] == [
        "Gato y camello",
        "Inclinación de la pelvis",
        "Apretar el abdomen (activar el centro del cuerpo)",
        "Estiramiento de rodilla al pecho",
        "Caminar",
    ]
    _, tilt, _, _, walking = plan["items"]
    assert tilt["lang"] == "es"
    assert tilt["steps"][0] == "Acuéstese boca arriba sobre una colchoneta o una alfombra."
    assert tilt["stop_if"][0] == "Siente un dolor agudo en la espalda."
    assert tilt["dosage"] == ["Aguante 5 segundos.", "Hágalo 10 veces."]
    assert walking["dosage"] == ["Camine 5 minutos."]
    strings = json.loads(
        re.search(
            r'<script id="player-strings" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    assert strings["button_ready"] == "Empezar"
    assert strings["hold"] == "Aguante {rep} de {reps}{sets}"

    english = plan_of(get(client, "en", "exercises:routine_player", "gentle-start"))
    assert english["items"][1]["title"] == "Pelvic tilt"
    assert english["items"][1]["lang"] == "en"


def test_dosage_is_said_in_the_active_language():
    kwargs = {"reps": 10, "sets": 2, "hold_seconds": 1, "times_per_day": 1}
    with translation.override("es"):
        assert dosage_lines(**kwargs) == [
            "Aguante 1 segundo.",
            "Hágalo 10 veces.",
            "Descanse y después repita eso hasta hacerlo 2 veces en total.",
            "Haga esto una vez al día.",
        ]
    with translation.override("en"):
        assert dosage_lines(**kwargs)[0] == "Hold for 1 second."


# Spanish readability (content guide: plain words), by textstat 0.7.8. Fernández Huerta 80 and up
# reads as "easy" (about US grade 6); Szigriszt-Pazos 75 and up as "fairly easy". The seed measured
# 86 to 98 and 82 to 95 (the library page is the hardest, with its filter labels).
MIN_FERNANDEZ_HUERTA = 80.0
MIN_SZIGRISZT_PAZOS = 75.0


def test_every_spanish_exercise_page_reads_plainly_in_spanish(client, seeded):
    import textstat

    from tests.test_plain_words import VisibleText, as_text

    with translation.override("es"):
        urls = [reverse("exercises:library")]
        for item in [*Exercise.objects.published(), *Routine.objects.published()]:
            urls += [item.get_absolute_url(), item.get_print_url()]
    scores = {}
    textstat.set_lang("es")
    try:
        for url in urls:
            # In override: the request activates Spanish in this thread, and override undoes it.
            with translation.override("es"):
                response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
            parser = VisibleText()
            parser.feed(response.content.decode())
            parser.flush()
            text = as_text(parser.blocks)
            scores[url] = (textstat.fernandez_huerta(text), textstat.szigriszt_pazos(text))
    finally:
        textstat.set_lang(
            "en_US"
        )  # textstat's language is global: leave it as the other tests expect
    assert len(scores) == 1 + 2 * (13 + 3)
    too_hard = {
        url: score
        for url, score in scores.items()
        if score[0] < MIN_FERNANDEZ_HUERTA or score[1] < MIN_SZIGRISZT_PAZOS
    }
    assert too_hard == {}


def test_the_sitemap_offers_an_item_in_spanish_only_once_its_spanish_is_complete(seeded):
    from exercises.sitemaps import ExerciseSitemap, RoutineSitemap

    sitemap = ExerciseSitemap()
    exercises = {e.slug: e for e in sitemap.items()}
    assert len(exercises) == 13
    assert sitemap.get_languages_for_item(exercises["lunge"]) == ["en", "es"]
    Step.objects.filter(exercise__slug="lunge", order=1).update(text_es="")
    exercises = {e.slug: e for e in sitemap.items()}
    assert sitemap.get_languages_for_item(exercises["lunge"]) == ["en"]
    assert sitemap.get_languages_for_item(exercises["walking"]) == ["en", "es"]
    routines = RoutineSitemap()
    assert all(routines.get_languages_for_item(r) == ["en", "es"] for r in routines.items())


def test_the_librarys_kept_cards_and_frame_are_kept_per_language(client, seeded):
    english = text_of(get(client, "en", "exercises:library"))
    spanish = text_of(get(client, "es", "exercises:library"))
    search_en = text_of(get(client, "en", "exercises:library", q="knee"))
    search_es = text_of(get(client, "es", "exercises:library", q="rodilla"))
    assert '<span lang="en">Bridge</span>' in english
    assert "Exercises for lower back pain</h1>" in english
    assert '<span lang="es">Puente</span>' in spanish
    assert "Ejercicios para el dolor de espalda baja</h1>" in spanish
    assert "Bridge" not in spanish
    assert "Matched in: title" in search_en
    assert "Encontrado en: el título" in search_es
    assert "“rodilla”" in search_es


def test_each_languages_fingerprint_follows_its_own_text_and_the_shared_numbers(seeded):
    exercise = Exercise.objects.prefetch_related("steps").get(slug="glute-bridge")
    english, spanish = exercise.content_version("en"), exercise.content_version("es")
    assert english != spanish
    exercise.feel = "Something else."
    assert exercise.content_version("en") != english
    assert exercise.content_version("es") == spanish
    exercise.feel_es = "Otra cosa."
    assert exercise.content_version("es") != spanish
    exercise.reps = 99  # the dosage is the same in both languages: both need checking again
    changed = exercise.content_version("es")
    exercise.reps = 98
    assert exercise.content_version("es") != changed
