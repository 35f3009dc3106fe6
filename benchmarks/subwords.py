"""Subword (character n-gram) vectors for count-based word vectors: the methods of issue 18 compared.

Usage::

    PYTHONPATH=. python benchmarks/subwords.py [--cache DIR] [--corpus-dir ../shared/corpora]
        [--eval-dir ../shared/eval] [--only ROW ...]

Counts the bench corpus twice (the default vocabulary, and ``max_vocab=20000`` for the unseen-word
test), weights the counts by PPMI and factorises them with wordvec's randomized SVD (dim 300,
3 power iterations, seed 0); ``U``, ``S``, ``V`` and the vocabularies are saved in
``--cache`` (default /tmp/wordvec-subwords) and reused. Then every row of ``METHODS`` is fitted and
scored and one markdown table is printed:

- add, mul: Google analogies (3CosAdd, 3CosMul), every vocabulary word a candidate, on the vectors
  used for analogies (the analogy view if the method has one); add 30k, mul 30k: restricted to the
  30,000 most frequent words (as quality.py); gram add/mul: the ``gram*`` sections, whole vocabulary;
- WS353, SimLex: Spearman on the similarity vectors;
- typo@10: 300 typos of words of frequency rank 2,000-20,000 (two adjacent inner letters swapped,
  not a vocabulary word, seed 0); the share whose word is among the 10 nearest similarity vectors of
  the typo's composed vector;
- unseen WS/SL/add/mul: with the ``max_vocab=20000`` model and the same method, the score over all
  pairs (questions) with composed vectors for the words outside it, over the score of the same model
  on the pairs (questions) it covers;
- stage s, peak MB: seconds and peak traced allocation (tracemalloc) of the subword stage of the full
  model (hashing, incidence matrix, fit, blend); table MB: buckets x 300 float32 per view; used MB:
  the rows of buckets some vocabulary word uses (the others are exactly zero).

Measured command and running time (2-core machine shared with other jobs)::

    OPENBLAS_NUM_THREADS=2 PYTHONPATH=. python benchmarks/subwords.py --cache /work/tmp-subwords

counts and SVDs about 65 s once, then about 8 minutes for the table; peak RSS about 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")  # before numpy is imported: the machine's two cores

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
DIM = 300
#: Rows of a tall matrix updated at a time in the solver (bounds the temporaries).
_ROWS = 8192

# -- intermediates: counts, PPMI, SVD ---------------------------------------------------------------


@dataclass
class Factors:
    """A counted corpus factorised: vocabulary, counts, the PPMI matrix's truncated SVD ``U S V^T``."""

    words: list[str]
    counts: np.ndarray
    u: np.ndarray
    s: np.ndarray
    v: np.ndarray  # context vectors, (words x dim): V, not V^T

    def view(self, eig: float, add_context: bool) -> np.ndarray:
        """Unit-length word vectors ``U S^eig`` (plus ``V S^eig`` with ``w+c``), as wordvec's build makes them."""
        from wordvec.svd import embed

        return embed(self.u, self.s, self.v.T, eig=eig, add_context=add_context, normalize=True)


def factors(cache: Path, corpus: list[str], max_vocab: int | None) -> Factors:
    """Count ``corpus`` with wordvec's defaults (and ``max_vocab``), weight and factorise it; cached in ``cache``."""
    name = "full" if max_vocab is None else f"top{max_vocab}"
    files = {key: cache / f"{name}-{key}.npy" for key in ("counts", "u", "s", "v")}
    words_file = cache / f"{name}-words.txt"
    if not all(file.exists() for file in files.values()) or not words_file.exists():
        from wordvec.pipeline import count
        from wordvec.ppmi import ppmi
        from wordvec.svd import randomized_svd

        started = time.perf_counter()
        counted = count(corpus, max_vocab=max_vocab, workers=1)
        weighted = [ppmi(counted.matrix, copy=False)]
        counted.matrix = None
        u, s, vt = randomized_svd(weighted.pop(), DIM, seed=0, power_iterations=3, oversamples=20)
        cache.mkdir(parents=True, exist_ok=True)
        words_file.write_text("\n".join(counted.vocabulary.words) + "\n", encoding="utf-8")
        for key, array in (("counts", counted.vocabulary.counts), ("u", u), ("s", s), ("v", np.ascontiguousarray(vt.T))):
            np.save(files[key], array)
        print(f"[{name}: counted and factorised in {time.perf_counter() - started:.1f} s, {len(u):,} words]", flush=True)
    words = words_file.read_text(encoding="utf-8").split("\n")[:-1]
    return Factors(words, *(np.load(files[key]) for key in ("counts", "u", "s", "v")))


# -- fastText's subwords, vectorised ---------------------------------------------------------------

FNV_OFFSET = np.uint32(2166136261)
FNV_PRIME = np.uint32(16777619)


def fasttext_hash(text: str) -> int:
    """fastText's ``Dictionary::hash``: 32-bit FNV-1a over the UTF-8 bytes, each byte sign-extended (``int8_t``).

    The reference for :func:`subword_buckets`, one string at a time; bytes >= 0x80 are xored in
    as 0xffffffxx, as fastText's cast of a ``char`` does, so non-ASCII n-grams hash as in fastText.
    """
    h = 2166136261
    for byte in text.encode("utf-8"):
        h ^= byte | 0xFFFFFF00 if byte >= 0x80 else byte
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def fasttext_subwords(word: str, minn: int, maxn: int) -> list[str]:
    """The n-grams fastText's ``Dictionary::computeSubwords`` takes from ``<word>`` (n counted in characters)."""
    marked = f"<{word}>"
    grams = []
    for i in range(len(marked)):
        for n in range(minn, maxn + 1):
            if i + n > len(marked) or (n == 1 and (i == 0 or i + n == len(marked))):
                continue
            grams.append(marked[i : i + n])
    return grams


def subword_buckets(words: list[str], minn: int = 3, maxn: int = 6, buckets: int = 2_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram of every word, as ``(word row, bucket)`` arrays: fastText's subwords and hashes, vectorised.

    All characters of all ``<word>`` strings are laid end to end; the hash of the n-grams
    starting at every character is advanced one character (its UTF-8 bytes, sign-extended as
    fastText does) per step for all starts at once, and those that are whole n-grams of
    ``minn..maxn`` characters inside their word are emitted. Duplicates within a word are kept
    (fastText averages over the list with repeats).
    """
    marked = [f"<{word}>" for word in words]
    lengths = np.fromiter((len(m) for m in marked), dtype=np.int64, count=len(marked))
    points = np.frombuffer("".join(marked).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    word_of = np.repeat(np.arange(len(words)), lengths)
    ends = np.repeat(np.cumsum(lengths), lengths)  # end (exclusive) of each character's word
    position = np.arange(len(points))
    starts_word = position == np.repeat(np.cumsum(lengths) - lengths, lengths)
    # UTF-8 bytes of each code point (up to 4), and how many.
    nbytes = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    utf8 = np.zeros((len(points), 4), dtype=np.int64)
    one, two, three, four = (nbytes == k for k in (1, 2, 3, 4))
    utf8[one, 0] = points[one]
    utf8[two, 0] = 0xC0 | (points[two] >> 6)
    utf8[two, 1] = 0x80 | (points[two] & 0x3F)
    utf8[three, 0] = 0xE0 | (points[three] >> 12)
    utf8[three, 1] = 0x80 | ((points[three] >> 6) & 0x3F)
    utf8[three, 2] = 0x80 | (points[three] & 0x3F)
    utf8[four, 0] = 0xF0 | (points[four] >> 18)
    utf8[four, 1] = 0x80 | ((points[four] >> 12) & 0x3F)
    utf8[four, 2] = 0x80 | ((points[four] >> 6) & 0x3F)
    utf8[four, 3] = 0x80 | (points[four] & 0x3F)
    signed = np.where(utf8 >= 0x80, utf8 | 0xFFFFFF00, utf8).astype(np.uint32)
    hashes = np.full(len(points), FNV_OFFSET, dtype=np.uint32)
    rows, cols = [], []
    for n in range(1, maxn + 1):
        alive = position + n <= ends  # the n-gram starting here ends inside its word
        if not alive.any():
            break
        index = np.flatnonzero(alive)
        at = index + n - 1
        h = hashes[index]
        for b in range(4):
            take = nbytes[at] > b
            h[take] = (h[take] ^ signed[at[take], b]) * FNV_PRIME
        hashes[index] = h
        if n >= minn:
            keep = index
            if n == 1:  # fastText leaves out the lone boundary markers
                keep = index[~(starts_word[index] | (index + 1 == ends[index]))]
                h = hashes[keep]
            rows.append(word_of[keep])
            cols.append((h % np.uint32(buckets)).astype(np.int64))
    return np.concatenate(rows), np.concatenate(cols)


@dataclass
class Incidence:
    """Words' n-grams as a sparse (words x used buckets) matrix, rows scaled to a mean.

    Only the buckets some vocabulary word uses get a column: the others' least-squares
    vectors are exactly zero, so they need no row in the solver (nor in a compact table).
    """

    matrix: sp.csr_matrix  # rows sum to 1: composed = matrix @ E is the mean of the word's n-gram vectors
    used: np.ndarray  # bucket of each column
    buckets: int
    minn: int
    maxn: int

    @classmethod
    def of(cls, words: list[str], *, minn: int = 3, maxn: int = 6, buckets: int = 2_000_000) -> Incidence:
        rows, cols = subword_buckets(words, minn, maxn, buckets)
        used, compact = np.unique(cols, return_inverse=True)
        counts = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, compact)), shape=(len(words), len(used))
        )
        counts.sum_duplicates()
        return cls(_mean_rows(counts), used, buckets, minn, maxn)

    def compose(self, words: list[str], table: np.ndarray) -> np.ndarray:
        """Mean of the n-gram vectors of ``words`` (a bucket no vocabulary word uses contributes a zero vector)."""
        rows, cols = subword_buckets(words, self.minn, self.maxn, self.buckets)
        where = np.clip(np.searchsorted(self.used, cols), 0, len(self.used) - 1)
        known = self.used[where] == cols
        counts = sp.csr_matrix(
            (known.astype(np.float32), (rows, where)), shape=(len(words), len(self.used))
        )
        per_word = np.bincount(rows, minlength=len(words)).astype(np.float32)
        return np.asarray(sp.diags(1 / np.maximum(per_word, 1)) @ counts @ table, dtype=np.float32)


def _mean_rows(counts: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(counts.sum(axis=1)).ravel()
    scaled = sp.diags((1 / np.maximum(sums, 1)).astype(np.float32)) @ counts
    return sp.csr_matrix(scaled, dtype=np.float32)


def unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0).astype(np.float32)


# -- ways of finding the n-gram vectors -------------------------------------------------------------


def crude_table(incidence: Incidence, target: np.ndarray) -> np.ndarray:
    """Each n-gram's vector is the mean of the target vectors of the words containing it."""
    binary = incidence.matrix.copy()
    binary.data[:] = 1
    per_gram = np.asarray(binary.sum(axis=0)).ravel()
    return np.asarray(sp.diags(1 / per_gram) @ (binary.T @ target), dtype=np.float32)


class _Threaded:
    """``A @ X`` for a CSR ``A``, its rows in two halves on two threads (scipy's kernel releases the GIL)."""

    def __init__(self, matrix: sp.csr_matrix, threads: int = 2) -> None:
        from concurrent.futures import ThreadPoolExecutor

        cuts = np.searchsorted(matrix.indptr, np.linspace(0, matrix.nnz, threads + 1)[1:-1])
        bounds = [0, *cuts.tolist(), matrix.shape[0]]
        self.parts = [(a, b, matrix[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        self.shape = matrix.shape
        self.pool = ThreadPoolExecutor(threads)

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        out = np.empty((self.shape[0], dense.shape[1]), dtype=np.float32)

        def run(part):
            a, b, block = part
            out[a:b] = block @ dense

        list(self.pool.map(run, self.parts))
        return out


def ridge_table(
    incidence: Incidence,
    target: np.ndarray,
    *,
    lam: float,
    iterations: int,
    columns_per_block: int = DIM,
) -> np.ndarray:
    """Bucket vectors ``E`` minimising ``||G E - W||^2 + lam ||E||^2`` by Jacobi-preconditioned CG.

    ``G`` is the mean-scaled incidence matrix, ``W`` the target (unit word vectors). The
    normal equations ``(G^T G + lam I) E = G^T W`` are solved for every column of
    ``W`` at once: one conjugate-gradient recurrence per column (its own step lengths), all
    sharing the two sparse products of an iteration. Columns can be taken in blocks to bound
    the memory of the five tall matrices (E, residual, preconditioned residual, direction,
    product).
    """
    g = incidence.matrix
    forward, backward = _Threaded(g), _Threaded(sp.csr_matrix(g.T))
    diagonal = np.asarray(g.multiply(g).sum(axis=0)).ravel() + lam
    inverse_diagonal = (1 / diagonal).astype(np.float32)[:, None]
    table = np.empty((g.shape[1], target.shape[1]), dtype=np.float32)
    for first in range(0, target.shape[1], columns_per_block):
        cols = slice(first, first + columns_per_block)
        e = np.zeros((g.shape[1], target[:, cols].shape[1]), dtype=np.float32)
        r = backward @ np.ascontiguousarray(target[:, cols])  # the residual of E = 0
        z = r * inverse_diagonal
        p = z.copy()
        rz = np.einsum("ij,ij->j", r, z)
        for _ in range(iterations):
            q = backward @ (forward @ p)
            q += lam * p
            alpha = (rz / np.maximum(np.einsum("ij,ij->j", p, q), 1e-30)).astype(np.float32)
            rz_new = np.zeros_like(rz)
            for rows in range(0, len(e), _ROWS):  # row blocks: no temporary as tall as the table
                block = slice(rows, rows + _ROWS)
                e[block] += p[block] * alpha
                r[block] -= q[block] * alpha
                np.multiply(r[block], inverse_diagonal[block], out=z[block])
                rz_new += np.einsum("ij,ij->j", r[block], z[block])
            beta = (rz_new / np.maximum(rz, 1e-30)).astype(np.float32)
            for rows in range(0, len(e), _ROWS):
                block = slice(rows, rows + _ROWS)
                p[block] *= beta
                p[block] += z[block]
            rz = rz_new
        table[:, cols] = e
        del e, r, z, p
    forward.pool.shutdown()
    backward.pool.shutdown()
    return table


def all_but_the_top(vectors: np.ndarray, components: int) -> np.ndarray:
    """Mu & Viswanath (2018): remove the mean and the top ``components`` principal directions, then unit rows."""
    mean = vectors.mean(axis=0, dtype=np.float64).astype(np.float32)
    centred = vectors - mean
    _, _, vt = np.linalg.svd(centred[:: max(1, len(centred) // 50_000)].astype(np.float64), full_matrices=False)
    top = vt[:components].astype(np.float32)
    return unit(centred - (centred @ top.T) @ top)


# -- a method: how n-gram vectors are found and mixed into the word vectors -------------------------


@dataclass(frozen=True)
class Method:
    """One design: the table's solver, the target view(s), the blend, post-processing, bucket count and n range.

    ``views`` is ``("sim",)`` for one set of vectors (the build's defaults, eig 0 with w+c) used
    for every task, or ``("sim", "ana")`` for a second view (eig 0.5, no w+c) used for analogies,
    each with its own table. ``fit`` is "none", "crude", "fold" (n-gram rows of PPMI folded into the
    SVD basis, which is the crude mean of unnormalised ``U S^eig`` rows) or "ridge". The blend of an
    in-vocabulary word is ``unit(w + alpha unit(G w_row E))``, ``alpha = blend * min(1, c0 / count) ** power``.
    """

    name: str
    fit: str = "ridge"
    views: tuple[str, ...] = ("sim", "ana")
    lam: float = 0.3
    iterations: int = 5
    blend: float = 0.5  # of the similarity view
    ana_blend: float = 2.0  # of the analogy view
    c0: float = 1.0
    power: float = 0.0
    abtt: int = 0
    buckets: int = 2_000_000
    minn: int = 3
    maxn: int = 6

    def alpha(self, view: str, counts: np.ndarray) -> np.ndarray:
        weight = self.blend if view == "sim" else self.ana_blend
        return (weight * np.minimum(1.0, self.c0 / counts.astype(np.float64)) ** self.power).astype(np.float32)


VIEW_SETTINGS = {"sim": (0.0, True), "ana": (0.5, False)}


@dataclass
class Fitted:
    words: list[str]
    final: dict[str, np.ndarray]  # in-vocabulary vectors of each task view
    compose: dict[str, object]  # words -> unit vectors from n-grams alone
    seconds: float
    peak_mb: float
    table_mb: float  # dense table, buckets x dim float32, per view (a compact one holds used_buckets rows)
    used_buckets: int


def fit_method(method: Method, f: Factors) -> Fitted:
    import tracemalloc

    views = {name: f.view(*VIEW_SETTINGS[name]) for name in method.views}
    if method.abtt:  # the n-gram vectors are fitted to, and blended into, the post-processed vectors
        for name in views:
            views[name] = all_but_the_top(views[name], method.abtt)
    tracemalloc.start()
    started = time.perf_counter()
    final, compose = {}, {}
    if method.fit != "none":
        incidence = Incidence.of(f.words, minn=method.minn, maxn=method.maxn, buckets=method.buckets)
    for name, target in views.items():
        if method.fit == "none":
            final[name], compose[name] = target, None
            continue
        if method.fit == "crude":
            table = crude_table(incidence, target)
        elif method.fit == "fold":
            eig, _ = VIEW_SETTINGS[name]
            table = crude_table(incidence, (f.u * f.s**eig).astype(np.float32))
        elif method.fit == "ridge":
            table = ridge_table(incidence, target, lam=method.lam, iterations=method.iterations, columns_per_block=100)
        else:
            raise ValueError(method.fit)
        composed = unit(incidence.matrix @ table)
        alpha = method.alpha(name, f.counts)
        final[name] = unit(target + alpha[:, None] * composed) if alpha.any() else target
        compose[name] = lambda words, table=table: unit(incidence.compose(words, table))
        del composed
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if "ana" not in final:
        final["ana"], compose["ana"] = final["sim"], compose["sim"]
    used = len(incidence.used) if method.fit != "none" else 0
    return Fitted(f.words, final, compose, seconds, peak / 2**20, method.buckets * DIM * 4 / 2**20, used)


# -- scores --------------------------------------------------------------------------------------------


@dataclass
class EvalSets:
    directory: Path

    @property
    def analogies(self) -> Path:
        return self.directory / "questions-words.txt"

    @property
    def pairs(self) -> dict[str, Path]:
        return {"ws353": self.directory / "wordsim353.tsv", "simlex": self.directory / "simlex999.txt"}

    def words(self) -> set[str]:
        from wordvec.evaluate import read_analogies, read_word_pairs

        found = {w.lower() for _, qs in read_analogies(self.analogies) for q in qs for w in q}
        for path in self.pairs.values():
            found |= {w.lower() for a, b, _ in read_word_pairs(path) for w in (a, b)}
        return found


def analogy_scores(vectors: np.ndarray, words: list[str], sets: EvalSets, restrict: int) -> dict[str, float]:
    from wordvec import WordVectors
    from wordvec.evaluate import evaluate_analogy_methods

    results = evaluate_analogy_methods(WordVectors(words, vectors), sets.analogies, restrict_vocab=restrict)
    scores = {}
    for method, result in results.items():
        scores[method] = result.accuracy
        gram = [s for s in result.sections if s.name.startswith("gram")]
        scores[f"gram_{method}"] = sum(len(s.correct) for s in gram) / max(1, sum(s.answered for s in gram))
        scores["answered"] = result.answered
    return scores


def pair_scores(vectors: np.ndarray, words: list[str], sets: EvalSets) -> dict[str, float]:
    from wordvec import WordVectors
    from wordvec.evaluate import evaluate_word_pairs

    model = WordVectors(words, vectors)
    return {name: evaluate_word_pairs(model, path).spearman for name, path in sets.pairs.items()}


def typos(words: list[str], counts: np.ndarray, *, number: int = 300, seed: int = 0) -> list[tuple[str, str]]:
    """``(typo, word)``: words of frequency rank 2,000-20,000, two adjacent inner letters swapped, the typo unknown."""
    known = set(words)
    rng = np.random.default_rng(seed)
    chosen = []
    for row in rng.permutation(np.arange(2000, 20000)):
        word = words[row]
        if len(word) < 4 or not word.isalpha():
            continue
        inner = [i for i in range(1, len(word) - 2) if word[i] != word[i + 1]]
        if not inner:
            continue
        i = inner[rng.integers(len(inner))]
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if typo in known:
            continue
        chosen.append((typo, word))
        if len(chosen) == number:
            break
    return chosen


def typo_recall(fitted: Fitted, pairs: list[tuple[str, str]], topn: int = 10) -> float:
    if fitted.compose["sim"] is None:
        return float("nan")
    composed = fitted.compose["sim"]([typo for typo, _ in pairs])
    scores = composed @ fitted.final["sim"].T
    top = np.argpartition(-scores, topn, axis=1)[:, :topn]
    index = {w: i for i, w in enumerate(fitted.words)}
    return float(np.mean([index[word] in set(row.tolist()) for (_, word), row in zip(pairs, top)]))


def unseen_ratios(fitted: Fitted, sets: EvalSets) -> dict[str, float]:
    """Scores with composed vectors for the evaluation words outside the vocabulary over the scores of the covered ones."""
    if fitted.compose["sim"] is None:
        return {}
    known = set(fitted.words)
    outside = sorted(w for w in sets.words() if w not in known)
    ratios = {}
    plain = pair_scores(fitted.final["sim"], fitted.words, sets)
    extended_words = fitted.words + outside
    extended = np.vstack([fitted.final["sim"], fitted.compose["sim"](outside)])
    for name, score in pair_scores(extended, extended_words, sets).items():
        ratios[name] = score / plain[name]
    plain = analogy_scores(fitted.final["ana"], fitted.words, sets, 300_000)
    extended = np.vstack([fitted.final["ana"], fitted.compose["ana"](outside)])
    every = analogy_scores(extended, extended_words, sets, 300_000)
    for method in ("add", "mul"):
        ratios[f"google_{method}"] = every[method] / plain[method]
        ratios[f"google_{method}_all"] = every[method]
        ratios[f"google_{method}_covered"] = plain[method]
    ratios["covered_questions"] = plain["answered"]
    return ratios


# -- the comparison ---------------------------------------------------------------------------------

METHODS = [
    Method("defaults (eig 0, w+c), no subwords", fit="none", views=("sim",)),
    Method("+ analogy view (eig 0.5, no w+c), no subwords", fit="none"),
    Method("crude averaging, blend 1/1", fit="crude", blend=1.0, ana_blend=1.0),
    Method("fold-in (mean of U S^eig rows), blend 1/1", fit="fold", blend=1.0, ana_blend=1.0),
    Method("ridge lam 0.01, 5 it, blend 1/1", lam=0.01, blend=1.0, ana_blend=1.0),
    Method("ridge lam 0.3, 5 it, one view, blend 0.5", views=("sim",)),
    Method("ridge lam 0.3, 5 it, blend 0.5/2", lam=0.3),
    Method("ridge lam 0.3, 3 it, blend 0.5/2", iterations=3),
    Method("ridge lam 1, 5 it, blend 0.5/2", lam=1.0),
    Method("ridge lam 0.3, 5 it, blend 0.5/2, abtt 3", abtt=3),
    Method("ridge lam 0.3, 5 it, blend 0.5/2, n 3-5", maxn=5),
    Method("ridge lam 0.3, 5 it, blend 0.5/2, 1M buckets", buckets=1_000_000),
    Method("ridge lam 0.3, 5 it, blend 0.5/2, 500k buckets", buckets=500_000),
    Method("ridge lam 0.3, 5 it, blend 0.5/2, 200k buckets", buckets=200_000),
    Method("ridge lam 0.3, 5 it, blend 0.5/2, 100k buckets", buckets=100_000),
]

COLUMNS = [
    ("add", "add"), ("mul", "mul"), ("add30k", "add 30k"), ("mul30k", "mul 30k"), ("gram_add", "gram add"),
    ("gram_mul", "gram mul"), ("ws353", "WS353"), ("simlex", "SimLex"), ("typo", "typo@10"),
    ("u_ws353", "unseen WS"), ("u_simlex", "unseen SL"), ("u_google_add", "unseen add"), ("u_google_mul", "unseen mul"),
    ("seconds", "stage s"), ("peak_mb", "peak MB"), ("table_mb", "table MB"), ("compact_mb", "used MB"),
]


def measure(method: Method, full: Factors, top: Factors, sets: EvalSets, typo_pairs: list[tuple[str, str]]) -> dict[str, float]:
    fitted = fit_method(method, full)
    row: dict[str, float] = {}
    row.update(analogy_scores(fitted.final["ana"], full.words, sets, 300_000))
    restricted = analogy_scores(fitted.final["ana"], full.words, sets, 30_000)
    row.update(add30k=restricted["add"], mul30k=restricted["mul"])
    row.update(pair_scores(fitted.final["sim"], full.words, sets))
    row["typo"] = typo_recall(fitted, typo_pairs)
    views = 0 if method.fit == "none" else len(method.views)
    row.update(
        seconds=fitted.seconds,
        peak_mb=fitted.peak_mb,
        table_mb=fitted.table_mb * views,
        compact_mb=fitted.used_buckets * DIM * 4 / 2**20 * views,
    )
    del fitted
    small = fit_method(method, top)
    row.update({f"u_{key}": value for key, value in unseen_ratios(small, sets).items()})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/wordvec-subwords"))
    parser.add_argument("--corpus-dir", type=Path, default=SHARED / "corpora")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--only", type=int, nargs="*", help="rows of the table to run (0-based)")
    args = parser.parse_args()
    corpus = sorted(args.corpus_dir.glob("*.txt.gz"))
    full = factors(args.cache, corpus, None)
    top = factors(args.cache, corpus, 20000)
    sets = EvalSets(args.eval_dir)
    typo_pairs = typos(full.words, full.counts)
    print(f"{len(full.words):,} words; {len(typo_pairs)} typos; n-grams of the max_vocab 20000 model's unseen words composed", flush=True)
    header = "| method | " + " | ".join(title for _, title in COLUMNS) + " |"
    print(header + "\n|" + "---|" * (len(COLUMNS) + 1), flush=True)
    for number, method in enumerate(METHODS):
        if args.only is not None and number not in args.only:
            continue
        started = time.perf_counter()
        row = measure(method, full, top, sets, typo_pairs)
        if method.fit == "none":
            row.update(seconds=float("nan"), peak_mb=float("nan"))
        cells = []
        for key, _ in COLUMNS:
            value = row.get(key)
            if value is None or value != value:
                cells.append("-")
            elif key in ("seconds",):
                cells.append(f"{value:.1f}")
            elif key.endswith("_mb"):
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{value:.3f}")
        print(f"| {method.name} | " + " | ".join(cells) + " |", flush=True)
        extra = {k: round(v, 4) for k, v in row.items() if k.startswith("u_google") and ("_all" in k or "_covered" in k)}
        print(f"  ({method.name}: unseen detail {json.dumps(extra)}; row measured in {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
