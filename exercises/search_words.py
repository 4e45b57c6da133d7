"""The library's search words parsed in Python exactly as Postgres 15 parses them, for plain words.

`websearch_to_tsquery(config, words)::text` costs a round trip to Postgres (0.15-1.2 ms of CPU in
driver and backend, bench/README.md) and is often all a search page needs, when a search of the same
shape was kept (exercises/models.py). For the words most searches are made of, its result is simple
to reproduce:

- words separated by spaces, each a run of letters (ASCII, or the lower-case Spanish á é í ó ú ü ñ)
  and digits, optionally after one "-" (NOT), make `'lexeme' & !'lexeme' & ...` in their order;
- a word of letters (parser token `asciiword` or `word`) goes to the config's Snowball dictionary:
  lower-cased, dropped if it is a stop word, else stemmed; a word of digits (`uint`), or of letters
  then digits (`numword`), goes to `simple`: lower-cased as it is. A stop word is dropped with its
  "-"; all stop words make an empty query.

Anything else returns None and Postgres parses the words: quotes, `or`, punctuation, hyphens,
apostrophes, dots, @, upper-case non-ASCII letters, a word that starts with a digit and has letters
(the parser reads `12e3x` as a number and a word), two "-", other white space, a word of more than
100 characters. Parity with Postgres is proved by tests/test_exercise_search_words.py (every word
of the seeded content and of the installed catalogues, with endings added, and random queries, against
the server) and checked in each process against the server it runs on (`probe`, called by
exercises.models.library_lexemes).

Snowball: PyStemmer 2.2.0.3 is Snowball 2.2.0, the version PostgreSQL 15 bundles (3.x stems ~0.2 %
of English words differently: "added" -> "add", Postgres 15 "ad"). The stop lists are PostgreSQL
15's, copied in tsearch_data/ (see its README).
"""

import functools
import re
import threading
from pathlib import Path

import Stemmer

_STOP_LISTS = Path(__file__).parent / "tsearch_data"
# Postgres's configurations the library uses -> Snowball's algorithm and the stop list's file.
LANGUAGES = {"english": "english", "spanish": "spanish"}

# The whole search: plain words separated by spaces (the form strips the ends).
_PLAIN = re.compile(r"-?[A-Za-z0-9áéíóúüñ]+(?: +-?[A-Za-z0-9áéíóúüñ]+)*")
_WORD = re.compile(r"(-?)([A-Za-z0-9áéíóúüñ]+)")
_LETTERS = re.compile(r"[a-záéíóúüñ]+")
_DIGITS = re.compile(r"[0-9]+")
_NUMWORD = re.compile(r"[a-záéíóúüñ][a-z0-9áéíóúüñ]*")
# The search form's limit, far within Postgres's own (a parser token 2,047 bytes, a stem 1,000).
MAX_WORD = 100


@functools.cache
def stop_words(config: str) -> frozenset[str]:
    return frozenset((_STOP_LISTS / f"{config}.stop").read_text(encoding="utf-8").split())


# A PyStemmer object keeps a cache of its own and is not thread-safe: one per thread (gthread).
_stemmers = threading.local()


@functools.lru_cache(maxsize=4096)
def _lexeme(config: str, word: str) -> str:
    """A lower-case word's lexeme in `config`, "" for a stop word (ts_lexize of its dictionary)."""
    if _DIGITS.fullmatch(word) or not _LETTERS.fullmatch(word):
        return word  # uint or numword: the simple dictionary, no stop words
    if word in stop_words(config):
        return ""
    stemmer = getattr(_stemmers, config, None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer(LANGUAGES[config])
        setattr(_stemmers, config, stemmer)
    return stemmer.stemWord(word)


def parse_websearch(words: str, config: str) -> str | None:
    """`websearch_to_tsquery(config, words)::text` for plain words, None for anything else."""
    if config not in LANGUAGES or not _PLAIN.fullmatch(words):
        return None
    parts = []
    for negated, word in _WORD.findall(words):
        # Only ASCII is lower-cased here: every non-ASCII letter _PLAIN lets through is lower case.
        word = word.lower()
        if (
            len(word) > MAX_WORD
            or word == "or"
            or not (_DIGITS.fullmatch(word) or _NUMWORD.fullmatch(word))
        ):
            return None  # "or" is websearch's operator; "1zz" may not be one token
        lexeme = _lexeme(config, word)
        if lexeme:
            parts.append(f"!'{lexeme}'" if negated else f"'{lexeme}'")
    return " & ".join(parts)


# Fixed texts whose parse is compared with Postgres's once per process and content version: every
# stop word (in lower and title case), digits, numwords, and words whose stems changed between
# Snowball versions (Snowball 3 stems "added" "add", 2.2 "ad"). A server that parses any of them
# differently (another version, other stop lists, a Turkish locale's "I") turns the fast path off.
_STEMMED = {
    "english": "Added adding anthropologists generously Ice kneeling knees hips bridging "
    "stretches stretching relaxation flexibility strengthen gently lying exercises",
    "spanish": "Eliminacion rodillas caderas estiramientos suavemente acostado ejercicios "
    "fortalecer flexibilidad relajación pingüino años espalda",
}


def probe(config: str) -> str:
    stops = sorted(stop_words(config) - {"or"})  # websearch's operator, not a word
    return " ".join(
        [
            *stops,
            *(f"-{word.capitalize()}" for word in stops if word.isascii()),
            _STEMMED[config],
            "12 -2026 zz1 -zz123 Knee1 x9y",
        ]
    )
