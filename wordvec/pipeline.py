"""The build: corpus -> tokens -> vocabulary -> co-occurrence counts -> PPMI -> SVD -> word vectors."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import scipy.sparse as sp

from ._malloc import release_freed_memory, reused_heap_pages
from ._spill import is_spilled, release, row_blocks, spills, take_rows, tall_concatenate, tall_copy
from .arrays import first_non_finite_row
from .corpus import Corpus, CorpusSource
from .deprecation import renamed_attributes, renamed_keywords
from .errors import CorpusError, ParameterError, WordvecError, os_error_reason
from .options import ANALOGY_EIG, RENAMED_BUILD_OPTIONS, BuildParams, build_options_text, short_number
from .progress import ProgressCallback, no_progress
from .vectors import WordVectors
from .vocab import CorpusIds, Vocabulary

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .cooccur import CooccurrenceCounter, ForwardCounts
    from .corpus import CorpusStats
    from .phrase_join import PhraseTable
    from .phrases import Phrases
    from .subwords import NgramTable
    from .vocab import ScanResult

#: What a build's settings record as ``phrases`` when a :class:`~wordvec.phrases.Phrases` was handed to it.
GIVEN_PHRASES = "<given>"
#: Why a build on a Dask cluster refuses phrases: the workers keep no ids between the passes to join them in.
PHRASES_ON_A_CLUSTER = "phrases are joined on this machine only: build without --dask to use --phrases"
#: Largest share of zero vectors a build may give: beyond it most queries would answer nothing, so it fails.
MAX_ZERO_VECTOR_SHARE = 0.5
#: Rows of the vectors checked at a time (bounds the temporaries).
_CHECK_ROWS = 8192
#: Share of the vectors' squared length along their main direction above which cosines cannot tell
#: words apart: a warning beyond the first, an error beyond the second (a large ``eig`` does this).
PARALLEL_WARNING_SHARE = 0.9
PARALLEL_ERROR_SHARE = 0.99
#: Rows sampled (evenly spaced) to measure that share.
_PARALLEL_SAMPLE_ROWS = 20_000


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 3)


@dataclass
class CountedCorpus:
    """The counted corpus: vocabulary, co-occurrence matrix and statistics.

    Weighting and SVD settings can be varied on one ``CountedCorpus`` without recounting
    the corpus (see :func:`factorize`).
    """

    vocabulary: Vocabulary
    matrix: sp.csr_matrix
    stats: dict[str, Any]
    #: The corpus as ids of every word seen, kept for :func:`wordvec.incremental.update` (``keep_corpus=True``).
    corpus_ids: CorpusIds | None = None
    #: The phrases of the build (``phrases=...``), else None.
    phrases: Phrases | None = None
    #: The rows the phrases add (``phrase_mode="add"``), folded into the words' space after the SVD.
    phrase_rows: PhraseRows | None = None


class CountingPasses(Protocol):
    """The two passes that count a corpus (see :mod:`wordvec.parallel` for the local ones)."""

    def scan(self, tokenizer: str, progress: ProgressCallback) -> ScanResult:
        """Every distinct word of the corpus with its count, and the token and line totals."""

    def count_windows(
        self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback
    ) -> list[ForwardCounts]:
        """Count the windows of the corpus into forward co-occurrence counts.

        The corpus's provisional word ids are mapped to vocabulary ids by ``new_id_of``.
        """


def to_build_params(params: dict[str, Any]) -> BuildParams:
    """The :class:`BuildParams` of the keyword options ``params`` given to :func:`build`.

    Parameters
    ----------
    params : dict
        Option names and values, as :func:`build` takes them.

    Returns
    -------
    BuildParams
        The options, checked, with the defaults of those not given.

    Raises
    ------
    ParameterError
        An unknown option, or a value out of its range.
    """
    try:
        return BuildParams(**params)
    except TypeError as error:
        raise ParameterError(str(error).replace("BuildParams.__init__()", "build()")) from None


def count_corpus(
    corpus: CorpusSource, *, progress: ProgressCallback | None = None, keep_corpus: bool = False, **params: Any
) -> CountedCorpus:
    """Read, tokenize and count a corpus: the first stages of :func:`build`.

    Parameters are those of :func:`build`; the counting ones (``window``, ``min_count``,
    ``max_vocab``, ``weighting``, ``subsample``, ``seed``, ``tokenizer``) act here, and
    ``dim`` is checked against the vocabulary size. The matrix holds the real-valued
    (distance-weighted) counts in float32, rounded from exact integer sums. ``workers``
    processes read and count a large corpus in shards (see :mod:`wordvec.parallel`); the
    counts are exactly those of one process. ``keep_corpus`` also keeps the corpus as token
    ids (:attr:`CountedCorpus.corpus_ids`), which :func:`wordvec.incremental.update` needs
    to add text exactly.
    """
    params, given = _given_phrases(params)
    settings = to_build_params(params)
    from .parallel import counting_passes
    from ._cores import available_cores

    source = Corpus(corpus)
    with _temporary_files(), counting_passes(source, settings.workers or available_cores()) as passes:
        return count_passes(passes, source.stats, settings, progress or no_progress, keep_corpus=keep_corpus, phrases=given)


def _given_phrases(params: dict[str, Any]) -> tuple[dict[str, Any], Phrases | None]:
    """``params`` with a :class:`~wordvec.phrases.Phrases` or a path given as ``phrases`` as the settings record it, and that object."""
    value = params.get("phrases")
    if value is None or isinstance(value, str):
        return params, None
    if isinstance(value, os.PathLike):
        return {**params, "phrases": os.fspath(value)}, None
    from .phrases import Phrases

    if isinstance(value, Phrases):
        return {**params, "phrases": GIVEN_PHRASES}, value
    raise ParameterError(f"phrases must be 'auto', a phrases file's path or a Phrases; got {type(value).__name__}")


def count_passes(
    passes: CountingPasses,
    corpus_stats: CorpusStats,
    settings: BuildParams,
    notify: ProgressCallback,
    *,
    keep_corpus: bool = False,
    phrases: Phrases | None = None,
) -> CountedCorpus:
    """Count a corpus with ``passes``: the vocabulary, then the co-occurrence counts.

    Local processes, a Dask cluster (:mod:`wordvec.distributed`) and a model's kept corpus
    plus new text (:mod:`wordvec.incremental`) all count through here, so they prune the
    vocabulary and merge the counts the same way. ``corpus_stats`` is updated by the scan.
    ``keep_corpus`` also needs ``passes.iter_ids()``, the corpus as blocks of provisional ids.
    With ``settings.phrases``, phrases (``phrases`` if given, else as the settings say) are
    joined in the corpus's ids before the vocabulary is pruned, which needs ``passes.join_phrases``.
    """
    with reused_heap_pages():  # blocks of tokens and of counts, allocated and freed by the hundred
        return _count_passes(passes, corpus_stats, settings, notify, keep_corpus=keep_corpus, phrases=phrases)


def _count_passes(
    passes: CountingPasses,
    corpus_stats: CorpusStats,
    settings: BuildParams,
    notify: ProgressCallback,
    *,
    keep_corpus: bool,
    phrases: Phrases | None,
) -> CountedCorpus:
    from .cooccur import CooccurrenceCounter, subsample_keep_probability, symmetric_weights
    from .vocab import prune_vocabulary

    timings: dict[str, float] = {}
    with _timed(timings, "read_tokenize"):
        scan = passes.scan(settings.tokenizer, notify)
    if scan.tokens == 0:
        raise CorpusError(f"the corpus has no words ({', '.join(corpus_stats.names[:3])}); give it some text")
    phrase_stats = learned = None
    if settings.phrases is not None:
        with _timed(timings, "phrases"):
            phrases, learned, scan, phrase_stats = _learn_phrases(passes, scan, settings, phrases)
    corpus_ids = None
    if keep_corpus:
        corpus_ids = CorpusIds(scan.words, scan.counts, np.concatenate(list(passes.iter_ids())))
    with _timed(timings, "vocabulary"):
        vocabulary, new_id_of = prune_vocabulary(
            scan.words, scan.counts, min_count=settings.min_count, max_vocab=settings.max_vocab
        )
    _check_dim(settings, len(vocabulary), f" (of {len(scan.words)} distinct, min_count={settings.min_count})")
    keep = subsample_keep_probability(vocabulary.counts, settings.subsample) if settings.subsample > 0 else None
    phrase_rows = None
    if learned is not None:  # before the count, which may remove the spooled ids as it goes
        with _timed(timings, "phrase_contexts"):
            phrase_rows = _phrase_rows(passes, *learned, len(scan.words), new_id_of, keep, settings)
        phrase_stats.update(rows=len(phrase_rows.words), joined_tokens=phrase_rows.joined)
    distinct_words = len(scan.words)
    # The words below min_count are not needed again, and on a large corpus they are most of the
    # distinct words (13M of them beside a 2.5M-word vocabulary on 950M tokens): free them before counting.
    scan = dataclasses.replace(scan, words=[], counts=scan.counts[:0])
    with _timed(timings, "count"):
        compiled = counts_compiled(passes, scan.tokens)
        counter = CooccurrenceCounter(
            len(vocabulary), window=settings.window, distance_weighting=settings.distance_weighting, keep_probability=keep,
            seed=settings.seed, compiled=compiled,
        )
        scale = counter.scale
        forward_parts = passes.count_windows(counter, new_id_of, notify)
        del counter  # its forward counts are in the parts
        matrix = symmetric_weights(forward_parts, scale, compiled=compiled)
        del forward_parts
        release_freed_memory()
    stats = {
        "corpus": corpus_stats.names,
        "files": corpus_stats.files,
        "tokens": scan.tokens,
        "lines": scan.lines,
        "distinct_words": distinct_words,
        "vocab_size": len(vocabulary),
        "replaced_bytes": corpus_stats.replaced_bytes,
        "cooccurrence_pairs": int(matrix.nnz),
        "seconds": timings,
    }
    if phrase_stats is not None:
        stats["phrases"] = phrase_stats
    return CountedCorpus(vocabulary, matrix, stats, corpus_ids, phrases if settings.phrases is not None else None, phrase_rows)


def counts_compiled(passes: CountingPasses, tokens: int) -> bool:
    """Whether to count ``tokens`` tokens with the compiled kernels (:mod:`wordvec.compiled`); the counts are the same.

    Only in this machine's processes (``passes.compiled_counting``, true unless the passes say
    otherwise: a cluster's workers may lack numba), and as :func:`wordvec.compiled.use_for`
    decides: for a large enough corpus, where loading the compiled code costs less than it saves.
    """
    from .compiled import use_for

    return getattr(passes, "compiled_counting", True) and use_for(tokens)


def _learn_phrases(
    passes: CountingPasses, scan: ScanResult, settings: BuildParams, given: Phrases | None
) -> tuple[Phrases, tuple[list[str], list[PhraseTable]] | None, ScanResult, dict[str, Any]]:
    """Learn or read the phrases ``settings`` ask for.

    Returns the phrases; with ``phrase_mode="add"``, the words and tables to count their
    contexts with (:func:`_phrase_rows`), else None; the scan (with ``"replace"``, of the
    corpus with the phrases joined for good); and the statistics of the phrases.
    """
    from .phrases import join_corpus_phrases, phrases_of_settings
    from .vocab import ScanResult

    if not hasattr(passes, "join_phrases"):
        raise ParameterError(PHRASES_ON_A_CLUSTER)
    phrases, learn = phrases_of_settings(settings, given)
    replace = settings.phrase_mode == "replace"
    words, tables, counts = join_corpus_phrases(passes, scan, phrases, learn=learn, rewrite=replace)  # type: ignore[arg-type]
    stats: dict[str, Any] = {
        "phrases": len(phrases.phrases),
        "passes": len(phrases.layers),
        "mode": settings.phrase_mode,
        "connector_words": sorted(phrases.connector_words),
        "delimiter": phrases.delimiter,
    }
    if not replace:
        return phrases, (words, tables), scan, stats
    if counts is not None:
        stats["joined_tokens"] = int(counts[len(scan.words):].sum())
        scan = ScanResult(words, counts, scan.tokens, scan.lines, None)
    else:
        stats["joined_tokens"] = 0
    return phrases, None, scan, stats


@dataclass
class PhraseRows:
    """The phrases a build adds to the words' space (``phrase_mode="add"``): their words, counts and contexts.

    Attributes
    ----------
    words : list of str
        The phrases joined at least ``min_count`` times, most frequent first.
    counts : ndarray of int64
        How often each was joined.
    contexts : scipy.sparse.csr_matrix or None
        The distance-weighted counts of the words around them, as the co-occurrence matrix's
        rows count a word's, with the vocabulary's words as columns (None once a build has
        weighted them, as it drops the co-occurrence matrix).
    joined : int
        Phrase occurrences joined in the corpus, those of rarer phrases too.
    """

    words: list[str]
    counts: np.ndarray
    contexts: sp.csr_matrix | None
    joined: int


def _phrase_rows(
    passes: CountingPasses,
    words: list[str],
    tables: list[PhraseTable],
    scanned: int,
    new_id_of: np.ndarray,
    keep_probability: np.ndarray | None,
    settings: BuildParams,
) -> PhraseRows:
    """Count the contexts of each phrase of ``tables`` (ids ``scanned`` and up of ``words``) and keep those frequent enough."""
    from .cooccur import distance_weights
    from .phrase_join import phrase_contexts

    phrase_row = np.full(len(words), -1, dtype=np.int64)
    phrase_row[scanned:] = np.arange(len(words) - scanned)
    weights, _ = distance_weights(settings.window, settings.distance_weighting)
    contexts, occurrences = phrase_contexts(
        passes.iter_ids(), tables, phrase_row, new_id_of[:scanned],
        np.asarray(weights, dtype=np.int64), keep_probability=keep_probability, seed=settings.seed,
    )
    names = words[scanned:]
    order = sorted(np.flatnonzero(occurrences >= settings.min_count).tolist(), key=lambda row: (-occurrences[row], names[row]))
    rows = np.asarray(order, dtype=np.int64)
    return PhraseRows([names[row] for row in order], occurrences[rows], contexts[rows], int(occurrences.sum()))


@contextmanager
def _temporary_files() -> Iterator[None]:
    """Turn a failed write of the build's temporary files (counted parts, SVD blocks, spilled arrays; a full disk, say) into a one-line error."""
    try:
        yield
    except OSError as error:
        raise WordvecError(
            f"cannot write the build's temporary files in {tempfile.gettempdir()!r}: {os_error_reason(error)}; "
            "free some space there or set TMPDIR to a directory with room"
        ) from None


def _check_dim(settings: BuildParams, vocab_size: int, detail: str = "") -> None:
    if vocab_size < 2:
        # No dim is small enough: similarity needs two words.
        raise CorpusError(
            f"the vocabulary has {vocab_size} word{'' if vocab_size == 1 else 's'}{detail}, too few for word vectors; "
            "lower --min-count or use a larger corpus"
        )
    if vocab_size <= settings.dim:
        raise ParameterError(
            f"dim must be smaller than the vocabulary size; got dim={settings.dim} >= {vocab_size} words{detail}: "
            "lower --dim or --min-count, or use a larger corpus"
        )


@renamed_keywords(counts="counted")
def factorize(
    counted: CountedCorpus,
    *,
    progress: ProgressCallback | None = None,
    svd: Callable[..., tuple] | None = None,
    **params: Any,
) -> WordVectors:
    """Weight and factorise counted co-occurrences into word vectors: the last stages of :func:`build`.

    Parameters are those of :func:`build`; ``cds``, ``neg``, ``dim``, ``eig``,
    ``add_context``, ``normalize``, ``seed``, ``power_iterations`` and ``oversamples``
    act here. The counting parameters should be those ``counted`` (from :func:`count_corpus`)
    was made with: they are recorded in the model. ``counted`` is left as it was, so it can
    be factorised again with other settings. ``svd`` replaces :func:`wordvec.svd.randomized_svd` (same
    arguments and results), e.g. by the one of :mod:`wordvec.distributed` that runs on a cluster.
    """
    params, _ = _given_phrases(params)  # the phrases, if any, are those ``counted`` was joined with
    with _temporary_files():  # the SVD's, and a large vocabulary's spilled arrays
        return _factorize(counted, to_build_params(params), progress or no_progress, keep_matrix=True, svd=svd)


def _factorize(
    counted: CountedCorpus,
    settings: BuildParams,
    notify: ProgressCallback,
    *,
    keep_matrix: bool,
    svd: Callable[..., tuple] | None = None,
) -> WordVectors:
    from .svd import embed, svd_embedding
    from .ppmi import ppmi

    _check_dim(settings, len(counted.vocabulary))
    timings = dict(counted.stats["seconds"])
    incidence = _start_ngram_matrix(counted.vocabulary.words, settings)
    with _timed(timings, "weight"):
        notify("weight", 0, None)
        uncounted = np.diff(counted.matrix.indptr) == 0  # words in no counted pair
        phrase_ppmi = _phrase_ppmi(counted, settings, svd)
        if phrase_ppmi is not None and not keep_matrix:
            counted.phrase_rows.contexts = None  # weighted: the counts are not needed again
        # Hand-over through a list, so that the SVD holds the only reference to each
        # matrix and can free it (the counts once weighted, the PPMI once split).
        operand = [ppmi(counted.matrix, cds=settings.cds, neg=settings.neg, copy=keep_matrix)]
        if not keep_matrix:
            counted.matrix = None
            release_freed_memory()
        nonzeros = int(operand[0].nnz)
        without_context = _without_positive_context(operand[0], settings.add_context)
        without_row = np.diff(operand[0].indptr) == 0  # zero in the analogy view, which has no context vectors
        # Most vectors zero: fail before the SVD's work.
        _zero_vectors_report(without_context, uncounted, without_context, counted.vocabulary.words, settings)
    with _timed(timings, "svd"):
        notify("svd", 0, None)
        analogy_eig = ANALOGY_EIG if settings.analogy_view else None
        analogy = None
        folded: dict[str, np.ndarray] = {}
        if svd is None:
            vectors, s, *views = svd_embedding(
                operand.pop(),
                settings.dim,
                eig=settings.eig,
                add_context=settings.add_context,
                normalize=settings.normalize,
                oversamples=settings.oversamples,
                power_iterations=settings.power_iterations,
                seed=settings.seed,
                analogy_eig=analogy_eig,
                fold_in=phrase_ppmi,
                folded=folded,
            )
            del phrase_ppmi
            analogy = views[0] if views else None
        else:
            u, s, vt = svd(
                operand.pop(),
                settings.dim,
                oversamples=settings.oversamples,
                power_iterations=settings.power_iterations,
                seed=settings.seed,
            )
            vectors = embed(u, s, vt, eig=settings.eig, add_context=settings.add_context, normalize=settings.normalize)
            if analogy_eig is not None:
                analogy = embed(u, s, vt, eig=analogy_eig, add_context=False, normalize=True)
    # The phrases' rows follow the words', most frequent first; everything below reads the words' rows, views of these.
    word_rows = len(counted.vocabulary)
    if folded:
        vectors = tall_concatenate([vectors, folded.pop("similarity")])
        if analogy is not None:
            analogy = tall_concatenate([analogy, folded.pop("analogy")])
    words_only, analogy_words = vectors[:word_rows], None if analogy is None else analogy[:word_rows]
    # Exactly zero: the SVD leaves rounding noise in the rows of words with no context, which normalising would enlarge.
    words_only[without_context] = 0
    if analogy_words is not None:
        analogy_words[without_row] = 0
    _require_usable_lengths(words_only, counted.vocabulary.words, settings)
    # Most vectors zero or parallel: refused before the n-grams are fitted to them.
    _zero_vectors_report(_zero_rows(words_only), uncounted, without_context, counted.vocabulary.words, settings)
    _parallel_vectors_report(words_only, settings)
    tables = {}
    unblended = None
    if settings.subwords:
        with _timed(timings, "subwords"):
            notify("subwords", 0, None)
            tables, unblended = _subword_tables(
                counted.vocabulary.words, {"similarity": words_only, "analogy": analogy_words}, settings, incidence
            )
        if unblended is not None and len(analogy) > word_rows:  # a phrase's row has no n-grams to blend
            unblended = tall_concatenate([unblended, analogy[word_rows:]])
    # The warnings speak of the vectors as built: a word without context takes its n-grams' vector.
    zero = _zero_rows(words_only)
    warnings = [
        _zero_vectors_report(zero, uncounted, without_context, counted.vocabulary.words, settings),
        _parallel_vectors_report(words_only, settings),
    ]
    stats = dict(counted.stats)
    stats.update(ppmi_nonzeros=nonzeros, singular_values=[round(float(x), 6) for x in s[:10]], seconds=timings)
    stats["zero_vectors"] = int(zero.sum())
    if any(warnings):
        stats["warnings"] = [warning for warning in warnings if warning]
    params = dataclasses.asdict(settings)
    words, counts = counted.vocabulary.words, counted.vocabulary.counts
    if len(vectors) > word_rows:
        rows = counted.phrase_rows
        words, counts = [*words, *rows.words], np.concatenate([counts, rows.counts])
    analogy_model = None
    if analogy is not None:
        analogy_params = {**params, "eig": ANALOGY_EIG, "add_context": False, "normalize": True}
        unblended_model = None
        if unblended is not None:
            unblended_model = WordVectors(words, unblended, counts, params=analogy_params, stats=stats, subwords=tables.get("analogy"))
        analogy_model = WordVectors(words, analogy, counts, params=analogy_params, stats=stats, subwords=tables.get("analogy"),
                                    unblended=unblended_model)
    model = WordVectors(
        words, vectors, counts, params=params, stats=stats, subwords=tables.get("similarity"), analogy_view=analogy_model
    )
    model.phrases = counted.phrases
    return model


def _phrase_ppmi(counted: CountedCorpus, settings: BuildParams, svd: Callable[..., tuple] | None) -> sp.csr_matrix | None:
    """The PPMI of the phrases' rows (``counted.phrase_rows``), weighed against the words' contexts; None without phrase rows."""
    from .ppmi import context_counts, ppmi

    rows = counted.phrase_rows
    if rows is None or not rows.words:
        return None
    if svd is not None:
        raise ParameterError(PHRASES_ON_A_CLUSTER)
    return ppmi(rows.contexts, cds=settings.cds, neg=settings.neg, context_sums=context_counts(counted.matrix))


def _start_ngram_matrix(words: list[str], settings: BuildParams) -> Future | None:
    """:func:`~wordvec.subwords.ngram_matrix` of the vocabulary, begun on a thread; None if not wanted here.

    The words' n-grams do not depend on the vectors: hashed while the SVD runs (whose set-up
    leaves a core idle at times), they are ready when the n-grams are fitted. A vocabulary
    whose vectors spill to disk hashes them later instead (see :func:`_subword_tables`).
    """
    from ._cores import in_background
    from .subwords import ngram_matrix

    if not settings.subwords or spills(len(words) * settings.dim * np.dtype(np.float32).itemsize):
        return None
    return in_background(ngram_matrix, words, settings.buckets, settings.min_n, settings.max_n)


def _subword_tables(
    words: list[str], views: dict[str, np.ndarray | None], settings: BuildParams, incidence: Future | None = None
) -> tuple[dict[str, NgramTable], np.ndarray | None]:
    """Fit an n-gram table, carry it to the other view, and blend each view's vectors with their words' n-grams (in place).

    One fit serves both views: to the analogy view's vectors (the one that leans on its
    n-grams) when there is one, carried to the similarity view by :func:`~wordvec.subwords.map_table`.
    ``incidence`` is the words' :func:`~wordvec.subwords.ngram_matrix` begun earlier, if it was.
    Returns the tables and a copy of the analogy view as it was before the blend (or None):
    it answers the analogies whose words are not spelled alike (:class:`WordVectors`, ``unblended``).
    """
    from ._cores import available_cores
    from .subwords import (
        BLEND_WEIGHTS, NgramTable, as_unit_rows, blend_with_ngrams, fit_ngram_table, fit_sums, map_table, ngram_matrix,
    )

    release_freed_memory()  # the SVD's temporaries
    threads = settings.workers or available_cores()
    alphabetical = np.argsort(np.array(words, dtype=object), kind="stable")  # words sharing n-grams side by side
    present = {name: vectors for name, vectors in views.items() if vectors is not None}
    fitted_view = "analogy" if "analogy" in present else "similarity"
    targets = as_unit_rows(present[fitted_view])
    # G E of the fitted table, summed up by the fit: both blends read it instead of composing again.
    composed = fit_sums(*targets.shape)
    if is_spilled(targets):
        # A large vocabulary: the fit holds the n-gram matrix in its own order, so this order's
        # is made again after it (hashing twice) rather than held beside it. The argument is
        # made in the call, so the fit holds the only reference and frees it once reordered.
        bucket_ids, fitted = fit_ngram_table(
            ngram_matrix(words, settings.buckets, settings.min_n, settings.max_n), targets, threads=threads,
            locality_order=alphabetical, composed=composed,
        )
        incidence = ngram_matrix(words, settings.buckets, settings.min_n, settings.max_n)
    else:
        incidence = ngram_matrix(words, settings.buckets, settings.min_n, settings.max_n) if incidence is None else incidence.result()
        bucket_ids, fitted = fit_ngram_table(incidence, targets, threads=threads, locality_order=alphabetical, composed=composed)
    del targets
    tables = {fitted_view: NgramTable(fitted, bucket_ids, settings.buckets, settings.min_n, settings.max_n)}
    for name, vectors in present.items():
        if name not in tables:  # from the views as they are, before either is blended
            tables[name] = map_table(tables[fitted_view], present[fitted_view], vectors)
    release_freed_memory()  # the fit's temporaries, before the copy
    unblended = tall_copy(present["analogy"]) if "analogy" in present else None
    for name, vectors in present.items():
        blend_with_ngrams(
            vectors, incidence, BLEND_WEIGHTS[name], min_n=settings.min_n, max_n=settings.max_n, threads=threads,
            table=tables[name], composed=composed,
        )
    return tables, unblended


def _without_positive_context(weighted: sp.csr_matrix, add_context: bool) -> np.ndarray:
    """Words whose vector is zero by construction: no positive PPMI as a word (nor as a context, with ``w+c``)."""
    from .cooccur import entries_per_column

    empty = np.diff(weighted.indptr) == 0
    if add_context:
        empty &= entries_per_column(weighted)[: len(empty)] == 0
    return empty


def main_direction_share(vectors: np.ndarray) -> float:
    """The share of the unit vectors' squared length that lies along their main direction (1/dim to 1).

    The largest eigenvalue of the mean of ``v v^T`` over the non-zero rows scaled to unit
    length (an evenly spaced sample of them, for a large vocabulary). Near 1, every
    vector points along one line, and every cosine is near +1 or -1.
    """
    step = max(1, len(vectors) // _PARALLEL_SAMPLE_ROWS)
    sample = take_rows(vectors, slice(None, None, step)).astype(np.float64)
    lengths = np.linalg.norm(sample, axis=1)
    sample = sample[lengths > 0] / lengths[lengths > 0, None]
    if len(sample) == 0:
        return 0.0
    return float(np.linalg.eigvalsh(sample.T @ sample / len(sample))[-1])


def _parallel_vectors_report(vectors: np.ndarray, settings: BuildParams) -> str | None:
    """A warning if a positive ``eig`` made the vectors nearly parallel; ParameterError if no cosine tells words apart.

    Only a positive ``eig`` is blamed: it weighs the main direction most. Vectors of a
    tiny corpus may be parallel whatever the options; that is the data's doing.
    """
    if settings.dim < 2 or settings.eig <= 0:
        return None
    share = main_direction_share(vectors)
    advice = f"bring --eig nearer 0 (it is {settings.eig:g}; 0 to 1 is usual)"
    if share > PARALLEL_ERROR_SHARE:
        raise ParameterError(
            f"the vectors are all but parallel ({share:.1%} of their length lies along one direction), so every "
            f"cosine is near 1 or -1: {advice}"
        )
    if share > PARALLEL_WARNING_SHARE:
        return (
            f"the vectors are nearly parallel ({share:.0%} of their length lies along one direction), so most "
            f"cosines are near 1 or -1: {advice}"
        )
    return None


def _zero_rows(vectors: np.ndarray) -> np.ndarray:
    """Which rows of ``vectors`` are all zero, a block of rows at a time."""
    zero = np.zeros(len(vectors), dtype=bool)
    for start, block in row_blocks(vectors, _CHECK_ROWS):
        zero[start : start + len(block)] = ~block.any(axis=1)
    return zero


def _require_usable_lengths(vectors: np.ndarray, words: list[str], settings: BuildParams) -> None:
    """Refuse built vectors that hold NaN or infinity, or whose length float32 cannot hold (queries divide by it)."""
    row = first_non_finite_row(vectors)
    if row is not None:
        raise WordvecError(
            f"the build gave a non-finite vector for {words[row]!r} (row {row}) with eig={settings.eig}: "
            "bring --eig nearer 0"
        )
    if settings.normalize:
        return
    # Unnormalised vectors are divided by their length for every cosine, computed in float32 as here.
    for start, block in row_blocks(vectors, _CHECK_ROWS):
        with np.errstate(over="ignore", under="ignore"):
            lengths = np.linalg.norm(block, axis=1)
        unusable = ~np.isfinite(lengths) | ((lengths == 0) & block.any(axis=1))
        if unusable.any():
            row = start + int(np.argmax(unusable))
            length = float(np.linalg.norm(vectors[row].astype(np.float64)))
            raise ParameterError(
                f"eig={settings.eig} with normalize=False gives {words[row]!r} a vector of length {length:.3g}, "
                "beyond float32: bring eig nearer 0 or set normalize=True"
            )


def _zero_vectors_report(
    zero: np.ndarray, uncounted: np.ndarray, without_context: np.ndarray, words: list[str], settings: BuildParams
) -> str | None:
    """Fail when all or most vectors are zero, saying which option did it; else a warning for some, or None.

    ``zero`` are the zero vectors, ``uncounted`` the words in no counted pair, ``without_context``
    those with no positive PPMI (which includes them).
    """
    zeros = int(zero.sum())
    if zeros == 0:
        return None
    total = len(zero)
    causes, parameter_caused = [], False

    def how_many(count: int) -> str:
        return "all" if count == total else str(count)

    dropped = int((zero & uncounted).sum())
    if dropped:
        if settings.subsample > 0:
            causes.append(
                f"{how_many(dropped)} lost every pair to subsample={short_number(settings.subsample)}: "
                "raise --subsample or set it to 0"
            )
            parameter_caused = True
        else:
            causes.append(f"{how_many(dropped)} share no line with another word within the window")
    shifted = int((zero & without_context & ~uncounted).sum())
    if shifted:
        if settings.neg > 1:
            causes.append(
                f"{how_many(shifted)} have no positive PPMI left after the shift of neg={short_number(settings.neg)}: lower --neg"
            )
            parameter_caused = True
        else:
            causes.append(f"{how_many(shifted)} have no context more frequent than chance")
    outside = int((zero & ~without_context).sum())
    if outside:
        causes.append(f"{how_many(outside)} lie outside the top {settings.dim} dimensions: raise --dim")
        parameter_caused = True
    examples = ", ".join(repr(words[row]) for row in np.flatnonzero(zero)[:3]) + (", ..." if zeros > 3 else "")
    if zeros > MAX_ZERO_VECTOR_SHARE * total:
        error = ParameterError if parameter_caused else CorpusError
        what = "every word" if zeros == total else f"{zeros} of {total} words"
        raise error(f"{what} would get a zero vector ({examples}): {'; '.join(causes)}")
    return f"{zeros} of {total} words get a zero vector ({examples}): {'; '.join(causes)}"


@renamed_keywords(**RENAMED_BUILD_OPTIONS)
def build(
    corpus: CorpusSource,
    params: BuildParams | None = None,
    *,
    progress: ProgressCallback | None = None,
    **overrides: Any,
) -> WordVectors:
    """Build word vectors from a corpus.

    Parameters
    ----------
    corpus : str, path-like, iterable of path-like, or iterable of str
        Files or directories (``.gz``/``.bz2``/``.xz`` read transparently, ``"-"`` for
        stdin), or lines of text from Python; see :class:`wordvec.corpus.Corpus`.
    params : BuildParams, optional
        Every hyperparameter at once (default: ``BuildParams()``); ``overrides`` replace
        some of them.
    progress : callable, optional
        ``progress(stage, done, total)`` is called as work proceeds.
    **overrides
        Hyperparameters by name, each one of the options below (the fields of
        :class:`BuildParams`).

    Other Parameters
    ----------------
{options}

    Returns
    -------
    WordVectors
        Unit-length vectors of the vocabulary, with counts, parameters and statistics.

    Raises
    ------
    CorpusError
        The corpus is missing, unreadable or has no tokens.
    ParameterError
        A parameter is unknown or out of range, or ``dim`` is not smaller than the vocabulary.

    Examples
    --------
    >>> import wordvec
    >>> lines = ["the king rules the land", "the queen rules the land"] * 20
    >>> model = wordvec.build(lines, dim=2, min_count=1, window=2, subsample=0)  # tiny corpus: keep every token
    >>> model.most_similar("king", topn=1)[0][0]
    'queen'
    >>> wordvec.build(lines, wordvec.BuildParams(dim=2, min_count=1, window=2, subsample=0)).dim
    2
    """
    if params is not None and not isinstance(params, BuildParams):
        raise ParameterError(f"params must be a BuildParams; got {type(params).__name__}")
    merged, given = _given_phrases({**dataclasses.asdict(params or BuildParams()), **overrides})
    settings = to_build_params(merged)
    counted = count_corpus(corpus, progress=progress, **{**dataclasses.asdict(settings), "phrases": given or settings.phrases})
    with _temporary_files():  # the SVD's, and a large vocabulary's spilled arrays
        return _factorize(counted, settings, progress or no_progress, keep_matrix=False)


# help(build) lists every option with its default, taken from BuildParams (written once, there).
build.__doc__ = build.__doc__.replace("{options}", build_options_text(indent="    "))


__getattr__ = renamed_attributes(__name__, {"Counts": "CountedCorpus", "count": "count_corpus"})
