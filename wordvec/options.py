"""Every option of wordvec defined once: the build's parameters with their defaults and limits, and the choices of every command.

The library checks values against these, and the command line takes its defaults, ranges
and choice lists from here, so that the two cannot drift apart. Kept free of numpy and
scipy, so that the command line can state its options without slowing every command's start.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral, Real

from .deprecation import renamed_keywords
from .errors import ParameterError

#: Largest window: harmonic weights are counted as integers scaled by lcm(1..window),
#: which must stay far below the int64 limit (lcm(1..20) is about 2.3e8, lcm(1..43) passes 2**63).
MAX_WINDOW = 20
#: Most worker processes a build may use.
MAX_WORKERS = 256
#: Largest context-distribution smoothing exponent ``cds`` (it must be above 0).
MAX_CDS = 10
#: Largest PPMI shift ``neg`` (it must be above 0). Whether a shift leaves any positive PPMI
#: depends on the corpus, so the build checks the result rather than a tighter range.
MAX_NEG = 1e6
#: Largest magnitude of the eigenvalue weighting exponent ``eig``.
MAX_EIG = 10
#: Largest seed (seeds are non-negative 64-bit integers).
MAX_SEED = 2**63 - 1
#: Fewest words a vocabulary needs for word vectors (and the least ``max_vocab``).
MIN_VOCABULARY = 2
#: Largest number of power iterations and oversamples of the randomized SVD.
MAX_POWER_ITERATIONS = 50
MAX_OVERSAMPLES = 1000

#: Character n-gram lengths of subword vectors (fastText's), the longest allowed, and the hash buckets
#: (200,000: on the bench corpus within 0.005 of 2M on analogies, with both views' tables 458 MB
#: instead of 4.6 GB; benchmarks/RESULTS.md).
DEFAULT_MIN_N = 3
DEFAULT_MAX_N = 6
MAX_N = 32
DEFAULT_BUCKETS = 200_000
MAX_BUCKETS = 2**31 - 1
#: Eigenvalue exponent of the analogy view, U Σ^p without context vectors (Levy et al. 2015's best for analogies).
ANALOGY_EIG = 0.5
#: Neighbours (answers, contexts) a query lists unless told otherwise, as gensim's ``topn``.
DEFAULT_TOPN = 10
#: Most neighbours the explorer answers with, and ``wordvec plot`` places around each word.
MAX_MAP_NEIGHBOURS = 100
#: Only the most frequent words count as known in evaluations, as in gensim.
DEFAULT_RESTRICT_VOCAB = 300_000
#: Where ``wordvec serve`` listens: only this machine, unless the user names another address.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

#: Weights of a context by its distance: 1/d, word2vec's dynamic window, or 1.
DISTANCE_WEIGHTINGS = ("harmonic", "dynamic", "uniform")
#: The tokenizers (:func:`wordvec.tokenize.get_tokenizer`).
TOKENIZER_NAMES = ("regex", "nltk")
#: How a document's word vectors are averaged (:class:`wordvec.features.DocumentVectorizer`).
DOCUMENT_WEIGHTINGS = ("mean", "tfidf", "sif")
#: The default: SIF (Arora et al. 2017), the best of the three on sentiment (benchmarks/RESULTS.md).
DEFAULT_DOCUMENT_WEIGHTING = "sif"
#: The vector formats wordvec reads and writes; ``model`` is a wordvec model directory.
VECTOR_FORMATS = ("model", "word2vec", "word2vec-binary", "glove", "npy")
#: What ``wordvec export`` writes: the vector files, or a view's character n-gram table (``.ngrams``).
EXPORT_FORMATS = (*(name for name in VECTOR_FORMATS if name != "model"), "ngrams")
#: Analogy methods: 3CosAdd and 3CosMul.
ANALOGY_METHODS = ("add", "mul")
#: The views of a model's SVD that ``export`` and ``convert`` write: the vectors queries use, or the
#: analogy view of a model built with ``--analogy-view``.
VIEWS = ("similarity", "analogy")
#: What evaluation does with a word outside the vocabulary: skip its pair or question (gensim's way), or
#: compose its vector from its character n-grams (a model built with subwords).
OOV_POLICIES = ("skip", "compose")

#: Change scores of ``wordvec compare`` (:func:`wordvec.comparison.compare`), the default first.
CHANGE_MEASURES = ("combined", "procrustes", "profile", "neighbours")
#: How ``wordvec compare`` sets a change against split-half noise, the default first; "none" ranks by the raw score.
NOISE_ADJUSTMENTS = ("ratio", "zscore", "difference", "none")
#: ``wordvec compare``'s frequency floor: a word is ranked only if it occurs this often in each corpus.
DEFAULT_COMPARE_MIN_COUNT = 50
#: ``wordvec compare`` leaves out this many of the most frequent words of each corpus: function words, whose
#: use differs between any two genres and says little.
DEFAULT_COMPARE_SKIP_FREQUENT = 100
#: Words ``wordvec compare`` lists.
DEFAULT_COMPARE_TOPN = 20
#: Phrase scores (:mod:`wordvec.phrases`), by gensim's names, and their default thresholds.
PHRASE_SCORINGS = ("default", "npmi")
DEFAULT_PHRASE_THRESHOLDS = {"default": 10.0, "npmi": 0.5}
#: A candidate phrase seen fewer times than this is not one (gensim's ``min_count``).
DEFAULT_PHRASE_MIN_COUNT = 5
#: How a build gives phrases vectors (:class:`BuildParams`, ``phrase_mode``), the default first.
PHRASE_MODES = ("add", "replace")
#: Distinct candidate phrases held while counting before the rarest are dropped: gensim's ``max_vocab_size``
#: default (the bench corpus has 7.5M, so its counts are exact); about 0.6 GB of table.
DEFAULT_MAX_PHRASE_CANDIDATES = 40_000_000
#: What joins the words of a phrase in a model's vocabulary (``new_york``), as in gensim.
PHRASE_DELIMITER = "_"
#: Most passes of phrase learning (each joins longer phrases: 2 finds trigrams such as new_york_times).
MAX_PHRASE_PASSES = 10
#: Polarity methods (:func:`wordvec.polarity.polarity_scores`).
POLARITY_METHODS = ("sentprop", "projection")
#: Image formats of ``wordvec plot``.
IMAGE_FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class BuildParams:
    """Every hyperparameter of a build, with the defaults of Levy, Goldberg & Dagan (2015).

    Attributes
    ----------
    dim : int, default 300
        Number of dimensions of the vectors.
    window : int, default 5
        Context window: words up to this many tokens away on each side.
    min_count : int, default 5
        Ignore words seen fewer times.
    max_vocab : int or None, default None
        Keep at most this many most frequent words.
    distance_weighting : {"harmonic", "dynamic", "uniform"}, default "harmonic"
        Weight of a context by its distance d: 1/d (GloVe), word2vec's dynamic window
        ((window - d + 1) / window, the paper's "dyn") or 1.
    subsample : float, default 1e-4
        Frequent-word subsampling threshold t: a word of frequency f > t is dropped with
        probability 1 - sqrt(t / f) before windowing; 0 turns it off. 1e-4 scored best
        on the bench corpus (benchmarks/RESULTS.md); on a corpus of a few thousand tokens
        it removes most occurrences of the commonest words, so use 0 there.
    cds : float, default 0.75
        Context-distribution smoothing exponent.
    neg : float, default 1
        Shifted PPMI: log(neg) is subtracted before clipping.
    eig : float, default 0
        Exponent p of the singular values in the vectors ``U Σ^p`` (the paper's eigenvalue
        weighting).
    add_context : bool, default True
        The paper's ``w+c``: add context vectors to word vectors. On the bench corpus it
        raised SimLex-999 from 0.420 to 0.441, at a cost on analogies (3CosMul 0.382 to
        0.357); see benchmarks/RESULTS.md.
    normalize : bool, default True
        Unit-length rows (cosine = dot product).
    seed : int, default 0
        Seed of every random step (subsampling, SVD).
    tokenizer : {"regex", "nltk"}, default "regex"
        How text is split into tokens.
    analogy_view : bool, default True
        Also keep a second view of the same SVD for analogies: ``U Σ^0.5`` without context
        vectors, which :meth:`WordVectors.analogy`, ``most_similar`` with negative words,
        ``most_similar_cosmul`` and analogy evaluation use (Levy et al. 2015 found eig 0.5
        best for analogies, eig 0 with ``w+c`` for similarity). On the bench corpus it
        answered 0.298 of the Google analogies instead of 0.254, 0.538 with subwords.
    subwords : bool, default True
        Learn vectors of character n-grams (fastText's), so that every word has a vector:
        a word outside the vocabulary is composed from its n-grams, and each word's vector
        is blended with its n-grams' (see :mod:`wordvec.subwords`). On the bench corpus
        they doubled the Google analogies answered, with similarity unchanged, for about a
        fifth more build time (benchmarks/RESULTS.md).
    buckets : int, default 200000
        Hash buckets of the n-grams (the table has one vector a bucket and view).
    min_n : int, default 3
        Shortest character n-gram, counting the boundary markers ``<`` and ``>``.
    max_n : int, default 6
        Longest character n-gram.
    power_iterations : int, default 2
        Power iterations of the randomized SVD, whose last two blocks of directions are
        projected on together (block Krylov): 2 costs six sparse products and on the bench
        corpus scored as 3 plain power iterations did with eight, which were within 0.01 of
        an exact (ARPACK) SVD on WordSim-353 and SimLex-999; each more costs two products
        (benchmarks/RESULTS.md).
    oversamples : int, default 20
        Oversampling of the randomized SVD.
    workers : int or None, default None
        Processes that read and count the corpus; None uses every available core. The result
        does not depend on it. A corpus of less than about 16 MB, standard input or Python lines
        is counted in one process, where starting workers would cost more than they save.
    phrases : str or None, default None
        Give phrases vectors (``new york`` is the word ``new_york``, see ``phrase_mode``):
        ``"auto"`` learns them from the corpus in the same run (with the ``phrase_*`` settings
        below), a path takes a list written by ``wordvec phrases`` (or
        :meth:`wordvec.Phrases.save`); :func:`wordvec.build` also takes a :class:`wordvec.Phrases`.
        The list is kept in the model (see :mod:`wordvec.phrases`). None: no phrases.
    phrase_scoring : {"default", "npmi"}, default "default"
        With ``phrases="auto"``: gensim's score of a candidate phrase.
    phrase_threshold : float or None, default None
        With ``phrases="auto"``: a candidate scoring above it is a phrase (None: 10 for
        ``default``, 0.5 for ``npmi``).
    phrase_min_count : int, default 5
        With ``phrases="auto"``: gensim's ``min_count`` of a phrase.
    phrase_passes : int, default 1
        With ``phrases="auto"``: passes of learning; 2 also finds trigrams (``new_york_times``).
    phrase_connectors : str, default "english"
        Words that may sit inside a phrase but never start or end one (``bank_of_america``):
        ``"english"`` (gensim's list), ``"none"``, or the path of a file of one word a line.
    phrase_mode : {"add", "replace"}, default "add"
        How phrases get their vectors. ``"add"``: each phrase occurrence is counted with the
        words around it, and its row is folded into the words' SVD space; the words keep
        every occurrence, so their vectors are exactly those of the build without phrases.
        ``"replace"``: the corpus is rewritten with the phrases joined before counting, as
        gensim and word2vec users do; the words lose the occurrences their phrases take
        (on the bench corpus, SimLex-999 fell by 0.02: benchmarks/RESULTS.md).
    """

    dim: int = 300
    window: int = 5
    min_count: int = 5
    max_vocab: int | None = None
    distance_weighting: str = "harmonic"
    subsample: float = 1e-4
    cds: float = 0.75
    neg: float = 1.0
    eig: float = 0.0
    add_context: bool = True
    normalize: bool = True
    seed: int = 0
    tokenizer: str = "regex"
    analogy_view: bool = True
    subwords: bool = True
    buckets: int = DEFAULT_BUCKETS
    min_n: int = DEFAULT_MIN_N
    max_n: int = DEFAULT_MAX_N
    power_iterations: int = 2
    oversamples: int = 20
    workers: int | None = None
    phrases: str | None = None
    phrase_scoring: str = PHRASE_SCORINGS[0]
    phrase_threshold: float | None = None
    phrase_min_count: int = DEFAULT_PHRASE_MIN_COUNT
    phrase_passes: int = 1
    phrase_connectors: str = "english"
    phrase_mode: str = PHRASE_MODES[0]

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            expected = _TYPES[field.name]
            if value is None and field.name in ("max_vocab", "workers", "phrases", "phrase_threshold"):
                continue
            if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
                raise ParameterError(f"{field.name} must be {_TYPE_NAMES[expected]}; got {value!r}")
        checks = [
            (self.dim >= 1, f"dim must be >= 1; got {self.dim}"),
            (1 <= self.window <= MAX_WINDOW, f"window must be between 1 and {MAX_WINDOW}; got {self.window}"),
            (self.min_count >= 1, f"min_count must be >= 1; got {self.min_count}"),
            (self.max_vocab is None or self.max_vocab >= MIN_VOCABULARY, f"max_vocab must be >= {MIN_VOCABULARY}; got {self.max_vocab}"),
            (
                self.distance_weighting in DISTANCE_WEIGHTINGS,
                f"distance_weighting must be one of {', '.join(DISTANCE_WEIGHTINGS)}; got {self.distance_weighting!r}",
            ),
            (0 <= self.subsample < 1, f"subsample must be in [0, 1); got {self.subsample}"),
            (0 < self.cds <= MAX_CDS, f"cds must be in (0, {short_number(MAX_CDS)}]; got {self.cds}"),
            (0 < self.neg <= MAX_NEG, f"neg must be in (0, {short_number(MAX_NEG)}]; got {self.neg}"),
            (-MAX_EIG <= self.eig <= MAX_EIG, f"eig must be in [{short_number(-MAX_EIG)}, {short_number(MAX_EIG)}]; got {self.eig}"),
            (self.tokenizer in TOKENIZER_NAMES, f"tokenizer must be one of {', '.join(TOKENIZER_NAMES)}; got {self.tokenizer!r}"),
            (1 <= self.buckets <= MAX_BUCKETS, f"buckets must be between 1 and {MAX_BUCKETS}; got {self.buckets}"),
            (1 <= self.min_n <= MAX_N, f"min_n must be between 1 and {MAX_N}; got {self.min_n}"),
            (self.min_n <= self.max_n <= MAX_N, f"max_n must be between min_n ({self.min_n}) and {MAX_N}; got {self.max_n}"),
            (0 <= self.power_iterations <= MAX_POWER_ITERATIONS, f"power_iterations must be in [0, {MAX_POWER_ITERATIONS}]; got {self.power_iterations}"),
            (0 <= self.oversamples <= MAX_OVERSAMPLES, f"oversamples must be in [0, {MAX_OVERSAMPLES}]; got {self.oversamples}"),
            (0 <= self.seed <= MAX_SEED, f"seed must be in [0, 2**63); got {self.seed}"),
            (
                self.workers is None or 1 <= self.workers <= MAX_WORKERS,
                f"workers must be between 1 and {MAX_WORKERS}; got {self.workers}",
            ),
            (self.phrases is None or self.phrases.strip() != "", "phrases must be 'auto' or the path of a phrases file; got ''"),
            (
                self.phrase_scoring in PHRASE_SCORINGS,
                f"phrase_scoring must be one of {', '.join(PHRASE_SCORINGS)}; got {self.phrase_scoring!r}",
            ),
            (
                self.phrase_threshold is None or math.isfinite(self.phrase_threshold),
                f"phrase_threshold must be a finite number; got {self.phrase_threshold}",
            ),
            (
                self.phrase_threshold is None or self.phrase_scoring != "npmi" or -1 <= self.phrase_threshold <= 1,
                f"the npmi phrase_threshold must be between -1 and 1; got {self.phrase_threshold}",
            ),
            (self.phrase_min_count >= 1, f"phrase_min_count must be >= 1; got {self.phrase_min_count}"),
            (
                1 <= self.phrase_passes <= MAX_PHRASE_PASSES,
                f"phrase_passes must be between 1 and {MAX_PHRASE_PASSES}; got {self.phrase_passes}",
            ),
            (self.phrase_connectors.strip() != "", "phrase_connectors must be 'english', 'none' or a file's path; got ''"),
            (self.phrase_mode in PHRASE_MODES, f"phrase_mode must be one of {', '.join(PHRASE_MODES)}; got {self.phrase_mode!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ParameterError(message)


#: Build options renamed in this release, old name to new: still accepted, with a DeprecationWarning
#: from code, silently from the ``meta.json`` of models built before.
RENAMED_BUILD_OPTIONS = {"weighting": "distance_weighting"}
BuildParams.__init__ = renamed_keywords(**RENAMED_BUILD_OPTIONS)(BuildParams.__init__)  # type: ignore[method-assign]

_TYPES: dict[str, type] = {
    "dim": Integral, "window": Integral, "min_count": Integral, "max_vocab": Integral, "distance_weighting": str,
    "subsample": Real, "cds": Real, "neg": Real, "eig": Real, "add_context": bool, "normalize": bool,
    "seed": Integral, "tokenizer": str, "analogy_view": bool, "subwords": bool, "buckets": Integral,
    "min_n": Integral, "max_n": Integral, "power_iterations": Integral, "oversamples": Integral, "workers": Integral,
    "phrases": str, "phrase_scoring": str, "phrase_threshold": Real, "phrase_min_count": Integral,
    "phrase_passes": Integral, "phrase_connectors": str, "phrase_mode": str,
}
_TYPE_NAMES = {Integral: "an integer", str: "a string", bool: "True or False", Real: "a number"}


def short_number(number: float) -> str:
    """A number as the docs and messages write it: ``10``, ``1e6``, ``1e-05``."""
    return f"{number:g}".replace("e+0", "e").replace("e+", "e")



def build_options_text(indent: str = "") -> str:
    """The numpydoc description of every build option with its default: the Attributes of :class:`BuildParams`.

    Functions that take the options as keywords (:func:`wordvec.build`) show this in
    their docstring, so that ``help()`` lists each option without a second copy to drift.
    """
    doc = BuildParams.__doc__ or ""
    section = doc.split("Attributes\n    ----------\n", 1)[1]
    lines = [line[4:] if line.startswith("    ") else line for line in section.rstrip().splitlines()]
    return "\n".join(f"{indent}{line}" if line else "" for line in lines)
