"""Plain search words are parsed in Python exactly as Postgres parses them (websearch_to_tsquery),
so a search whose shape was kept costs no query; anything else is parsed by Postgres; a server that
parses the probe text otherwise turns the Python parse off."""

import logging
import random
import re
from pathlib import Path

import django
import pytest
import Stemmer
from django.db import connection
from django.urls import reverse
from django.utils import translation

from exercises import models, search_words
from exercises.models import SEARCH_CONFIGS, Exercise, library_lexemes, search_query_text
from exercises.search_words import parse_websearch, probe, stop_words

pytestmark = pytest.mark.django_db

CONFIGS = sorted(set(SEARCH_CONFIGS.values()))
# Runs of letters as the fast path takes them (ASCII in any case, Spanish letters in lower case).
LETTERS = re.compile(r"[A-Za-záéíóúüñ]+")
# Debian's word lists (wamerican, wspanish; `make test` installs them: `make wordlists`).
DICTIONARIES = {
    "english": Path("/usr/share/dict/american-english"),
    "spanish": Path("/usr/share/dict/spanish"),
}


def postgres_parse(config: str, texts: list[str]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SET client_min_messages = warning")  # "only stop words" notices
        cursor.execute(
            "SELECT t, websearch_to_tsquery(%s::regconfig, t)::text FROM unnest(%s::text[]) t",
            [config, texts],
        )
        return dict(cursor.fetchall())


def assert_same_parse(config: str, texts: list[str]) -> int:
    """Every text the Python parse accepts is parsed as Postgres parses it; how many it accepted."""
    postgres = postgres_parse(config, texts)
    accepted = {t: parse_websearch(t, config) for t in texts}
    accepted = {t: parsed for t, parsed in accepted.items() if parsed is not None}
    differ = {t: (parsed, postgres[t]) for t, parsed in accepted.items() if parsed != postgres[t]}
    assert not differ, list(differ.items())[:20]
    return len(accepted)


def catalogue_words(language: str) -> set[str]:
    """Words of the Spanish translation catalogues of the installed packages (Django's and others):
    their English messages, or their Spanish."""
    site_packages = Path(django.__file__).parent.parent
    key = "msgid" if language == "en" else "msgstr"
    text = []
    for po in site_packages.glob("**/locale/es/LC_MESSAGES/*.po"):
        lines = po.read_text(encoding="utf-8", errors="replace").splitlines()
        # A continuation line may be either's: a word of the other language is a test case too.
        text += [line for line in lines if line.startswith((key, '"'))]
    return set(LETTERS.findall("\n".join(text)))


def seeded_words(language: str) -> set[str]:
    suffix = "_es" if language == "es" else ""
    fields = [f"{name}{suffix}" for name in ("title", "summary", "steps_text", "why_it_helps")]
    text = " ".join(" ".join(row) for row in Exercise.objects.values_list(*fields))
    return set(LETTERS.findall(text))


# Endings that exercise the stemmers' rules, added to every word to make more words.
ENDINGS = {
    "english": ["s", "es", "ed", "ing", "ly", "ness", "ment", "ation", "ful", "ous", "izing", "er"],
    "spanish": ["s", "es", "mente", "ción", "ciones", "ando", "iendo", "ado", "ada", "ar", "ía"],
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_word_of_the_library_and_the_catalogues_is_parsed_as_postgres_does(seeded, language):
    config = SEARCH_CONFIGS[language]
    words = {word.lower() for word in seeded_words(language) | catalogue_words(language)}
    words |= {word + ending for word in words for ending in ENDINGS[config]}
    words |= {word.capitalize() for word in words}
    words |= stop_words(config) | {f"-{word}" for word in stop_words(config)}
    words |= set(LETTERS.findall(DICTIONARIES[config].read_text(encoding="utf-8")))
    accepted = assert_same_parse(config, sorted(words))
    # Nearly all of them are taken by the fast path (only upper-case accents are not).
    assert accepted > 0.95 * len(words) > 70_000


def random_words(rng: random.Random, config: str) -> str:
    extra = [
        "knee",
        "Knees",
        "stretching",
        "rodillas",
        "estiramiento",
        "pingüino",
        "año",
        "or",
        "OR",
        "and",
        "y",
        "o",
    ]
    pool = [*sorted(stop_words(config)), *extra]
    words = []
    for _ in range(rng.randrange(1, 7)):
        kind = rng.random()
        if kind < 0.4:
            word = rng.choice(pool)
        elif kind < 0.55:
            word = str(rng.randrange(10 ** rng.randrange(1, 25)))
        elif kind < 0.85:
            word = "".join(rng.choices("abexyzñé0123456789", k=rng.randrange(1, 8)))
        else:
            word = "".join(rng.choices("ab1-'\".@_:&|!()<>*ÉÑ\t", k=rng.randrange(1, 5)))
        word = rng.choice([word, word, word.upper(), word.capitalize()])
        words.append(rng.choice(["", "", "-", "--"]) + word)
    return " ".join(words).strip()


@pytest.mark.parametrize("config", CONFIGS)
def test_random_searches_are_parsed_as_postgres_does_or_left_to_it(config):
    rng = random.Random(20)
    texts = sorted({random_words(rng, config) for _ in range(6000)} | {probe(config)})
    # Many are not plain words (they are left to Postgres); over a thousand are.
    assert assert_same_parse(config, texts) > 1000


@pytest.mark.parametrize("config", CONFIGS)
def test_the_probe_is_all_plain_words(config):
    assert len(parse_websearch(probe(config), config)) > 100


@pytest.mark.parametrize(
    "words",
    [
        '"knee bend"',
        "knee or hip",
        "knee OR hip",
        "knee -or",
        "knee-bend",
        "knee -zz1-5",
        "12e3x",
        "1zz",
        "o'neil",
        "knee.",
        "a.b",
        "me@example",
        "Ñandú",
        "--knee",
        "knee -",
        "knee\thip",
        "knee  & hip",
        "x" * 101,
    ],
)
def test_anything_but_plain_words_is_left_to_postgres(words):
    assert parse_websearch(words, "english") is None


def test_plain_words_are_stemmed_negated_and_stop_words_dropped():
    assert parse_websearch("Knees -the -zz123 12 zz1 knees", "english") == (
        "'knee' & !'zz123' & '12' & 'zz1' & 'knee'"
    )
    assert parse_websearch("the and -of", "english") == ""
    assert parse_websearch("rodillas -pingüino de la", "spanish") == "'rodill' & !'pingüin'"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_search_of_a_kept_shape_with_a_new_word_runs_no_query(
    client, seeded, django_assert_num_queries, language
):
    with translation.override(language):
        library = reverse("exercises:library")
    first = client.get(library, {"q": "knee -zz1" if language == "en" else "rodilla -zz1"})
    with django_assert_num_queries(0):
        again = client.get(library, {"q": first.wsgi_request.GET["q"].replace("zz1", "zz2")})
    assert again.content == first.content.replace(b"zz1", b"zz2")


class Snowball3Stemmer:
    """PyStemmer as its 3.x releases stem: "added" -> "add" (Snowball 2.2 and Postgres 15: "ad")."""

    Snowball22 = Stemmer.Stemmer

    def __init__(self, language):
        self.stemmer = self.Snowball22(language)

    def stemWord(self, word):  # PyStemmer's name
        return "add" if word == "added" else self.stemmer.stemWord(word)


@pytest.fixture
def fresh_parse_state(monkeypatch):
    """This process as if new: nothing checked, nothing refused, no stem remembered."""
    monkeypatch.setattr(models, "_parsed_in_python", set())
    monkeypatch.setattr(models, "_parse_refused", set())
    monkeypatch.setattr(search_words, "_stemmers", search_words.threading.local())
    search_words._lexeme.cache_clear()
    yield
    search_words._lexeme.cache_clear()


def test_words_are_parsed_in_python_only_once_the_server_parsed_the_probe_the_same(
    fresh_parse_state, django_assert_num_queries
):
    with django_assert_num_queries(1):
        search_query_text("knee -zz1")
    library_lexemes("en")
    with django_assert_num_queries(0):
        assert search_query_text("knee -zz1") == "'knee' & !'zz1'"
    with django_assert_num_queries(1):  # Spanish: not checked yet
        search_query_text("rodilla -zz1", "es")


def test_a_server_that_parses_the_probe_otherwise_turns_the_python_parse_off(
    fresh_parse_state, monkeypatch, caplog, django_assert_num_queries
):
    library_lexemes("es")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_words.Stemmer, "Stemmer", Snowball3Stemmer)
        with caplog.at_level(logging.WARNING, logger="exercises.models"):
            library_lexemes("en")
    assert caplog.messages == [
        "Search words parsed in Python differ from Postgres's parse (english configuration): "
        "Postgres parses every search in this process"
    ]
    with django_assert_num_queries(1):
        assert search_query_text("knee -zz1") == "'knee' & !'zz1'"
    with django_assert_num_queries(0):  # Spanish still agrees
        search_query_text("rodilla -zz1", "es")
    # Refused for the process's life, even if a later check agrees (the stemmer put back).
    monkeypatch.setattr(search_words, "_stemmers", search_words.threading.local())
    search_words._lexeme.cache_clear()
    library_lexemes("en")
    with django_assert_num_queries(1):
        search_query_text("knee -zz1")
