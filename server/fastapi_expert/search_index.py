"""A small BM25 index for a few dozen markdown documents, tolerant of typos and common synonyms.

Why hand-written: the corpus is tiny (the knowledge base, the prompts), so the textbook Okapi BM25 below (k1=1.5,
b=0.75, the non-negative idf of Lucene) is a dozen lines, needs no numpy (rank-bm25 and bm25s import it, which costs
start-up time for no gain at this size), and lets each field carry a weight (a title term counts three times).
The pieces that are easy to get wrong are libraries: stemming is Snowball's English stemmer (``snowballstemmer``), and
typo tolerance matches an unknown query term to the closest vocabulary term with ``rapidfuzz``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Protocol

import snowballstemmer

__all__ = ["SYNONYMS", "SearchIndex", "tokenize", "words"]

_K1 = 1.5
_B = 0.75
#: An unknown query word this similar to a vocabulary word (normalized Damerau-Levenshtein similarity, which counts a
#: swap of two letters as one edit) is read as that word; ties go to the word more documents use.
_TYPO_CUTOFF = 0.75
_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|\d+")
_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_STOP_WORDS = frozenset(
    (
        "a an and are as at be but by can do does for from has have how i if in into is it its my of on or our so "
        "that the their then there these this to was we what when where which while who why will with you your"
    ).split()
)

#: Words people use for the same thing. Each group is expanded both ways at query time.
SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "auth authentication authenticate login signin",
        "authorization authorize permission permissions role roles scope scopes rbac",
        "ws websocket websockets realtime socket",
        "db database sql sqlalchemy orm",
        "jwt token bearer",
        "pydantic model schema",
        "test tests testing pytest testclient",
        "deploy deployment production docker container",
        "env environment settings config configuration",
        "startup shutdown lifespan",
        "paginate pagination paging page offset cursor",
        "upload uploads multipart file files",
        "cache caching etag",
        "throttle throttling ratelimit ratelimiting",
        "log logs logging",
        "migrate migration upgrade v1",
        "error errors exception exceptions handler",
        "background task tasks queue celery rq",
        "stream streaming sse",
        "proxy nginx forwarded",
        "cors origin origins",
        "di dependency dependencies depends inject injection",
        "crud create read update delete",
        "validate validation validator validators",
        "apikey api_key",
    )
)


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


@lru_cache(maxsize=1)
def _stemmer() -> _Stemmer:
    stemmer: _Stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``: each identifier whole, and its camelCase/snake_case parts when it has several."""
    found: list[str] = []
    for token in _TOKEN.findall(text):
        parts = [part.lower() for piece in token.split("_") for part in _WORD.findall(piece)]
        candidates = [token.lower().replace("_", "")]
        if len(parts) > 1:
            candidates += parts
        found += [word for word in candidates if word not in _STOP_WORDS and len(word) > 1]
    return found


def tokenize(text: str) -> list[str]:
    """The stems of ``words(text)``."""
    return [_stem(word) for word in words(text)]


@lru_cache(maxsize=1)
def _synonym_map() -> dict[str, frozenset[str]]:
    mapping: dict[str, set[str]] = {}
    for group in SYNONYMS:
        stems = {stem for word in group for stem in tokenize(word)}
        for stem in stems:
            mapping.setdefault(stem, set()).update(stems)
    return {stem: frozenset(group) for stem, group in mapping.items()}


class SearchIndex:
    """BM25 over weighted fields. ``documents`` maps an id to its ``(text, weight)`` fields."""

    def __init__(self, documents: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        self._frequencies: dict[str, Counter[str]] = {}
        #: Every word as written (lower-cased) and its stem: typos are matched against words, not stems.
        self._surface: dict[str, str] = {}
        for doc_id, fields in documents.items():
            counts: Counter[str] = Counter()
            for text, weight in fields:
                for word in words(text):
                    stem = self._surface.setdefault(word, _stem(word))
                    counts[stem] += weight
            self._frequencies[doc_id] = counts
        self._lengths = {doc_id: sum(counts.values()) for doc_id, counts in self._frequencies.items()}
        self._average_length = sum(self._lengths.values()) / max(len(self._lengths), 1)
        document_frequency: Counter[str] = Counter()
        for counts in self._frequencies.values():
            document_frequency.update(counts.keys())
        self._document_frequency = document_frequency
        total = len(self._frequencies)
        self._idf = {stem: math.log((total - df + 0.5) / (df + 0.5) + 1.0) for stem, df in document_frequency.items()}
        self._vocabulary = sorted(self._surface)
        self._synonyms = _synonym_map()

    def terms_of(self, text: str) -> set[str]:
        """The stems of ``text`` as the index sees them."""
        return set(tokenize(text))

    def query_terms(self, query: str) -> dict[str, frozenset[str]]:
        """Each query stem (typos corrected against the vocabulary) with its synonyms."""
        terms: dict[str, frozenset[str]] = {}
        for word in words(query):
            stem = _stem(word)
            if stem not in self._idf and len(word) >= 4:
                stem = self._correct(word) or stem
            terms[stem] = self._synonyms.get(stem, frozenset()) - {stem}
        return terms

    def _correct(self, word: str) -> str | None:
        """The stem of the vocabulary word closest to a misspelt ``word``, or ``None`` when none is close."""
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        matches = process.extract(
            word, self._vocabulary, scorer=DamerauLevenshtein.normalized_similarity, score_cutoff=_TYPO_CUTOFF, limit=8
        )
        if not matches:
            return None
        best = max(matches, key=lambda match: (match[1], self._document_frequency[self._surface[match[0]]]))
        return self._surface[best[0]]

    def rank(self, query: str, limit: int) -> list[tuple[str, float, list[str]]]:
        """The ``limit`` best ``(id, score, query terms)``, best first; documents that match nothing are left out.

        Each query word scores as itself or, when that is worth more, as half of its best synonym: a synonym stands in
        for a word the document does not use, but synonyms never pile up.
        """
        terms = self.query_terms(query)
        scores: dict[str, float] = {}
        for doc_id, counts in self._frequencies.items():
            norm = _K1 * (1 - _B + _B * self._lengths[doc_id] / self._average_length)

            def term_score(term: str, counts: Counter[str] = counts, norm: float = norm) -> float:
                frequency = counts.get(term, 0)
                return self._idf[term] * frequency * (_K1 + 1) / (frequency + norm) if frequency else 0.0

            score = sum(
                max(term_score(stem), 0.5 * max((term_score(s) for s in synonyms), default=0.0))
                for stem, synonyms in terms.items()
            )
            if score > 0:
                scores[doc_id] = score
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        terms_seen = [*terms, *(s for synonyms in terms.values() for s in sorted(synonyms))]
        return [(doc_id, score, terms_seen) for doc_id, score in ranked]
