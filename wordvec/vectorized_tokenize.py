"""The regex tokenizer's tokens, found with numpy over code points instead of Python's regular-expression engine.

Python's ``re`` pays for every character it matches and for a string object per token, and
that was most of a build's first pass (figures in benchmarks/RESULTS.md). Here the token rules of
:class:`wordvec.tokenize.RegexTokenizer` are applied to the array of a text's code points
with a few vectorised passes, tokens are grouped by a hash of their code points, and a
Python string is made only for each *distinct* token of a piece (a few percent of the
tokens). The result is the same as the regular expression's, which the tests check on
random text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache, partial
from types import ModuleType

import numpy as np

_WORD, _DIGIT, _EMOJI, _JOINER, _DOT_COMMA = 1, 2, 4, 8, 16
# What a code point asks of the compiled normalisation (wordvec._kernels.normalized_token_spans).
_NEEDS_PYTHON, _DROPPED = 1, 2
#: Lines of a text that go to Python's normalisation one at a time, before the rest of the text goes in one call.
_PYTHON_LINES = 8
_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))  # odd, so invertible modulo 2^64


def _char_flags(characters: str, word_char: str, emoji: str) -> np.ndarray:
    """Flags of each character of ``characters``, by the same classes as the regular expression."""
    flags = np.zeros(len(characters), dtype=np.uint8)
    for flag, pattern in ((_WORD, word_char), (_DIGIT, r"\d"), (_EMOJI, emoji)):
        positions = [match.start() for match in re.finditer(pattern, characters)]
        flags[positions] |= flag
    # The regular expression tries a word first: a character that is both is a word character.
    flags[(flags & _WORD) != 0] &= ~np.uint8(_EMOJI)
    codes = np.frombuffer(characters.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags[np.isin(codes, [ord("'"), ord("-")])] |= _JOINER
    flags[np.isin(codes, [ord("."), ord(",")])] |= _DOT_COMMA
    return flags


@lru_cache(maxsize=2)
def _bmp_flags(word_char: str, emoji: str) -> np.ndarray:
    """Flags of every code point below U+10000 (surrogates have none)."""
    return _char_flags("".join(map(chr, range(0x10000))), word_char, emoji)


def _powers(base: np.uint64, count: int) -> np.ndarray:
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)  # wraps modulo 2^64, which the hash wants


@lru_cache(maxsize=8)
def _hash_powers(base: int, count: int) -> np.ndarray:
    """``base^k`` modulo 2^64 for k < count."""
    return _powers(np.uint64(base), count)


def code_flags(codes: np.ndarray, word_char: str, emoji: str) -> np.ndarray:
    """The flags (word character, digit, emoji, joiner, ``.``/``,``) of each code point."""
    in_bmp = codes < 0x10000
    if in_bmp.all():
        return _bmp_flags(word_char, emoji)[codes]
    flags = np.zeros(len(codes), dtype=np.uint8)
    flags[in_bmp] = _bmp_flags(word_char, emoji)[codes[in_bmp]]
    astral, where = np.unique(codes[~in_bmp], return_inverse=True)
    flags[~in_bmp] = _char_flags("".join(map(chr, astral.tolist())), word_char, emoji)[where]
    return flags


def _token_spans(codes: np.ndarray, word_char: str, emoji: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (code point indices) of each token, by the rules of the regular expression.

    A token is a maximal run of word characters, joined through an apostrophe or hyphen
    that has word characters on both sides, or through a ``.``/``,`` that has digits on
    both sides; the digits after such a ``.``/``,`` end the token at the first character
    that is not a digit (the expression matches ``\\d+`` there, not ``\\w+``). An emoji and
    a line end are tokens of one character.
    """
    flags = code_flags(codes, word_char, emoji)
    word = (flags & _WORD) != 0
    digit = (flags & _DIGIT) != 0
    word_left, word_right = np.r_[False, word[:-1]], np.r_[word[1:], False]
    digit_left, digit_right = np.r_[False, digit[:-1]], np.r_[digit[1:], False]
    joins = ((flags & _JOINER) != 0) & word_left & word_right
    digit_joins = ((flags & _DOT_COMMA) != 0) & digit_left & digit_right
    in_word = word | joins | digit_joins
    connected = in_word & np.r_[False, in_word[:-1]]  # joined to the character on its left
    # A letter right after digits that follow a joining "." or ",": the token ended before it.
    letters_after_digits = np.flatnonzero(word & ~digit & digit_left)
    if len(letters_after_digits):
        digit_run_starts = np.flatnonzero(digit & ~digit_left)
        run_starts = digit_run_starts[np.searchsorted(digit_run_starts, letters_after_digits - 1, side="right") - 1]
        after_digit_join = (run_starts > 0) & digit_joins[np.maximum(run_starts - 1, 0)]
        connected[letters_after_digits[after_digit_join]] = False
    token = in_word | ((flags & _EMOJI) != 0) | (codes == 10)
    starts = np.flatnonzero(token & ~connected)
    ends = np.flatnonzero(token & ~np.r_[connected[1:], False]) + 1
    return starts, ends


def token_code_spans(text: str, word_char: str, emoji: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The code points of normalised ``text`` (uint32) and the start and end of each token in them (see :func:`group_tokens`)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not len(codes):
        return codes, np.empty(0, np.int64), np.empty(0, np.int64)
    return codes, *_token_spans(codes, word_char, emoji)


def compiled_token_code_spans(
    text: str, word_char: str, emoji: str, kernels: ModuleType, normalize_text: Callable[[str], str], invisible: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`token_code_spans` of ``normalize_text(text)``, normalised and split in one compiled pass.

    ``normalize_text`` is :func:`wordvec.tokenize.normalize_text`, which removes the ``invisible``
    characters. The same code points and spans: its normalisation (lowercase, the
    typographic apostrophe, invisible characters, underscores, the clitic ``'s``) and the
    token rules run in :func:`wordvec._kernels.normalized_token_spans`, outside the GIL,
    where Python's string methods and numpy's many passes held it or went over the text
    again and again. A line with a code point that NFC might change in context, or whose
    lowercase depends on its neighbours (a capital sigma), goes through Python's
    normalisation as before (none of them reaches across a line end); after
    ``_PYTHON_LINES`` such lines, the rest of the text does.
    """
    # An ASCII text is its bytes; numba compiles the kernel for both element types.
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8) if text.isascii() else np.frombuffer(
        text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    )
    tables = (*_normalising_tables(invisible), _bmp_flags(word_char, emoji), *_astral_tables(raw, word_char, emoji, invisible))
    parts = []
    position = 0
    for _ in range(_PYTHON_LINES):
        culprit, *part = kernels.normalized_token_spans(raw, position, len(raw), *tables)
        if culprit < 0:
            parts.append(part)
            break
        # The code points before the culprit's line in compiled code, its line in Python.
        line_start = text.rfind("\n", position, culprit) + 1
        parts.append(kernels.normalized_token_spans(raw, position, line_start, *tables)[1:])
        position = text.find("\n", culprit)
        position = len(raw) if position < 0 else position
        parts.append(token_code_spans(normalize_text(text[line_start:position]), word_char, emoji))
    else:
        # A text in a script with combining marks has them on every line: the rest in one call.
        parts.append(token_code_spans(normalize_text(text[position:]), word_char, emoji))
    if len(parts) == 1:
        return parts[0][0], parts[0][1], parts[0][2]
    offsets = np.cumsum([0] + [len(codes) for codes, _, _ in parts[:-1]])
    return (
        np.concatenate([codes for codes, _, _ in parts]),
        np.concatenate([starts + offset for (_, starts, _), offset in zip(parts, offsets)]),
        np.concatenate([ends + offset for (_, _, ends), offset in zip(parts, offsets)]),
    )


def _normalising_properties(characters: str, invisible: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each character's code point after :func:`wordvec.tokenize.normalize_text` (but the clitic), and what it needs.

    ``_DROPPED``: one of the ``invisible`` characters, which the normalisation removes. ``_NEEDS_PYTHON``:
    a character that NFC may change next to others (a combining or composing mark, a Hangul
    jamo, one that NFC itself changes) or whose lowercase is not one code point of its own
    (a capital sigma is final or not by its neighbours; a dotted capital I lowercases to two).
    """
    count = len(characters)
    folded = [character.replace("\u2019", "'").lower().replace("_", " ") for character in characters]
    single = "".join(each if len(each) == 1 else "\x00" for each in folded)
    lower = np.frombuffer(single.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    codes = np.frombuffer(characters.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    needs_python = (
        (np.fromiter(map(len, folded), dtype=np.int64, count=count) != 1)
        | (codes == 0x03A3)
        | ((codes >= 0x1100) & (codes <= 0x11FF))
        | (np.fromiter(map(unicodedata.combining, characters), dtype=np.int64, count=count) != 0)
        | np.fromiter((category[0] == "M" for category in map(unicodedata.category, characters)), dtype=bool, count=count)
        | np.isin(codes, _composing_seconds())
        | ~np.fromiter(map(partial(unicodedata.is_normalized, "NFC"), characters), dtype=bool, count=count)
    )
    needs = np.where(needs_python, _NEEDS_PYTHON, 0).astype(np.uint8)
    needs[np.isin(codes, [ord(character) for character in invisible])] = _DROPPED
    return lower, needs


@lru_cache(maxsize=1)
def _composing_seconds() -> np.ndarray:
    """The code points that NFC composes with the character before them, in the Basic Multilingual Plane.

    The second of each two-character canonical decomposition. Above it, every such
    character is a mark, which :func:`_normalising_properties` sends to Python anyway.
    """
    seconds = set()
    for decomposition in map(unicodedata.decomposition, map(chr, range(0x10000))):
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return np.array(sorted(seconds), dtype=np.uint32)


_TABLES_LOCK = threading.Lock()


def _normalising_tables(invisible: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_normalising_properties` of every code point below U+10000, made once a process."""
    with _TABLES_LOCK:  # the scan's threads ask at once
        return _plane_tables(invisible)


@lru_cache(maxsize=2)
def _plane_tables(invisible: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    lower, needs = _normalising_properties("".join(map(chr, range(0x10000))), invisible)
    needs[lower >= 0x10000] |= _NEEDS_PYTHON  # the flags are looked up in a table of this plane
    return lower, needs


def _astral_tables(
    raw: np.ndarray, word_char: str, emoji: str, invisible: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The text's distinct code points above U+10000 (sorted), their normalised code points, needs and flags."""
    astral = np.unique(raw[raw >= 0x10000]) if raw.dtype == np.uint32 else np.empty(0, dtype=np.uint32)
    lower, needs = _normalising_properties("".join(map(chr, astral.tolist())), invisible)
    flags = _char_flags("".join(map(chr, lower.tolist())), word_char, emoji)
    return astral.astype(np.uint32), lower, needs, flags


class TokenTable:
    """The distinct tokens of a stream, numbered in order of first appearance, looked up by compiled code.

    What a scan's dictionary of words does (:func:`wordvec.vocab.scan_corpus`), but the
    lookups run in :func:`wordvec._kernels.lookup_tokens` over the code points of each
    token, and a Python string is made once per word, when it first appears. ``words``
    holds them in id order; a line end is id -1.

    Parameters
    ----------
    kernels : module
        :func:`wordvec.compiled.kernels`.
    """

    def __init__(self, kernels) -> None:
        self.kernels = kernels
        self._slots = np.full(1 << 16, -1, dtype=np.int32)
        self._slot_hashes = np.zeros(1 << 16, dtype=np.uint64)
        self._hashes = np.zeros(1 << 15, dtype=np.uint64)
        self._word_starts = np.zeros(1 << 15, dtype=np.int64)
        self._word_lengths = np.zeros(1 << 15, dtype=np.int32)
        self._store = np.zeros(1 << 20, dtype=np.uint32)
        self._state = np.zeros(2, dtype=np.int64)  # words, code points stored
        self.words: list[str] = []

    def ids(self, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The int32 id of each token (see :func:`token_code_spans`), numbering new words as they appear."""
        out = np.empty(len(starts), dtype=np.int32)
        done = 0
        while True:
            done = self.kernels.lookup_tokens(
                codes, starts, ends, done, self._slots, self._slot_hashes, self._hashes, self._word_starts, self._word_lengths,
                self._store, self._state, out,
            )
            if done == len(starts):
                break
            self._grow(int(ends[done] - starts[done]))
        known, words = len(self.words), int(self._state[0])
        if words > known:
            # New words' code points follow one another in the store: one decode, then a slice per word.
            first = int(self._word_starts[known])
            text = self._store[first : int(self._state[1])].tobytes().decode("utf-32-le", "surrogatepass")
            starts = (self._word_starts[known:words] - first).tolist()
            ends = (self._word_starts[known:words] - first + self._word_lengths[known:words]).tolist()
            self.words.extend(text[start:end] for start, end in zip(starts, ends))
        return out

    def _grow(self, length: int) -> None:
        """Room for one more word of ``length`` code points: twice the words (and slots) or the store, as needed."""
        words, used = int(self._state[0]), int(self._state[1])
        if words >= min(len(self._hashes), len(self._slots) // 2):
            size = 2 * len(self._hashes)
            for name in ("_hashes", "_word_starts", "_word_lengths"):
                grown = np.zeros(size, dtype=getattr(self, name).dtype)
                grown[:words] = getattr(self, name)[:words]
                setattr(self, name, grown)
            self._slots = np.full(2 * size, -1, dtype=np.int32)
            self._slot_hashes = np.zeros(2 * size, dtype=np.uint64)
            self.kernels.fill_slots(self._slots, self._slot_hashes, self._hashes, words)
        if used + length > len(self._store):
            grown = np.zeros(max(2 * len(self._store), used + length), dtype=np.uint32)
            grown[:used] = self._store[:used]
            self._store = grown


def group_tokens(text: str, word_char: str, emoji: str) -> tuple[list[str], np.ndarray] | None:
    """The tokens of normalised ``text`` as its distinct tokens and, for each token, an index into them.

    Parameters
    ----------
    text : str
        Text already normalised (:func:`wordvec.tokenize.normalize_text`).
    word_char : str
        The regular-expression class of a word's characters
        (:func:`wordvec.tokenize.word_character_class`).
    emoji : str
        The regular-expression class of the characters that are tokens of their own
        (:data:`wordvec.tokenize.EMOJI_CLASS`).

    Returns
    -------
    tuple of (list of str, numpy.ndarray) or None
        The distinct tokens in order of first appearance, so that numbering them in that
        order numbers words as a scan of the token list would, and an int32 index into them
        per token. None in the unlikely case that two different tokens of the text share a
        64-bit hash but not the second one: the caller then tokenizes the text the slow way.
    """
    if not text:
        return [], np.empty(0, dtype=np.int32)
    codes, starts, ends = token_code_spans(text, word_char, emoji)
    if len(starts) == 0:
        return [], np.empty(0, dtype=np.int32)
    lengths = ends - starts
    # Each token's code points, one after another, and each one's offset in its token.
    token_starts = np.cumsum(lengths) - lengths
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(token_starts, lengths)
    characters = codes[np.repeat(starts, lengths) + offsets].astype(np.uint64)
    hashes = []
    for base in _BASES:
        # Sum of code point * base^offset over the token, modulo 2^64 (numpy integers wrap).
        powers = _hash_powers(int(base), _power_count(int(lengths.max())))
        hashes.append(np.add.reduceat(characters * powers[offsets], token_starts))
    # Group equal hashes with one sort of keys that hold a hash's high bits and the token's
    # position in the low bits: numpy sorts integers with SIMD, faster than an argsort.
    # Within a group the first key is the token's first appearance.
    mixed = hashes[0] ^ (hashes[0] >> np.uint64(31))  # spread short tokens' hashes into the high bits
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(27)
    position_bits = max(len(starts) - 1, 1).bit_length()
    low_mask = np.uint64((1 << position_bits) - 1)
    keys = np.sort((mixed & ~low_mask) | np.arange(len(starts), dtype=np.uint64))
    positions = (keys & low_mask).astype(np.int64)
    prefixes = keys & ~low_mask
    new_group = np.r_[True, prefixes[1:] != prefixes[:-1]]
    first = positions[new_group]
    group = np.empty(len(keys), dtype=np.int64)
    group[positions] = np.cumsum(new_group) - 1
    # Tokens that share the high bits but differ go to the slow path (checked on both full hashes).
    if not np.array_equal(hashes[0][first][group], hashes[0]):
        return None
    if not (np.array_equal(hashes[1][first][group], hashes[1]) and np.array_equal(lengths[first][group], lengths)):
        return None
    order = np.argsort(first)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    firsts = first[order]
    distinct = [text[start:end] for start, end in zip(starts[firsts].tolist(), ends[firsts].tolist())]
    return distinct, rank[group]


def _power_count(needed: int) -> int:
    """Sizes of the cached power tables: the next power of two, so that a few tables serve every piece."""
    return 1 << max(needed - 1, 1).bit_length()
