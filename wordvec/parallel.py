"""Read and count a corpus on several processes: shards of files and line-aligned byte ranges, summed exactly.

numpy is imported inside the functions, never at the top of this module: a worker process
unpickles its initializer (and so imports this module) before it runs it, and the
initializer must limit BLAS to one thread before numpy loads BLAS.
"""

from __future__ import annotations

import copy
import itertools
import math
import multiprocessing
import os
import signal
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from .corpus import Corpus, CorpusFile, CorpusStats, FilePart, file_layout, file_size, iter_parts_text, next_line_start
from .errors import WordvecError
from .progress import ProgressCallback

if TYPE_CHECKING:
    import numpy as np

    from .cooccur import CooccurrenceCounter, ForwardCounts
    from .phrase_join import PhraseTable
    from .vocab import ScanResult, TokenSpool

#: A shard holds at least this many bytes of text, so that starting a worker (a new
#: interpreter importing numpy and scipy) is small beside the shard's work; a corpus too
#: small for two shards is read in this process.
MIN_SHARD_BYTES = 1 << 23
#: Shards planned per worker: a worker that finishes early takes another, which evens out
#: the load; more would add per-shard work (word lists to merge) for little better balance.
SHARDS_PER_WORKER = 3
#: Largest shard planned, in estimated text bytes: a worker holds its shard's distinct words
#: while it scans it (millions in a shard of a billion-token corpus cut in six), and the build
#: holds a shard's word list until the shards before it are merged.
MAX_SHARD_BYTES = 1 << 28
#: Estimated text bytes per byte of a compressed file (the bench corpus's gzip files: 2.3 to 3.4).
COMPRESSED_TEXT_RATIO = 3
#: Distinct pairs at which a counter saves its counts to a file and starts afresh: about
#: 100 MB of counts, which bounds a counting process's memory whatever the corpus length
#: (adding the next batch of pairs briefly needs several times that, so a larger limit
#: raises the counting processes' peak: benchmarks/RESULTS.md).
SPILL_PAIRS = 1 << 23
#: Estimated tokens below which a compiled scan runs on threads of the build's process: there,
#: starting worker processes (about half a second of interpreters importing numpy, scipy and numba)
#: costs more than threads lose to each other over the GIL (Python's share of a scan: decoding,
#: new words); above, processes scan faster (benchmarks/RESULTS.md: the bench corpus 2.7 s on
#: threads against 3.2-3.3 s, four times it level, ten copies of it 25.0-27.2 s against 20.2-20.5 s).
THREADED_SCAN_TOKENS = 50_000_000
#: Environment variables that make BLAS and OpenMP libraries start a single thread.
_ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")



@dataclass(frozen=True)
class Shard:
    """Consecutive files and byte ranges of a corpus, read by one worker.

    Attributes
    ----------
    parts : tuple of FilePart
        The files and ranges, in corpus order; every shard ends at a line end.
    size : int
        Estimated bytes of text (a compressed file counts ``COMPRESSED_TEXT_RATIO`` times its size).
    """

    parts: tuple[FilePart, ...]
    size: int


def plan_shards(paths: Sequence[CorpusFile] | None, workers: int) -> list[Shard]:
    """Cut a corpus into consecutive shards of about equal size, a few per worker.

    Parameters
    ----------
    paths : list of pathlib.Path or CorpusURL, or None
        The corpus files in reading order (:attr:`wordvec.corpus.Corpus.paths`); None for
        Python lines.
    workers : int
        Worker processes that will read the shards.

    Returns
    -------
    list of Shard
        Shards in corpus order. Fewer than two mean the corpus is best read in this process:
        it is Python lines, smaller than two ``MIN_SHARD_BYTES``, ``workers`` is 1, or it holds
        standard input or another stream (a pipe, say) that only this process can read.

    Notes
    -----
    The target size is the corpus size over ``workers * SHARDS_PER_WORKER`` (at least
    ``MIN_SHARD_BYTES``, at most ``MAX_SHARD_BYTES``). An uncompressed UTF-8 file is cut where its shard reaches the target,
    just after the next line end; a compressed file is never cut, and goes into the current
    shard or starts the next one, whichever keeps the current shard nearer the target.
    """
    if paths is None or workers < 2:
        return []
    sizes = [file_size(path) for path in paths]
    if None in sizes:
        return []
    layouts = [file_layout(path) for path in paths]
    weights = [size * COMPRESSED_TEXT_RATIO if compressed else size for size, (compressed, _) in zip(sizes, layouts)]
    total = sum(weights)
    if total < 2 * MIN_SHARD_BYTES:
        return [Shard(tuple(FilePart(path) for path in paths), total)]
    target = min(max(total / (workers * SHARDS_PER_WORKER), MIN_SHARD_BYTES), MAX_SHARD_BYTES)
    shards: list[Shard] = []
    parts: list[FilePart] = []
    filled = 0  # estimated text bytes in ``parts``

    def close_shard() -> None:
        nonlocal parts, filled
        shards.append(Shard(tuple(parts), filled))
        parts, filled = [], 0

    for path, size, weight, (_, splittable) in zip(paths, sizes, weights, layouts):
        if not splittable and parts and filled + weight - target > target - filled:
            close_shard()
        start = 0
        while splittable and filled + size - start > target:
            cut = next_line_start(path, start + max(1, math.ceil(target - filled)))
            if cut >= size:
                break
            parts.append(FilePart(path, start, cut))
            filled += cut - start
            start = cut
            close_shard()
        parts.append(FilePart(path, start) if start else FilePart(path))
        filled += weight - start
        if filled >= target:
            close_shard()
    if parts:
        close_shard()
    return shards


def counting_passes(source: Corpus, workers: int) -> InProcessPasses | ShardedPasses:
    """The two passes that count ``source``: on ``workers`` processes if the corpus is large enough to gain.

    Use the result as a context manager: ``scan`` is the vocabulary pass (see
    :func:`wordvec.vocab.scan_corpus`), ``count_windows`` the co-occurrence pass; leaving the block
    removes the spooled token ids and stops the workers, also on an error or Ctrl-C.
    """
    shards = plan_shards(source.paths, workers)
    if len(shards) < 2:
        return InProcessPasses(source)
    return ShardedPasses(source, shards, workers)


class InProcessPasses:
    """The counting passes in this process: the corpus is tokenized once into one spool."""

    def __init__(self, source: Corpus) -> None:
        self.source = source
        self._spool: TokenSpool | None = None
        self._directory: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> InProcessPasses:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._spool is not None:
            self._spool.close()
        if self._directory is not None:
            self._directory.cleanup()

    def scan(self, tokenizer: str, progress: ProgressCallback) -> ScanResult:
        """Count the words of the corpus and spool its token ids; ``progress("read", ...)`` per piece of text."""
        from .compiled import TEXT_BYTES_PER_TOKEN, use_for
        from .tokenize import get_tokenizer
        from .vocab import scan_corpus

        stats = self.source.stats
        scan = scan_corpus(
            self.source.iter_text(),
            get_tokenizer(tokenizer),
            progress=lambda _: progress("read", stats.bytes_read, stats.total_bytes),
            compiled=use_for((stats.total_bytes or 0) // TEXT_BYTES_PER_TOKEN),
        )
        self._spool = scan.spool
        return scan

    def iter_ids(self) -> Iterator[np.ndarray]:
        """The scanned corpus as blocks of provisional ids (those of :meth:`scan`'s words), in order."""
        for _, block in self._spool.iter_blocks():
            yield block

    def join_phrases(self, table: PhraseTable, size: int) -> np.ndarray:
        """Join ``table``'s phrases in the spooled ids (a new spool replaces the old); the count of each of ``size`` ids."""
        from .phrase_join import join_stream
        from .vocab import TokenSpool

        joined = tempfile.TemporaryFile(prefix="wordvec-spool-")
        try:
            counts, length = join_stream(self.iter_ids(), table, size, joined)
        except BaseException:
            joined.close()
            raise
        self._spool.close()
        self._spool = TokenSpool(joined, length)
        return counts

    def count_windows(
        self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback
    ) -> list[ForwardCounts]:
        """Feed the spool, mapped to vocabulary ids by ``new_id_of``, to ``counter``; its forward counts.

        ``progress`` is called per block.
        """
        spool = self._spool
        self._directory = tempfile.TemporaryDirectory(prefix="wordvec-counts-")
        blocks = ((offset, new_id_of[block]) for offset, block in spool.iter_blocks())
        return count_blocks(
            counter, blocks, os.path.join(self._directory.name, "counts"), SPILL_PAIRS,
            after_block=lambda done: progress("count", done, spool.length),
        )


class ShardedPasses:
    """The counting passes over shards in worker processes, merged into exactly what one process counts.

    Pass 1 tokenizes each shard in a worker, which counts its words and spools its token ids
    to a file of a temporary directory; the parent adds up the word counts and keeps, for each
    shard, the map from its provisional ids to the merged ones. Pass 2 counts each shard's
    spool in a worker, at the shard's offset in the whole id stream (so that subsampling draws
    as in one pass) and saves its integer counts to files, which the parent merges
    (:func:`wordvec.cooccur.symmetric_weights`). Shards end at line ends, which
    windows never cross, so nothing is lost or counted twice at their edges.

    With the compiled kernels (:mod:`wordvec.compiled`) the counting runs on threads of this
    process instead (the worker processes, if any, shut down first), and so does the scan of a
    corpus below ``THREADED_SCAN_TOKENS``, no worker process started: the kernels, numpy's span
    finding and decompression release the GIL, so threads scan about as fast as processes
    without the half second of starting interpreters (a tokenizer in Python, nltk's, always
    scans on processes).

    Workers are started with 'spawn': a forked child would inherit the parent's threads
    (the SVD's, a caller's) and its BLAS thread pool in an undefined state. A program whose
    main module counts a corpus when imported must guard that with
    ``if __name__ == "__main__":``, since a spawned worker imports the main module.
    """

    def __init__(self, source: Corpus, shards: list[Shard], workers: int) -> None:
        self.source = source
        self.shards = shards
        self.workers = workers
        self._directory: tempfile.TemporaryDirectory | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._cancel: Any = None
        self._spools: list[tuple[str, int, int]] = []  # path, length and stream offset of each shard's ids
        self._merged_ids: list[np.ndarray] = []  # for each shard, the merged id of each provisional id

    def __enter__(self) -> ShardedPasses:
        try:
            self._directory = tempfile.TemporaryDirectory(prefix="wordvec-shards-")
            context = multiprocessing.get_context("spawn")
            self._cancel = context.Event()
            self._pool = ProcessPoolExecutor(
                min(self.workers, len(self.shards)), mp_context=context, initializer=_start_worker, initargs=(self._cancel,)
            )
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (a running job stops at its next piece of work) and remove the spooled ids."""
        if self._cancel is not None:
            self._cancel.set()
        if self._pool is not None:
            # Waiting for the workers first: a worker still writing would race the removal.
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._directory is not None:
            self._directory.cleanup()

    def scan(self, tokenizer: str, progress: ProgressCallback) -> ScanResult:
        """Scan every shard in the workers and merge the word counts; ``progress("read", ...)`` at the start and per shard."""
        import numpy as np

        from .compiled import TEXT_BYTES_PER_TOKEN, use_for, warm_up_in_background
        from .vocab import ScanResult, scans_in_compiled_code

        stats = self.source.stats
        paths = [os.path.join(self._directory.name, f"shard-{number}.ids") for number in range(len(self.shards))]
        scans: list[_ShardScan] = [None] * len(self.shards)  # type: ignore[list-item]
        # In corpus order, so that merged ids are in first-seen order, as one scan numbers them;
        # each shard as soon as those before it are in, while the workers scan the rest.
        ids_of: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        offset = 0

        def finished(number: int, scan: _ShardScan) -> None:
            nonlocal offset
            scans[number] = scan
            stats.files += scan.stats.files
            stats.bytes_read += scan.stats.bytes_read
            stats.replaced_bytes += scan.stats.replaced_bytes
            progress("read", stats.bytes_read, stats.total_bytes)
            while len(self._spools) < len(scans) and scans[len(self._spools)] is not None:
                following = scans[len(self._spools)]
                self._merged_ids.append(np.fromiter(map(ids_of.__getitem__, following.words), dtype=np.int64, count=len(following.words)))
                following.words = []  # merged: its strings are the dict's or duplicates of them, freed now
                self._spools.append((paths[len(self._spools)], following.length, offset))
                offset += following.length

        estimated_tokens = sum(shard.size for shard in self.shards) // TEXT_BYTES_PER_TOKEN
        compiled = use_for(estimated_tokens)
        jobs = [(shard, tokenizer, path, compiled) for shard, path in zip(self.shards, paths)]
        sizes = [shard.size for shard in self.shards]
        progress("read", 0, stats.total_bytes)
        if compiled:
            warm_up_in_background()  # for the counting, while the shards are scanned
        if compiled and scans_in_compiled_code(tokenizer) and estimated_tokens < THREADED_SCAN_TOKENS:
            # Numbering tokens, span finding and decompression all release the GIL: threads of
            # this process scan about as fast as worker processes, without starting them.
            self._run_on_threads(_scan_shard, jobs, sizes, finished)
        else:
            self._run(_scan_shard, jobs, sizes, finished)
        counts = np.zeros(len(ids_of), dtype=np.int64)
        for merged, scan in zip(self._merged_ids, scans):
            counts[merged] += scan.counts  # a shard's words are distinct, so no index repeats
        tokens = sum(scan.tokens for scan in scans)
        return ScanResult(list(ids_of), counts, tokens, sum(scan.lines for scan in scans), None)

    def iter_ids(self) -> Iterator[np.ndarray]:
        """The scanned corpus as blocks of merged provisional ids (those of :meth:`scan`'s words), in order.

        Call it before :meth:`count_windows`, which removes the spools as it counts them.
        """
        from .vocab import TokenSpool, id_map_keeping_line_ends

        for (path, length, _), merged in zip(self._spools, self._merged_ids):
            id_map = id_map_keeping_line_ends(merged)
            with open(path, "rb") as file:
                for _, block in TokenSpool(file, length).iter_blocks():
                    yield id_map[block]

    def join_phrases(self, table: PhraseTable, size: int) -> np.ndarray:
        """Join ``table``'s phrases in each shard's spool, in the workers; the count of each of ``size`` ids after.

        Each worker rewrites its shard's spool in the merged numbering, so every shard's id map
        becomes the identity; the shards' offsets in the id stream follow their new lengths.
        """
        import numpy as np

        counts = np.zeros(size, dtype=np.int64)
        lengths = [0] * len(self._spools)

        def finished(number: int, result: tuple[np.ndarray, int]) -> None:
            nonlocal counts
            counts += result[0]
            lengths[number] = result[1]

        jobs = [(path, length, merged, table, size) for (path, length, _), merged in zip(self._spools, self._merged_ids)]
        self._run(_join_shard, jobs, [length for _, length, _ in self._spools], finished)
        identity = np.arange(size, dtype=np.int64)
        offset = 0
        for number, ((path, _, _), length) in enumerate(zip(self._spools, lengths)):
            self._spools[number] = (path, length, offset)
            self._merged_ids[number] = identity
            offset += length
        return counts

    def count_windows(
        self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback
    ) -> list[ForwardCounts]:
        """Count the shards' spools in the workers, with copies of ``counter``; the forward counts of each worker.

        One job a worker, each with shards of about equal total length: a worker's counter adds
        up its shards as it goes and saves its counts to files, which the parent merges a block
        of rows at a time (:func:`wordvec.cooccur.symmetric_weights`) instead of holding every
        worker's matrix and their sum at once. One counter may take shards in any order, since
        each shard's ids end with a line end, which no window crosses.
        """
        from .vocab import id_map_keeping_line_ends

        spools = []
        for (path, length, offset), merged in zip(self._spools, self._merged_ids):
            # Vocabulary id of each of the shard's provisional ids.
            spools.append((path, length, offset, id_map_keeping_line_ends(new_id_of[merged])))
        groups: list[list[tuple]] = [[] for _ in range(min(self.workers, len(spools)))]
        lengths = [0] * len(groups)
        for spool in sorted(spools, key=lambda spool: -spool[1]):
            lightest = lengths.index(min(lengths))
            groups[lightest].append(spool)
            lengths[lightest] += spool[1]
        done = 0
        parts: list[list[ForwardCounts]] = [[] for _ in groups]
        progress("count", 0, sum(lengths))

        def finished(number: int, counts: list[ForwardCounts]) -> None:
            nonlocal done
            parts[number] = counts
            done += lengths[number]
            progress("count", done, sum(lengths))

        prefixes = [os.path.join(self._directory.name, f"counts-{number}") for number in range(len(groups))]
        if counter.compiled:
            # The worker processes (if any were started) are done: they go, with the memory
            # their scans left them. Each thread counts with its own copy of the counter, as a
            # worker would, and keeps its last part in memory, which the merge reads next.
            self._pool.shutdown(wait=True)
            jobs = [(copy.deepcopy(counter), group, prefix, SPILL_PAIRS, True) for group, prefix in zip(groups, prefixes)]
            self._run_on_threads(_count_shards, jobs, lengths, finished)
        else:
            jobs = [(counter, group, prefix, SPILL_PAIRS) for group, prefix in zip(groups, prefixes)]
            self._run(_count_shards, jobs, lengths, finished)
        return [part for worker_parts in parts for part in worker_parts]

    def _run_on_threads(
        self, function: Callable[..., Any], jobs: list[tuple], sizes: list[int], finished: Callable[[int, Any], None]
    ) -> None:
        """:meth:`_run` on threads of this process: for jobs whose work is mostly code that releases the GIL.

        ``function`` takes a ``stop`` keyword: a check that raises when the build is given up,
        so the first error stops the other jobs at their next block.
        """
        from concurrent.futures import ThreadPoolExecutor

        def stop() -> None:
            if self._cancel.is_set():
                raise _Cancelled

        with ThreadPoolExecutor(min(self.workers, len(jobs))) as pool:
            self._collect({pool.submit(function, *jobs[number], stop=stop): number for number in _largest_first(sizes)}, finished)

    def _run(self, function: Callable[..., Any], jobs: list[tuple], sizes: list[int], finished: Callable[[int, Any], None]) -> None:
        """Run ``function(*job)`` on the workers, largest job first; ``finished(number, result)`` here as each ends.

        The first error stops the other jobs and is raised; a user error (a :class:`WordvecError`
        such as an unreadable file) as its one line, without the worker's traceback.
        """
        self._collect({self._pool.submit(function, *jobs[number]): number for number in _largest_first(sizes)}, finished)

    def _collect(self, futures: dict[Future, int], finished: Callable[[int, Any], None]) -> None:
        """``finished(number, result)`` for each job as it ends; the first error stops the others (:meth:`_give_up`)."""
        try:
            for future in as_completed(futures):
                finished(futures[future], future.result())
        except BaseException as error:
            self._give_up(futures, error)

    def _give_up(self, futures: Iterable[Future], error: BaseException) -> NoReturn:
        """Stop the other jobs and raise ``error``: a user error as its one line, without the worker's traceback."""
        self._cancel.set()
        for future in futures:
            future.cancel()
        if isinstance(error, WordvecError):
            raise error from None
        if isinstance(error, BrokenProcessPool):
            raise WordvecError(
                "a worker process ended abruptly: out of memory, or a script that builds when imported "
                "(guard it with `if __name__ == '__main__':`); use fewer workers, or workers=1 to count in one process"
            ) from error
        raise error


def _largest_first(sizes: list[int]) -> list[int]:
    """Job numbers, largest job first: the last to finish are then small, which evens out the workers."""
    return sorted(range(len(sizes)), key=lambda number: -sizes[number])


# -- in the worker processes --------------------------------------------------------

_cancel_event: Any = None


class _Cancelled(Exception):
    """The parent gave up on the build (an error in another shard, or Ctrl-C); it ignores this result."""


def _start_worker(cancel: Any) -> None:
    """Initializer of a worker process, run before numpy is imported (see the module notes).

    One BLAS/OpenMP thread: workers tokenize and add up sparse counts, which use no BLAS, and
    numpy would otherwise start a thread for every core in every worker. Ctrl-C is left to the
    parent, which stops the workers through ``cancel``.
    """
    global _cancel_event
    for name in _ONE_THREAD:
        os.environ[name] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cancel_event = cancel


def _stop_if_cancelled() -> None:
    if _cancel_event is not None and _cancel_event.is_set():
        raise _Cancelled


@dataclass
class _ShardScan:
    """What pass 1 learns from one shard (its spool stays in its file)."""

    words: list[str]
    counts: np.ndarray
    tokens: int
    lines: int
    length: int
    stats: CorpusStats


def _scan_shard(
    shard: Shard, tokenizer: str, spool_path: str, compiled: bool = False, stop: Callable[[], None] | None = None
) -> _ShardScan:
    """Count a shard's words and spool its token ids; ``stop`` (by default the worker process's check) raises when the build is given up."""
    from ._malloc import release_freed_memory
    from .tokenize import get_tokenizer
    from .vocab import scan_corpus

    if multiprocessing.parent_process() is not None:  # a worker: the previous shard's buffers, freed once sent
        release_freed_memory()
    stop = stop or _stop_if_cancelled
    stats = CorpusStats()
    with open(spool_path, "wb") as spool:
        scan = scan_corpus(
            iter_parts_text(shard.parts, stats), get_tokenizer(tokenizer), progress=lambda _: stop(), spool=spool,
            compiled=compiled,
        )
    return _ShardScan(scan.words, scan.counts, scan.tokens, scan.lines, scan.spool.length, stats)


def _join_shard(path: str, length: int, merged: np.ndarray, table: PhraseTable, size: int) -> tuple[np.ndarray, int]:
    """Rewrite a shard's spool in the merged numbering with ``table``'s phrases joined; its ids' counts and new length."""
    from .phrase_join import join_stream
    from .vocab import TokenSpool, id_map_keeping_line_ends

    id_map = id_map_keeping_line_ends(merged)

    def blocks() -> Iterator[np.ndarray]:
        with open(path, "rb") as file:
            for _, block in TokenSpool(file, length).iter_blocks():
                _stop_if_cancelled()
                yield id_map[block]

    with open(path + ".joined", "wb") as joined:
        result = join_stream(blocks(), table, size, joined)
    os.replace(path + ".joined", path)
    return result


def _count_shards(
    counter: CooccurrenceCounter,
    spools: list[tuple[str, int, int, np.ndarray]],
    prefix: str,
    spill_pairs: int,
    keep_last: bool = False,
    stop: Callable[[], None] | None = None,
) -> list[ForwardCounts]:
    """Feed each spool (path, length, stream offset, id map) to ``counter``; its forward counts, saved at ``prefix-*``.

    ``keep_last`` keeps the last part in memory (see :func:`count_blocks`); ``stop`` (by
    default the worker process's check) raises when the build is given up.
    """
    from .vocab import TokenSpool

    stop = stop or _stop_if_cancelled

    def blocks() -> Iterator[tuple[int, np.ndarray]]:
        for path, length, offset, id_map in spools:
            with open(path, "rb") as file:
                for block_offset, block in TokenSpool(file, length).iter_blocks():
                    stop()
                    yield offset + block_offset, id_map[block]
            os.remove(path)  # free the disk now; the directory goes when the build ends in any case

    return count_blocks(counter, blocks(), prefix, spill_pairs, keep_last=keep_last)


def count_blocks(
    counter: CooccurrenceCounter,
    blocks: Iterable[tuple[int, np.ndarray]],
    prefix: str,
    spill_pairs: int,
    after_block: Callable[[int], None] | None = None,
    *,
    keep_last: bool = False,
) -> list[ForwardCounts]:
    """Count ``(stream offset, vocabulary ids)`` blocks, saving the counts to files ``prefix-N`` as they reach ``spill_pairs``.

    Parameters
    ----------
    counter : CooccurrenceCounter
        Counts the windows of each block.
    blocks : iterable of (int, numpy.ndarray)
        Each block's offset in the id stream and its vocabulary ids.
    prefix : str
        Path prefix of the files the counts are saved to.
    spill_pairs : int
        The number of stored pairs at which the counts so far are saved and the counter emptied.
    after_block : callable, optional
        Called as ``after_block(offset + length)`` after each block.
    keep_last : bool, default False
        Keep the counts left at the end in memory instead of saving them: for a caller in the
        process that merges them (a thread), which saves writing and reading them back. They
        are fewer than ``spill_pairs`` and a block's pairs, so memory stays bounded.

    Returns
    -------
    list of ForwardCounts
        The counts, one part per file (the last in memory with ``keep_last``), to be merged.
    """
    from .cooccur import ForwardCounts

    parts: list[ForwardCounts] = []

    def spill(last: bool = False) -> None:
        for counts in counter.take_forward_parts():
            part = ForwardCounts(counts)
            parts.append(part if last and keep_last else part.save(f"{prefix}-{len(parts)}"))

    for offset, ids in blocks:
        counter.add(ids, offset)
        if counter.stored_pairs >= spill_pairs:
            spill()
        if after_block is not None:
            after_block(offset + len(ids))
    spill(last=True)
    return parts
