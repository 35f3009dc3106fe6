"""JSON-ready answers to queries, shared by ``wordvec ... --json`` and ``wordvec serve``.

Each function takes a model and plain arguments and returns what the command line prints
and the explorer's API answers: dicts and lists of strings, numbers and booleans, which
:func:`json.dumps` takes as they are. Words in an answer are spelled as in the vocabulary
(a query for ``KING`` answers for ``king``), so the answer says which word was looked up.

Examples
--------
>>> import numpy as np
>>> from wordvec import WordVectors
>>> model = WordVectors(["king", "queen", "apple"], np.array([[1, 0.1], [0.9, 0.2], [0, 1]]))
>>> similarity(model, "King", "queen")
{'word1': 'king', 'word2': 'queen', 'similarity': 0.99...}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .options import DEFAULT_TOPN

if TYPE_CHECKING:
    from .vectors import WordVectors


def _ranking(pairs: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": word, "similarity": score} for word, score in pairs]


def word_entry(model: WordVectors, word: str) -> dict[str, Any]:
    """A query word as an answer names it: its spelling, whether it is in the vocabulary, and if not, its n-grams.

    Returns
    -------
    dict
        ``{"word": spelling, "in_vocabulary": True}`` for a vocabulary word (spelled as in
        the vocabulary), or ``{"word": normalised, "in_vocabulary": False, "ngrams": n}``
        for a word composed from the ``n`` character n-grams the model knows of it.

    Raises
    ------
    UnknownWordError
        The word is outside the vocabulary and no vector can be composed for it.
    """
    from .tokenize import normalize_text

    if model.subwords is None:
        return {"word": model.vocabulary_word(word), "in_vocabulary": True}
    spelling = model.vocabulary_word(word, default=None)  # one lookup, and no spelling suggestions
    if spelling is None:
        return {"word": normalize_text(word).strip(), "in_vocabulary": False, "ngrams": model.known_ngrams(word)}
    return {"word": spelling, "in_vocabulary": True}


def describe(entry: dict[str, Any]) -> str:
    """A word as the command line titles it: ``unseenword (not in the vocabulary: composed from 9 character n-grams)``."""
    if entry["in_vocabulary"]:
        return entry["word"]
    return f"{entry['word']} (not in the vocabulary: composed from {entry['ngrams']} character n-grams)"


def nearest(model: WordVectors, words: Sequence[str], *, topn: int = DEFAULT_TOPN) -> list[dict[str, Any]]:
    """The ``topn`` nearest neighbours by cosine of each of ``words``, as ``wordvec nearest --json`` prints them.

    Parameters
    ----------
    model : WordVectors
        The model to ask.
    words : sequence of str
        Query words, in any case and Unicode form.
    topn : int, default 10
        Neighbours per word.

    Returns
    -------
    list of dict
        One ``{"word": word, "neighbours": [{"word", "similarity"}, ...]}`` per query
        word, in query order, neighbours best first. ``/api/nearest`` answers one of them.

    Raises
    ------
    UnknownWordError
        A word is not in the vocabulary.

    Notes
    -----
    All the words are answered with one matrix product per batch (:meth:`WordVectors.nearest`).
    """
    entries = [word_entry(model, word) for word in words]
    found = model.nearest([entry["word"] for entry in entries], topn=topn)
    return [{**entry, "neighbours": _ranking(neighbours)} for entry, neighbours in zip(entries, found)]


def nearest_in(
    model: WordVectors, other: WordVectors, words: Sequence[str], *, topn: int = DEFAULT_TOPN
) -> list[dict[str, Any]]:
    """The ``topn`` words of ``other`` nearest to each word's vector in ``model``, after aligning ``other`` to ``model``.

    As :func:`nearest`, with the neighbours searched in ``other`` rotated into
    ``model``'s space (:func:`wordvec.comparison.align`, default anchors); the query word
    itself may be among them, since it is a word of the other model. Each entry also
    says whether the word is in ``other``'s vocabulary (``"in_other": bool``).

    Raises
    ------
    UnknownWordError
        A word has no vector in ``model``.
    ParameterError
        The models cannot be aligned (see :func:`wordvec.comparison.align`).
    """
    from .comparison import align

    entries = [word_entry(model, word) for word in words]
    vectors, _ = model.query_vectors([entry["word"] for entry in entries])
    aligned = align(model, other)
    return [
        {**entry, "in_other": entry["word"] in other, "neighbours": _ranking(aligned.similar_by_vector(vector, topn))}
        for entry, vector in zip(entries, vectors)
    ]


def side_by_side(
    first: WordVectors, second: WordVectors, word: str, *, topn: int = DEFAULT_TOPN
) -> dict[str, Any]:
    """``word``'s ``topn`` nearest neighbours in each of two models, and which neighbours each has that the other lacks.

    Returns
    -------
    dict
        ``{"word": word, "a": entry, "b": entry, "lost": [...], "gained": [...]}``: each
        entry as :func:`nearest` gives it, or ``{"word": word, "error": message}`` for a
        model without a vector for the word; ``lost`` are A's neighbours that B lacks,
        ``gained`` B's that A lacks. ``/api/side_by_side`` answers it.

    Raises
    ------
    UnknownWordError
        Neither model has a vector for the word.
    """
    from .comparison import lost_and_gained
    from .errors import UnknownWordError

    sides: dict[str, dict[str, Any]] = {}
    failures: list[UnknownWordError] = []
    for side, model in (("a", first), ("b", second)):
        try:
            sides[side] = nearest(model, [word], topn=topn)[0]
        except UnknownWordError as error:
            failures.append(error)
            sides[side] = {"word": word, "error": str(error)}
    if len(failures) == 2:
        raise failures[0]
    words_a, words_b = ([n["word"] for n in sides[side].get("neighbours", [])] for side in "ab")
    lost, gained = lost_and_gained(words_a, words_b)
    return {
        "word": sides["a"]["word"] if "neighbours" in sides["a"] else sides["b"]["word"],
        **sides,
        # A side without neighbours (no vector for the word) has nothing to set the other's against.
        "lost": lost if words_b else [],
        "gained": gained if words_a else [],
    }


def analogy(model: WordVectors, a: str, b: str, c: str, *, topn: int = DEFAULT_TOPN, method: str = "add") -> dict[str, Any]:
    """``a`` is to ``b`` as ``c`` is to ...?, as ``wordvec analogy --json`` prints it and ``/api/analogy`` answers.

    Parameters
    ----------
    model : WordVectors
        The model to ask.
    a, b, c : str
        The question words.
    topn : int, default 10
        Number of answers.
    method : {"add", "mul"}, default "add"
        3CosAdd or 3CosMul (see :meth:`WordVectors.analogy`).

    Returns
    -------
    dict
        ``{"a", "b", "c", "method", "answers": [{"word", "similarity"}, ...]}``, best first.

    Raises
    ------
    UnknownWordError
        A question word is not in the vocabulary.
    ParameterError
        ``method`` is neither ``"add"`` nor ``"mul"``.
    """
    entries = {name: word_entry(model, word) for name, word in zip("abc", (a, b, c))}
    a, b, c = (entries[name]["word"] for name in "abc")
    answers = model.analogy(a, b, c, topn=topn, method=method)
    unseen = {name: entry for name, entry in entries.items() if not entry["in_vocabulary"]}
    return {"a": a, "b": b, "c": c, "method": method, "answers": _ranking(answers),
            **({"not_in_vocabulary": unseen} if unseen else {})}


def similarity(model: WordVectors, word1: str, word2: str) -> dict[str, Any]:
    """The cosine similarity of two words, as ``wordvec similarity --json`` prints it and ``/api/similarity`` answers.

    Returns
    -------
    dict
        ``{"word1", "word2", "similarity"}``.

    Raises
    ------
    UnknownWordError
        A word is not in the vocabulary.
    """
    first, second = word_entry(model, word1), word_entry(model, word2)
    answer = {"word1": first["word"], "word2": second["word"],
              "similarity": model.similarity(first["word"], second["word"])}
    unseen = {name: entry for name, entry in (("word1", first), ("word2", second)) if not entry["in_vocabulary"]}
    return {**answer, **({"not_in_vocabulary": unseen} if unseen else {})}


def info(model: WordVectors, *, name: str | None = None) -> dict[str, Any]:
    """The model's size, build parameters and corpus statistics: the metadata stored with it.

    Parameters
    ----------
    model : WordVectors
        The model to describe.
    name : str, optional
        What to call the model for a reader who must not learn where files are (the
        explorer's page): given, the answer adds ``"model"``, the name's last
        component, and gives the corpus files' names instead of their paths, as
        ``/api/info`` does. Not given, the metadata is as stored (``wordvec info --json``).

    Returns
    -------
    dict
        The keys of the model's ``meta.json`` (:func:`wordvec.storage.metadata_of`):
        ``vocab_size``, ``dim``, ``params``, ``stats`` and the format's; with ``name``,
        ``"model"`` first.
    """
    from .storage import metadata_of

    meta = metadata_of(model)
    if name is None:
        return meta
    corpus = meta["stats"].get("corpus")
    if isinstance(corpus, list):
        meta["stats"] = {**meta["stats"], "corpus": [file_name(str(source)) for source in corpus]}
    return {"model": file_name(name), **meta}


def file_name(path: str) -> str:
    """The last component of a file path or URL (``/data/wiki/a.txt`` and ``s3://b/wiki/a.txt`` give ``a.txt``)."""
    if "://" in path:
        path = urlsplit(path).path
    return re.split(r"[/\\]", path.rstrip("/\\"))[-1] or path
