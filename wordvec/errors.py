"""Exceptions for problems a user can fix: bad corpus, bad model file, bad parameter, unknown word."""

from __future__ import annotations


class WordvecError(Exception):
    """Base class of every error caused by user input rather than by a bug.

    The command line prints the message of these errors as one line and exits
    non-zero, without a traceback.
    """


class CorpusError(WordvecError):
    """The corpus cannot be read or holds no usable text."""


class ModelError(WordvecError):
    """A model path is missing, corrupt, foreign or from an unsupported version."""


class ParameterError(WordvecError, ValueError):
    """A build or query parameter is out of range or inconsistent with the data."""


class UnknownWordError(WordvecError, KeyError):
    """A query word is not in the vocabulary.

    Attributes
    ----------
    word : str
        The word that was asked for.
    suggestions : list of str
        Vocabulary words spelled most like it, best first.
    """

    def __init__(self, word: str, suggestions: list[str]) -> None:
        self.word = word
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"word {word!r} is not in the vocabulary{hint}")

    def __str__(self) -> str:
        # KeyError would show the message repr()-quoted.
        return str(self.args[0])


class NotFittedError(WordvecError, ValueError, AttributeError):
    """A transformer was used before ``fit``.

    A ``ValueError`` and an ``AttributeError``, like scikit-learn's ``NotFittedError``,
    so code written for scikit-learn estimators catches it.
    """
