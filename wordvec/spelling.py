"""Vocabulary words one edit away from a word: what a misspelling most likely meant.

A word outside the vocabulary is most often a typo of a word inside it: one letter left out,
doubled, replaced, or two letters swapped (Damerau 1964 found about 80% of misspellings to be one
such edit). Character n-grams barely see a swap: ``kindgom`` keeps only 8 of the 22 n-grams of
``kingdom``. So a composed vector is pulled toward the vocabulary words one edit away
(:meth:`wordvec.WordVectors.compose`), found as Norvig's spelling corrector finds them: every string
one edit from the word, looked up in the vocabulary.

References
----------
Damerau, F. J. (1964). A technique for computer detection and correction of spelling errors.
Communications of the ACM 7(3). Norvig, P. (2007). How to Write a Spelling Corrector.
https://norvig.com/spell-correct.html
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

#: Characters tried for insertions and replacements: the vocabulary's most frequent ones (a
#: vocabulary of many scripts would otherwise make thousands of candidates per letter).
ALPHABET_SIZE = 64
#: Words longer than this are not searched for edits: no misspelling is that long, and the
#: candidates grow with the length.
MAX_EDITED_LENGTH = 40
#: Vocabulary words read to find the alphabet: the most frequent ones say which characters matter.
_ALPHABET_SAMPLE = 50_000


def alphabet_of(words: Iterable[str], size: int = ALPHABET_SIZE) -> str:
    """The ``size`` characters most frequent in ``words`` (the first ``_ALPHABET_SAMPLE`` of them), most frequent first."""
    counts: Counter[str] = Counter()
    for number, word in enumerate(words):
        if number == _ALPHABET_SAMPLE:
            break
        counts.update(word)
    return "".join(character for character, _ in counts.most_common(size))


def one_edit_away(word: str, alphabet: str) -> set[str]:
    """Every string one deletion, swap of neighbours, replacement or insertion (from ``alphabet``) away from ``word``.

    Examples
    --------
    >>> sorted(one_edit_away("ab", "ab"))
    ['a', 'aa', 'aab', 'aba', 'abb', 'b', 'ba', 'bab', 'bb']
    """
    splits = [(word[:cut], word[cut:]) for cut in range(len(word) + 1)]
    edits = {left + right[1:] for left, right in splits if right}
    edits.update(left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1)
    edits.update(left + letter + right[1:] for left, right in splits if right for letter in alphabet)
    edits.update(left + letter + right for left, right in splits for letter in alphabet)
    edits.discard(word)
    return edits


def words_one_edit_away(word: str, rows: Mapping[str, int], alphabet: str) -> list[int]:
    """The rows of the vocabulary words one edit away from ``word``, in increasing order (none for a long word)."""
    if len(word) > MAX_EDITED_LENGTH:
        return []
    return sorted(rows[edit] for edit in one_edit_away(word, alphabet) if edit in rows)
