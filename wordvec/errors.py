"""Exceptions for problems a user can fix: bad corpus, bad model file, bad parameter, unknown word."""

from __future__ import annotations


def os_error_reason(error: OSError) -> str:
    """Why a file operation failed, in words for a one-line message.

    numpy reports a write that the disk cut short (full disk, file size limit) with no
    errno, only the byte counts, so that case is named.
    """
    if error.strerror:
        return error.strerror
    return f"the write was cut short ({error}), perhaps the disk is full"


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
    reason : str, optional
        Why no vector could be made for it otherwise (a model with character n-grams says
        none of the word's n-grams is known).
    """

    def __init__(self, word: str, suggestions: list[str], *, reason: str = "") -> None:
        self.word = word
        self.suggestions = suggestions
        # A suggestion with a control character (a line end of Unicode's, say) is quoted, so the message stays one line.
        shown = [suggestion if suggestion.isprintable() else repr(suggestion) for suggestion in suggestions]
        hint = f"; did you mean: {', '.join(shown)}?" if suggestions else ""
        because = f" {reason}" if reason else ""
        super().__init__(f"word {word!r} is not in the vocabulary{because}{hint}")

    def __str__(self) -> str:
        # KeyError would show the message repr()-quoted.
        return str(self.args[0])


class NotFittedError(WordvecError, ValueError, AttributeError):
    """A transformer was used before ``fit``.

    A ``ValueError`` and an ``AttributeError``, like scikit-learn's ``NotFittedError``,
    so code written for scikit-learn estimators catches it.
    """
