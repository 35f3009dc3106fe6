"""Split text into lowercase tokens: a fast Unicode-aware regular expression, or nltk's word tokenizer."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from .errors import ParameterError

if TYPE_CHECKING:
    from types import ModuleType

    import numpy as np

#: The token that marks a line end in tokenized text; windows never cross it.
LINE_END = "\n"

#: Characters removed before tokenizing, so a word with an invisible character in it is
#: the same word: zero-width space / non-joiner / joiner, word joiner, byte-order mark.
INVISIBLE_CHARACTERS = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_WORD_CHAR = re.compile(r"[^\W_]")
_CLITIC_S = re.compile(r"'s\b")

#: The regular-expression class of the emoji and pictographs, one token each; skin-tone
#: modifiers (U+1F3FB-1F3FF) are left out.
EMOJI_CLASS = "[\u2600-\u27bf\U0001f000-\U0001f3fa\U0001f400-\U0001faff]"


@lru_cache(maxsize=1)
def word_character_class() -> str:
    """The regular-expression class of a word's characters: ``\\w`` and the combining marks of the BMP.

    Returns
    -------
    str
        ``[\\w...]`` with the ranges of the Unicode combining marks (Mn, Mc, Me) below U+10000.

    Notes
    -----
    Python's ``re`` has no ``\\p{M}``; marks are not ``\\w``, so without them a word in
    Devanagari or with a decomposed accent would fall apart. Supplementary-plane marks
    (historic scripts) are left out: a class reaching past U+FFFF loses ``re``'s bitmap
    lookup and makes tokenizing markedly slower (benchmarks/RESULTS.md).
    """
    ranges: list[str] = []
    start = previous = 0
    in_mark = False
    for code in range(0x300, 0x10001):
        is_mark = code < 0x10000 and unicodedata.category(chr(code))[0] == "M"
        if is_mark and not in_mark:
            start = code
        elif in_mark and not is_mark:
            ranges.append(f"{chr(start)}-{chr(previous)}")
        in_mark, previous = is_mark, code
    return rf"[\w{''.join(ranges)}]"


@lru_cache(maxsize=1)
def _token_pattern() -> re.Pattern[str]:
    word_char = word_character_class()
    # Internal apostrophes and hyphens join; "." and "," join only digits (3.14, 1,000).
    word = rf"{word_char}+(?:['-]{word_char}+|(?<=\d)[.,]\d+)*"
    return re.compile(rf"{word}|\n|{EMOJI_CLASS}")


def normalize_text(text: str) -> str:
    """Lowercase and normalise text the way every tokenizer sees it.

    NFC composition (so a decomposed accent equals the precomposed letter), lowercase,
    typographic apostrophe to ``'``, invisible characters removed, underscores turned
    into spaces (they join identifiers, not words), and a clitic ``'s`` dropped
    (``king's`` -> ``king``, ``it's`` -> ``it``), so the possessive does not split a
    word's counts; measured on the bench corpus, this raised WordSim-353 and SimLex-999
    by about 0.008 each.
    """
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        for invisible in INVISIBLE_CHARACTERS:
            if invisible in text:
                text = text.replace(invisible, "")
        text = text.replace("\u2019", "'")
    return _CLITIC_S.sub("", text.lower().replace("_", " "))


class Tokenizer(Protocol):
    """Turns text into tokens. ``name`` is stored in the model so queries tokenize alike."""

    name: str

    def tokenize_lines(self, text: str) -> list[str]:
        """Tokens of ``text`` with :data:`LINE_END` for each ``\\n`` in it.

        Text after the last ``\\n`` is an unfinished line: the next piece continues it.
        """

    def tokenize(self, text: str) -> list[str]:
        """Tokens of one text (line ends ignored)."""


class RegexTokenizer:
    """The default tokenizer: one regular expression over large pieces of text.

    A token is a run of letters and digits (any script, with its combining marks) that
    may contain internal apostrophes and hyphens (``don't``, ``state-of-the-art``), a
    number with internal ``.``/``,`` (``3.14``, ``1,000``), or a single emoji. Everything
    else (punctuation, symbols, whitespace) separates tokens. Text is normalised first
    (see :func:`normalize_text`). Scripts written without spaces (Chinese, Japanese)
    come out as one token per run of characters: use your own segmenter first.

    Examples
    --------
    >>> RegexTokenizer().tokenize("Don't stop: state-of-the-art NLP costs $3.50!")
    ["don't", 'stop', 'state-of-the-art', 'nlp', 'costs', '3.50']
    """

    name = "regex"

    def tokenize_lines(self, text: str) -> list[str]:
        return _token_pattern().findall(normalize_text(text))

    def tokenize_lines_grouped(self, text: str) -> tuple[list[str], np.ndarray]:
        """:meth:`tokenize_lines` as distinct tokens (in order of first appearance) and an index into them per token.

        The same tokens, found with numpy (see :mod:`wordvec.vectorized_tokenize`), faster
        (benchmarks/RESULTS.md), with a Python string for each distinct token only.
        """
        from .vectorized_tokenize import group_tokens

        normalized = normalize_text(text)
        grouped = group_tokens(normalized, word_character_class(), EMOJI_CLASS)
        if grouped is None:  # a hash collision, a few in a billion pieces: the regular expression
            import numpy as np

            tokens = _token_pattern().findall(normalized)
            first_index: dict[str, int] = {}
            positions = [first_index.setdefault(token, len(first_index)) for token in tokens]
            grouped = list(first_index), np.array(positions, dtype=np.int32)
        return grouped

    def token_code_spans(self, text: str, kernels: ModuleType | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The code points of ``text`` normalised and the (start, end) of each of :meth:`tokenize_lines`'s tokens in them.

        What a :class:`wordvec.vectorized_tokenize.TokenTable` numbers. With ``kernels``
        (:func:`wordvec.compiled.kernels`), the text is normalised and split in compiled code:
        the same result.
        """
        from .vectorized_tokenize import compiled_token_code_spans, token_code_spans

        if kernels is not None:
            return compiled_token_code_spans(
                text, word_character_class(), EMOJI_CLASS, kernels, normalize_text, INVISIBLE_CHARACTERS
            )
        return token_code_spans(normalize_text(text), word_character_class(), EMOJI_CLASS)

    def tokenize(self, text: str) -> list[str]:
        return [token for token in _token_pattern().findall(normalize_text(text)) if token != LINE_END]


class NltkTokenizer:
    """nltk's Treebank-style word tokenizer (``NLTKWordTokenizer``), lowercased.

    Needs no nltk data download (it is rule based; sentence splitting is not used, as
    lines are the unit of context). Pure punctuation tokens are dropped, so contractions
    split as nltk does (``do`` + ``n't``) but commas do not become context words.
    """

    name = "nltk"

    def __init__(self) -> None:
        from nltk.tokenize import NLTKWordTokenizer

        self._tokenizer = NLTKWordTokenizer()

    def tokenize(self, text: str) -> list[str]:
        words = self._tokenizer.tokenize(normalize_text(text).replace("\n", " "))
        return [word for word in words if _WORD_CHAR.search(word)]

    def tokenize_lines(self, text: str) -> list[str]:
        *lines, unfinished = text.split("\n")
        tokens: list[str] = []
        for line in lines:
            tokens.extend(self.tokenize(line))
            tokens.append(LINE_END)
        tokens.extend(self.tokenize(unfinished))
        return tokens


TOKENIZERS = {"regex": RegexTokenizer, "nltk": NltkTokenizer}


def get_tokenizer(name: str) -> Tokenizer:
    """Return the tokenizer called ``name`` (``"regex"`` or ``"nltk"``)."""
    try:
        return TOKENIZERS[name]()
    except (KeyError, TypeError):  # TypeError: a name that is no string (from a damaged model's metadata)
        raise ParameterError(f"unknown tokenizer {name!r}; choose one of: {', '.join(TOKENIZERS)}") from None


__all__ = [
    "EMOJI_CLASS", "INVISIBLE_CHARACTERS", "LINE_END", "RegexTokenizer", "NltkTokenizer", "Tokenizer", "get_tokenizer", "normalize_text",
    "word_character_class",
]
