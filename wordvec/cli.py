"""The ``wordvec`` command line: a thin click layer over the library."""

from __future__ import annotations

import gc
import io
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__, answers
from .deprecation import warn_renamed
from .errors import WordvecError, os_error_reason
from . import options
from .options import BuildParams

if TYPE_CHECKING:
    from .corpus import CorpusFile
    from .evaluate import Evaluation

#: The build's defaults, which the options of ``build`` show and pass on.
_BUILD = BuildParams()
#: The formats ``export`` writes: every vector format but a model directory (``convert`` writes that).

#: Where ``build`` writes and every query command reads when no model is named.
DEFAULT_MODEL = "wordvec-model"
MODEL_ENV = "WORDVEC_MODEL"


class _Command(click.Command):
    """A wordvec command: library errors caused by user input, and failed reads and writes, become click's one-line error and exit 1.

    Warnings (a skipped corpus file, say) are shown as ``warning: ...`` lines on standard
    error, unless the command is given ``quiet``. Every command of :func:`main` is one
    (its ``command_class``), so no command can forget this.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore" if ctx.params.get("quiet") else "default")
                warnings.showwarning = _show_warning
                _apply_renamed_options(ctx)
                result = super().invoke(ctx)
            # Output still buffered would otherwise fail at exit, as an "Exception ignored" traceback.
            _flush(sys.stdout)
            return result
        except WordvecError as error:
            raise click.ClickException(str(error)) from None
        except BrokenPipeError:
            # Output piped into `head` and the like: stop quietly.
            _drop_output(sys.stdout)
            sys.stderr.close()
            sys.exit(0)
        except OSError as error:
            raise click.ClickException(_os_error_line(error)) from None


#: ``ctx.meta`` key of the options given under an old name: (old, new, value) each.
_RENAMED = "wordvec.renamed_options"


def _renamed_option(old: str, new: str, **attributes: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The old spelling ``old`` of the option ``new``, hidden from --help: its value goes to ``new``, with a warning."""

    def remember(ctx: click.Context, parameter: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            ctx.meta.setdefault(_RENAMED, []).append((old, new, value))
        return value

    name = "renamed_" + new.lstrip("-").replace("-", "_")
    return click.option(old, name, hidden=True, expose_value=False, callback=remember, **attributes)


def _apply_renamed_options(ctx: click.Context) -> None:
    # After parsing, not in the callback: click fills the new option's default after the old option's callback ran.
    for old, new, value in ctx.meta.get(_RENAMED, []):
        name = new.lstrip("-").replace("-", "_")
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError(f"{old} is the old name of {new}: give {new} only", ctx=ctx)
        warn_renamed(old, new)
        ctx.params[name] = value


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    click.echo(f"warning: {message}", err=True)


def _os_error_line(error: OSError) -> str:
    """A failed read or write that no library error named, as one line."""
    if error.filename:
        return f"cannot access {str(error.filename)!r}: {os_error_reason(error)}"
    return f"input/output failed: {os_error_reason(error)}"


def _flush(stream: Any) -> None:
    if stream is not None:
        stream.flush()


def _drop_output(stream: Any) -> None:
    """Point a failed output stream at /dev/null, so that the interpreter's last flush of it cannot fail too."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's captured output): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


class _CheckedStream:
    """A standard stream whose failed reads and writes are user errors that name it (``> /dev/full``, say)."""

    def __init__(self, stream: Any, name: str) -> None:
        self._stream = stream
        self._name = name

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._stream, method)(*args)
        except BrokenPipeError:
            raise
        except OSError as error:
            if method in ("write", "flush"):
                raise WordvecError(f"cannot write to {self._name}: {os_error_reason(error)}") from None
            raise WordvecError(f"cannot read {self._name}: {os_error_reason(error)}") from None

    def write(self, text: str) -> int:
        return self._call("write", text)

    def flush(self) -> None:
        self._call("flush")

    def read(self, *size: int) -> str:
        return self._call("read", *size)

    def readline(self, *size: int) -> str:
        return self._call("readline", *size)

    def __iter__(self) -> _CheckedStream:
        return self

    def __next__(self) -> str:
        return self._call("__next__")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream that was closed when the program started (Python makes it None).

    Reading it, or writing to standard output, is a user error; what is written to a
    closed standard error is dropped, as nobody can see it.
    """

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str) -> None:
        self._name = name

    def _closed(self) -> WordvecError:
        return WordvecError(f"{self._name} is closed; give wordvec one (a file, a pipe or /dev/null)")

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        raise self._closed()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise self._closed()

    @property
    def buffer(self) -> Any:
        raise self._closed()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text and self._name != "standard error":
            raise self._closed()
        return len(text)

    def isatty(self) -> bool:
        return False


def _guard_standard_streams() -> None:
    """Make the standard streams report their failures (see :class:`_CheckedStream`, :class:`_ClosedStream`).

    A closed descriptor 0, 1 or 2 is opened on /dev/null first, so that no file the command
    opens takes its number (and a worker process's stray output into it).
    """
    for descriptor, attribute, name in ((0, "stdin", "standard input"), (1, "stdout", "standard output"),
                                        (2, "stderr", "standard error")):
        stream = getattr(sys, attribute)
        if stream is None:
            try:
                os.fstat(descriptor)
            except OSError:
                null = os.open(os.devnull, os.O_RDWR)
                if null != descriptor:
                    os.dup2(null, descriptor)
                    os.close(null)
            setattr(sys, attribute, _ClosedStream(name))
        elif not isinstance(stream, _CheckedStream):
            setattr(sys, attribute, _CheckedStream(stream, name))


def _model_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-m",
        "--model",
        "model_path",
        default=DEFAULT_MODEL,
        envvar=MODEL_ENV,
        show_default=True,
        type=click.Path(path_type=Path),
        help=f"Model directory (or ${MODEL_ENV}).",
    )(command)


def _json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")(command)


#: What -q means on every command that has it; :class:`_Command` drops the warnings, each command its notes.
QUIET_HELP = "No progress bars, notes (such as the summary of a build) or warnings; results and errors still print."


def _quiet_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)(command)


def _load(model_path: Path):
    from .storage import load_model

    return load_model(model_path)


def _with_vocab(path: Path, file_format: str | None = None) -> list[Path]:
    """``path``, and the ``.vocab`` file that goes with it when it is (or is written as) a ``.npy`` matrix."""
    is_npy = file_format == "npy" if file_format else path.suffix.lower() == ".npy"
    return [path, Path(f"{path}.vocab")] if is_npy else [path]


def _check_outputs(outputs: list[Path], inputs: list[Any]) -> None:
    """Refuse outputs that would destroy an input of the command, a device or a link (before any work)."""
    from .files import check_output_path

    for output in outputs:
        check_output_path(output, inputs)


def _print_json(value: Any) -> None:
    # Strict JSON: a NaN would print as `NaN`, which JSON parsers refuse (loaded vectors are finite).
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False))


def _print_neighbours(title: str, neighbours: list[tuple[str, float]]) -> None:
    click.echo(title)
    if not neighbours:
        click.echo("  (no other words)")
        return
    width = max(len(word) for word, _ in neighbours)
    rank_width = len(str(len(neighbours)))
    for rank, (word, score) in enumerate(neighbours, start=1):
        click.echo(f"  {rank:>{rank_width}}  {word:<{width}}  {score:.3f}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wordvec")
def main() -> None:
    """Count-based word vectors from plain text: build, then query.

    \b
    Example:
      wordvec build corpora/ -o my-model
      wordvec nearest king -m my-model
    """


main.command_class = _Command


class _Progress:
    """Shows progress on a terminal (stderr); silent when piped or quiet.

    Stages named in ``bars`` get a bar with their rate and the time left; the other
    stages, which report no fraction done, are named as they start.

    Parameters
    ----------
    enabled : bool
        Show anything at all.
    bars : dict
        ``stage -> (label, divisor, unit)``: the bar's label and its rate, ``done /
        divisor`` per second in ``unit`` (no rate when ``unit`` is empty).
    """

    def __init__(self, enabled: bool, bars: dict[str, tuple[str, float, str]]) -> None:
        self.enabled = enabled
        self.bars = bars
        self.bar = None
        self.stage = ""
        self.shown = 0
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if stage != self.stage or done < self.shown:  # a new stage, or the same work on the next file
            self.close()
            self.stage, self.shown, self.started = stage, 0, time.perf_counter()
            if stage in self.bars and total:
                self.bar = click.progressbar(
                    length=total, label=self.bars[stage][0], file=sys.stderr, show_eta=True, item_show_func=self.rate
                )
                self.bar.__enter__()
            else:
                click.echo(f"{stage}...", err=True)
        if self.bar is not None:
            self.bar.update(done - self.shown, current_item=done)
            self.shown = done

    def rate(self, done: int | None) -> str | None:
        """The current stage's throughput so far, e.g. ``12.3 MB/s``."""
        seconds = time.perf_counter() - self.started
        if done is None or not self.bars.get(self.stage, ("", 1, ""))[2] or seconds <= 0:
            return None
        _, divisor, unit = self.bars[self.stage]
        return f"{done / divisor / seconds:.1f} {unit}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _phrase_learning_options(prefix: str, context: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options that learn phrases (scoring, threshold, min count, passes), named ``--{prefix}scoring`` and so on.

    ``wordvec phrases`` takes them as they are, ``wordvec build`` with the prefix ``phrase-``
    (its ``BuildParams`` fields), each help text led by ``context``.
    """
    thresholds = ", ".join(f"{options.short_number(value)} for {name}" for name, value in options.DEFAULT_PHRASE_THRESHOLDS.items())

    def lead(text: str) -> str:
        return f"{context}{text}" if context else text[0].upper() + text[1:]

    settings = [
        click.option(f"--{prefix}scoring", default=_BUILD.phrase_scoring, show_default=True, type=click.Choice(options.PHRASE_SCORINGS),
                     help=lead("default: Mikolov et al.'s (count(ab) - min_count) * words / (count(a) * count(b)); npmi: Bouma's.")),
        click.option(f"--{prefix}threshold", default=None, type=float, show_default=thresholds,
                     help=lead("a candidate scoring above it is a phrase (npmi: from -1 to 1).")),
        click.option(f"--{prefix}min-count", default=_BUILD.phrase_min_count, show_default=True, type=click.IntRange(min=1),
                     help=lead("gensim's min_count: subtracted from a pair's count (default), or the least count (npmi).")),
        click.option(f"--{prefix}passes", default=_BUILD.phrase_passes, show_default=True,
                     type=click.IntRange(1, options.MAX_PHRASE_PASSES),
                     help=lead("passes of learning, each over the corpus with the last pass's phrases joined: "
                               "2 also finds trigrams such as new_york_times.")),
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(settings):
            command = option(command)
        return command

    return decorate


#: Progress bars of ``build``: reading and counting report how far they are.
BUILD_BARS = {"read": ("reading corpus", 1e6, "MB/s"), "count": ("counting pairs", 1e6, "M tokens/s")}
#: Progress bar of ``evaluate``: answering analogies scans every candidate word.
EVALUATE_BARS = {"analogies": ("answering analogies", 1e3, "k candidates/s")}


def _corpus_paths(context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> list[CorpusFile]:
    """CORPUS arguments as local paths, or as URLs (``s3://...``) that fsspec reads."""
    from .corpus import corpus_path

    return [corpus_path(value) for value in values]


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(allow_dash=True), callback=_corpus_paths)
@click.option(
    "-o", "--output", default=DEFAULT_MODEL, envvar=MODEL_ENV, show_default=True, type=click.Path(path_type=Path),
    help=f"Model directory to write (or ${MODEL_ENV}); an existing model there is replaced atomically.",
)
@click.option("--dim", default=_BUILD.dim, show_default=True, type=click.IntRange(min=1), help="Vector dimensions.")
@click.option("--window", default=_BUILD.window, show_default=True, type=click.IntRange(1, options.MAX_WINDOW),
              help="Context window on each side.")
@click.option("--min-count", default=_BUILD.min_count, show_default=True, type=click.IntRange(min=1), help="Ignore rarer words.")
@click.option("--max-vocab", default=_BUILD.max_vocab, type=click.IntRange(min=options.MIN_VOCABULARY),
              help="Keep only the most frequent words.")
@click.option(
    "--distance-weighting", default=_BUILD.distance_weighting, show_default=True,
    type=click.Choice(options.DISTANCE_WEIGHTINGS), help="Context weight by distance d: 1/d, word2vec's dynamic window, or 1.",
)
@_renamed_option("--weighting", "--distance-weighting", type=click.Choice(options.DISTANCE_WEIGHTINGS))
@click.option("--subsample", default=_BUILD.subsample, show_default=True, type=click.FloatRange(0, 1, max_open=True),
              help="Frequent-word subsampling threshold (e.g. 1e-5); 0 is off.")
@click.option("--cds", default=_BUILD.cds, show_default=True, type=click.FloatRange(0, options.MAX_CDS, min_open=True),
              help="Context-distribution smoothing exponent.")
@click.option("--neg", default=_BUILD.neg, show_default=True, type=click.FloatRange(0, options.MAX_NEG, min_open=True),
              help="Shifted PPMI: subtract log(neg).")
@click.option("--eig", default=_BUILD.eig, show_default=True, type=click.FloatRange(-options.MAX_EIG, options.MAX_EIG),
              help="Exponent p of the singular values in the vectors U Σ^p (the paper's eigenvalue weighting).")
@click.option("--w+c/--no-w+c", "add_context", default=_BUILD.add_context, show_default=True,
              help="Add context vectors to word vectors (the paper's w+c).")
@click.option("--seed", default=_BUILD.seed, show_default=True, type=click.IntRange(0, options.MAX_SEED), help="Random seed.")
@click.option("--tokenizer", default=_BUILD.tokenizer, show_default=True, type=click.Choice(options.TOKENIZER_NAMES),
              help="Built-in regular expression, or nltk's word tokenizer.")
@click.option("--analogy-view/--no-analogy-view", default=_BUILD.analogy_view, show_default=True,
              help="Also keep the SVD's analogy view (U S^0.5, no w+c) for analogy queries.")
@click.option("--subwords/--no-subwords", default=_BUILD.subwords, show_default=True,
              help="Learn character n-gram vectors: every word gets a vector, and morphology shows in analogies.")
@click.option("--buckets", default=_BUILD.buckets, show_default=True, type=click.IntRange(1, options.MAX_BUCKETS),
              help="Hash buckets of the character n-grams.")
@click.option("--min-n", default=_BUILD.min_n, show_default=True, type=click.IntRange(1, options.MAX_N),
              help="Shortest character n-gram (with the markers < and >).")
@click.option("--max-n", default=_BUILD.max_n, show_default=True, type=click.IntRange(1, options.MAX_N),
              help="Longest character n-gram; at least --min-n.")
@click.option("--workers", default=None, show_default="available cores", type=click.IntRange(1, options.MAX_WORKERS),
              help="Processes that read and count a large corpus; the vectors do not depend on it.")
@click.option("--phrases", default=None, metavar="FILE|auto",
              help="Give phrases (new york -> new_york) vectors: a list written by `wordvec phrases`, "
              "or 'auto' to learn one in this run (with the --phrase-* options). The list is kept in the model.")
@_phrase_learning_options("phrase-", "With --phrases auto: ")
@click.option("--phrase-mode", default=_BUILD.phrase_mode, show_default=True, type=click.Choice(options.PHRASE_MODES),
              help="add: each phrase gets a vector from the words around it, and the words keep theirs as without "
              "phrases; replace: the corpus is rewritten with phrases joined before counting (gensim's practice).")
@click.option("--phrase-connectors", default=_BUILD.phrase_connectors, show_default=True, metavar="english|none|FILE",
              help="Words that may sit inside a phrase, never at its ends (bank_of_america): gensim's English list, "
              "none, or a file of one word a line.")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Count on a Dask cluster: tcp://HOST:PORT of a scheduler, or local[:N] for N local workers.")
@click.option("--dask-svd", is_flag=True, help="With --dask: also run the SVD on the cluster (large models).")
@click.option(
    "--keep-corpus", is_flag=True,
    help="Keep the counted corpus (the co-occurrence matrix and the corpus as word ids) in the model, "
    "for `wordvec update` and `wordvec explain`.",
)
@_renamed_option("--keep-counts", "--keep-corpus", is_flag=True)
@_quiet_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the seconds of each stage (on stderr).")
def build(
    corpus: list[CorpusFile],
    output: Path,
    dask_address: str | None,
    dask_svd: bool,
    keep_corpus: bool,
    quiet: bool,
    verbose: bool,
    **params: Any,
) -> None:
    """Build word vectors from CORPUS files, directories or URLs ('-' reads stdin).

    Compressed files (.gz, .bz2, .xz) are read as they are; directories are searched
    for text files. URLs (s3://bucket/corpus/, file:///data/) are read through fsspec.

    \b
    Example:
      wordvec build corpora/ -o my-model --dim 300 --window 5
      wordvec build s3://my-bucket/corpus/ --dask tcp://scheduler:8786
    """
    from .pipeline import build as build_vectors

    if dask_svd and dask_address is None:
        raise click.UsageError("--dask-svd needs --dask ADDRESS")
    if keep_corpus and dask_address is not None:
        raise click.UsageError("--keep-corpus works without --dask only: build on this machine to keep the corpus")
    phrase_files = [Path(params[name]) for name in ("phrases", "phrase_connectors") if params[name] not in (None, "auto", "english", "none")]
    _check_outputs([output], [*corpus, *phrase_files])
    started = time.perf_counter()
    progress = _Progress(not quiet and sys.stderr.isatty(), BUILD_BARS)
    counted = None
    try:
        if dask_address is not None:
            from .distributed import build_on_cluster

            model = build_on_cluster(corpus, dask_address, distributed_svd=dask_svd, progress=progress, **params)
        elif keep_corpus:
            from .incremental import build_keeping_corpus

            model, counted = build_keeping_corpus(corpus, progress=progress, **params)
        else:
            model = build_vectors(corpus, progress=progress, **params)
    finally:
        progress.close()
    _save_and_report(model, counted, output, started, quiet, verbose)


def _save_and_report(model: Any, counted: Any, output: Path, started: float, quiet: bool, verbose: bool) -> None:
    """Write a built model (with its ``counted`` corpus, if kept) and say what was built."""
    from .incremental import save_with_corpus
    from .model_writer import save_model

    writing = time.perf_counter()
    if counted is None:
        save_model(model, output)
    else:
        save_with_corpus(model, counted, output)
    stats = model.stats
    if verbose:
        stages = {**stats["seconds"], "write": time.perf_counter() - writing}
        click.echo("seconds: " + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in stages.items()), err=True)
    if quiet:
        return
    if stats["replaced_bytes"]:
        click.echo(f"warning: {stats['replaced_bytes']:,} undecodable bytes were replaced (the corpus is not all UTF-8)", err=True)
    for warning in stats.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)
    phrases = stats.get("phrases")
    if isinstance(phrases, dict) and not phrases.get("phrases"):
        why = "no pair of words scored above the phrase threshold" if model.params.get("phrases") == "auto" else "the phrases file lists none"
        click.echo(f"note: {why}: the model has no phrases", err=True)
    click.echo(
        f"built {len(model):,} words x {model.dim} dims from {stats['tokens']:,} tokens "
        f"({stats['lines']:,} lines) in {time.perf_counter() - started:.1f} s -> {output}"
    )


@main.command()
@click.argument("words", nargs=-1)
@_model_option
@click.option("-k", "--topn", default=options.DEFAULT_TOPN, show_default=True, type=click.IntRange(min=1), help="Neighbours per word.")
@click.option("--in", "other_path", type=click.Path(path_type=Path), metavar="MODEL_B",
              help="Search this other model's words, after aligning it to --model (wordvec compare).")
@_json_option
def nearest(words: tuple[str, ...], model_path: Path, topn: int, other_path: Path | None, as_json: bool) -> None:
    """Show the nearest neighbours of each WORD by cosine similarity.

    With no WORD, reads one query word per line from standard input. A WORD of several
    words, such as "new york" (quoted), is read as the phrase new_york of a model built
    with --phrases: both spellings give the same answer.

    \b
    Example:
      wordvec nearest king queen -k 5
      wordvec nearest "new york" -m model-with-phrases
      wordvec nearest gay -m model-1900 --in model-2000
    """
    model = _load(model_path)
    queries = list(words) if words else [line.strip() for line in sys.stdin if line.strip()]
    if other_path is not None:
        found = answers.nearest_in(model, _load(other_path), queries, topn=topn)
    else:
        found = answers.nearest(model, queries, topn=topn)
    if as_json:
        _print_json(found)
        return
    for number, (word, entry) in enumerate(zip(queries, found)):
        if number:
            click.echo()
        title = word if entry["in_vocabulary"] else answers.describe({**entry, "word": word})
        if other_path is not None:
            title = f"{title}, among the words of {other_path}"
        _print_neighbours(title, [(neighbour["word"], neighbour["similarity"]) for neighbour in entry["neighbours"]])


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(allow_dash=True), callback=_corpus_paths)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: one phrase a line with its count and score, best first.")
@_phrase_learning_options("", "")
@click.option("--max-candidates", default=options.DEFAULT_MAX_PHRASE_CANDIDATES, show_default=True, type=click.IntRange(min=1),
              help="Bound on the distinct candidate pairs held, as gensim's max_vocab_size (and its default): the "
              "rarest are dropped when it is reached, and counts are then approximate.")
@click.option("--connectors", default=None, metavar="FILE|none",
              help="Words that may sit inside a phrase but never start or end one: a file of one word a line, "
                   "or 'none'. Default: gensim's English list (a, an, the, for, of, with, ...).")
@click.option("--tokenizer", default=_BUILD.tokenizer, show_default=True, type=click.Choice(options.TOKENIZER_NAMES),
              help="As for build, so that phrases are spelled as the model's words.")
@click.option("--workers", default=None, show_default="available cores", type=click.IntRange(1, options.MAX_WORKERS),
              help="Processes that read a large corpus.")
@_quiet_option
def phrases(
    corpus: list[CorpusFile], output: Path, scoring: str, threshold: float | None, min_count: int, passes: int,
    max_candidates: int | None, connectors: str | None, tokenizer: str, workers: int | None, quiet: bool,
) -> None:
    """Find phrases (new_york, bank_of_america) in CORPUS from the counts of adjacent words.

    The counts, scores and phrases are those of gensim's Phrases (version 4) on the same
    tokens. CORPUS is read as build reads it. `wordvec build --phrases FILE` joins them.

    \b
    Example:
      wordvec phrases corpora/ -o phrases.tsv
      wordvec phrases corpora/ -o phrases.tsv --scoring npmi --threshold 0.5
      wordvec phrases corpora/ -o phrases.tsv --passes 2
    """
    from .phrases import connector_words_of, learn_phrases

    _check_outputs([output], [*corpus, *([Path(connectors)] if connectors not in (None, "none") else [])])
    connector_words = connector_words_of(connectors or "english")
    progress = _Progress(not quiet and sys.stderr.isatty(), BUILD_BARS)
    try:
        found = learn_phrases(corpus, min_count=min_count, threshold=threshold, scoring=scoring,
                              connector_words=connector_words, passes=passes, max_candidates=max_candidates,
                              tokenizer=tokenizer, workers=workers, progress=progress)
    finally:
        progress.close()
    found.save(output)
    if not quiet:
        if found.phrases:
            click.echo(f"{len(found.phrases):,} phrases -> {output}", err=True)
        else:
            click.echo(f"note: no pair of words scored above the threshold: {output} lists no phrase", err=True)


#: Progress of ``compare``: the builds of split halves count pairs; the neighbourhood measure scores words.
COMPARE_BARS = {"count": ("split halves: counting pairs", 1e6, "M tokens/s"), "compare": ("scoring words", 1e3, "k words/s")}


@main.command()
@click.argument("model_a", type=click.Path(path_type=Path))
@click.argument("model_b", type=click.Path(path_type=Path))
@click.option("-k", "--topn", default=options.DEFAULT_COMPARE_TOPN, show_default=True, type=click.IntRange(min=1),
              help="Words to list.")
@click.option("--measure", default=options.CHANGE_MEASURES[0], show_default=True, type=click.Choice(options.CHANGE_MEASURES),
              help="procrustes: cosine distance after aligning B to A; profile: change of the word's similarities "
              "to every compared word; neighbours: the same over its nearest words (slow on large vocabularies); "
              "combined: the geometric mean of procrustes and profile.")
@click.option("--adjust", "adjustment", default=None, type=click.Choice(options.NOISE_ADJUSTMENTS),
              show_default=f"{options.NOISE_ADJUSTMENTS[0]} for models built with --keep-corpus, else none",
              help="How a change is set against the split-half noise of the kept corpora.")
@click.option("--min-count", default=options.DEFAULT_COMPARE_MIN_COUNT, show_default=True, type=click.IntRange(min=1),
              help="Rank only words this frequent in both corpora.")
@click.option("--skip-frequent", default=options.DEFAULT_COMPARE_SKIP_FREQUENT, show_default=True,
              type=click.IntRange(min=0), help="Leave out the N most frequent words of each corpus (function words).")
@click.option("--anchors", type=click.Path(dir_okay=False, path_type=Path),
              help="Align on these words: a line 'WORD' or 'WORD_IN_A WORD_IN_B' each (default: the shared words).")
@click.option("--word", "words", multiple=True, metavar="WORD",
              help="Explain WORD (neighbours in each model, lost and gained) instead of ranking; repeat for more.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              show_default="$WORDVEC_CACHE_DIR, else ~/.cache/wordvec", help="Where the comparison fits and split halves are cached.")
@_json_option
@_quiet_option
def compare(
    model_a: Path, model_b: Path, topn: int, measure: str, adjustment: str | None, min_count: int,
    skip_frequent: int, anchors: Path | None, words: tuple[str, ...], cache_dir: Path | None, as_json: bool, quiet: bool,
) -> None:
    """List the words whose meaning differs most between the corpora of MODEL_A and MODEL_B.

    Each word's change is scored and, for models built with --keep-corpus, set against
    sampling noise: how far the word moves between models of two random halves of the
    same corpus (built on first use and cached). Rare words are left out (--min-count).

    \b
    Example:
      wordvec build novels.txt --keep-corpus -o novels
      wordvec build news.txt --keep-corpus -o news
      wordvec compare novels news -k 20
      wordvec compare novels news --word gay --word broadcast
    """
    from .comparison import compare as compare_models
    from .comparison import explain_changes, read_anchors

    a, b = _load(model_a), _load(model_b)
    anchor_pairs = read_anchors(anchors) if anchors is not None else None
    settings = dict(measure=measure, adjustment=adjustment, min_count=min_count, anchors=anchor_pairs, cache_dir=cache_dir)
    progress = _Progress(not quiet and not as_json and sys.stderr.isatty(), COMPARE_BARS)
    try:
        if words:
            explained = explain_changes(a, b, words, progress=progress, **settings)
        else:
            result = compare_models(a, b, topn=topn, skip_frequent=skip_frequent, progress=progress, **settings)
    finally:
        progress.close()
    if words:
        if as_json:
            _print_json([difference.to_dict() for difference in explained])
            return
        for number, difference in enumerate(explained):
            if number:
                click.echo()
            _print_difference(difference, measure)
        return
    if as_json:
        _print_json(result.to_dicts())
    else:
        _print_comparison(result, min_count, skip_frequent)
    if not quiet and result.identical:
        click.echo("note: the models give every compared word the same vector: every score is 0", err=True)
    if not quiet and adjustment is None and not result.noise_adjusted:
        click.echo("note: ranked by the raw score, not against sampling noise: build the models with --keep-corpus "
                   "for a noise-adjusted ranking", err=True)


def _print_comparison(result: Any, min_count: int, skip_frequent: int) -> None:
    adjusted = result.noise_adjusted
    skipped = f", not among the {skip_frequent} most frequent" if skip_frequent else ""
    click.echo(f"{len(result)} of {result.compared:,} words (at least {min_count} times in both{skipped}) by "
               f"{result.measure}" + (f", {result.adjustment} against split-half noise" if adjusted else ""))
    header = ("word", "count A", "count B", "score", *((result.adjustment,) if adjusted else ()), "nearest in A", "nearest in B")
    rows = [header] + [
        (change.word, _count(change.count_a), _count(change.count_b), f"{change.score:.3f}",
         *((f"{change.adjusted:.2f}",) if adjusted else ()), ", ".join(change.neighbours_a), ", ".join(change.neighbours_b))
        for change in result
    ]
    # The word and the neighbour lists read left-aligned, the numbers right-aligned.
    _print_rows(rows, left=(0, len(header) - 2, len(header) - 1))


def _count(count: int | None) -> str:
    return "-" if count is None else f"{count:,}"


def _print_difference(difference: Any, measure: str) -> None:
    change = difference.change
    noise = "-" if change.noise is None else f"{change.noise:.3f}"
    against = "" if change.adjusted is None else f", noise {noise}, adjusted {change.adjusted:.2f}"
    click.echo(f"{change.word}: {measure} score {change.score:.3f}{against} (count A {_count(change.count_a)}, "
               f"B {_count(change.count_b)})")
    for label, neighbours in (("in A", difference.neighbours_a), ("in B", difference.neighbours_b)):
        click.echo(f"  {label}:   " + ", ".join(f"{word} {score:.2f}" for word, score in neighbours))
    click.echo("  lost:   " + (", ".join(difference.lost) or "(none)"))
    click.echo("  gained: " + (", ".join(difference.gained) or "(none)"))


@main.command()
@click.argument("word1")
@click.argument("word2")
@_model_option
@_json_option
def similarity(word1: str, word2: str, model_path: Path, as_json: bool) -> None:
    """Print the cosine similarity of WORD1 and WORD2.

    \b
    Example:
      wordvec similarity king queen
    """
    model = _load(model_path)
    answer = answers.similarity(model, word1, word2)
    if as_json:
        _print_json(answer)
        return
    # The number alone on stdout, as scripts read it; an unseen word is said on stderr.
    for entry in answer.get("not_in_vocabulary", {}).values():
        click.echo(f"note: {answers.describe(entry)}", err=True)
    click.echo(f"{answer['similarity']:.4f}")


@main.command()
@click.argument("a")
@click.argument("b")
@click.argument("c")
@_model_option
@click.option("-k", "--topn", default=options.DEFAULT_TOPN, show_default=True, type=click.IntRange(min=1), help="Number of answers.")
@click.option("--method", default=options.ANALOGY_METHODS[0], show_default=True, type=click.Choice(options.ANALOGY_METHODS),
              help="3CosAdd (the offset B - A + C, scored by cosine) or 3CosMul (Levy & Goldberg).")
@_json_option
def analogy(a: str, b: str, c: str, model_path: Path, topn: int, method: str, as_json: bool) -> None:
    """A is to B as C is to ...?

    3CosAdd ranks words by cosine with B - A + C; 3CosMul by the product of their
    similarities to B and C over their similarity to A, which balances the three.

    \b
    Example:
      wordvec analogy man king woman
      wordvec analogy man king woman --method mul
    """
    model = _load(model_path)
    answer = answers.analogy(model, a, b, c, topn=topn, method=method)
    if as_json:
        _print_json(answer)
        return
    unseen = answer.get("not_in_vocabulary", {})
    a, b, c = (answers.describe(unseen[name]) if name in unseen else word for name, word in zip("abc", (a, b, c)))
    _print_neighbours(f"{a} : {b} :: {c} : ?", [(entry["word"], entry["similarity"]) for entry in answer["answers"]])


def _score(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _print_rows(rows: list[tuple[str, ...]], left: Sequence[int] = (0,)) -> None:
    """Print a table: the columns ``left`` (by default the first) left-aligned, the others right-aligned."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) if column in left else cell.rjust(width)
                 for column, (cell, width) in enumerate(zip(row, widths))]
        click.echo("  ".join(cells).rstrip())


def _print_evaluation(evaluation: Evaluation) -> None:
    from .evaluate import METHOD_NAMES

    tables = []
    if evaluation.pairs:
        rows = [("word pairs", "Spearman", "Pearson", "scored", "skipped")]
        for result in evaluation.pairs:
            rows.append((
                result.dataset, _score(result.spearman), _score(result.pearson),
                f"{result.scored:,} / {result.pairs:,}", f"{result.skipped:,}",
            ))
        tables.append(rows)
    if evaluation.analogies:
        rows = [("analogies", *(METHOD_NAMES[m] for m in evaluation.methods), "answered", "skipped")]
        for by_method in evaluation.analogies:
            results = [by_method[m] for m in evaluation.methods]
            first = results[0]
            rows.append((
                first.dataset, *(_score(r.accuracy) for r in results),
                f"{first.answered:,} / {first.questions:,}", f"{first.skipped:,}",
            ))
            for number, section in enumerate(first.sections):
                rows.append((
                    f"  {section.name}", *(_score(r.sections[number].accuracy) for r in results),
                    f"{section.answered:,} / {section.questions:,}", f"{len(section.skipped):,}",
                ))
        tables.append(rows)
    for number, rows in enumerate(tables):
        if number:
            click.echo()
        _print_rows(rows)


@main.command()
@_model_option
@click.option("--pairs", "pair_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Word-pair file of 'word1 word2 score' lines (tab, comma or space separated); repeatable.")
@click.option("--analogies", "analogy_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Analogy file in word2vec's questions-words.txt format; repeatable.")
@click.option("--restrict-vocab", default=options.DEFAULT_RESTRICT_VOCAB, show_default=True, type=click.IntRange(min=1),
              help="Only the most frequent words count as known and as analogy answers (as in gensim).")
@click.option("--method", default="both", show_default=True, type=click.Choice([*options.ANALOGY_METHODS, "both"]),
              help="Analogy method: 3CosAdd, 3CosMul or both.")
@click.option("--oov", default=options.OOV_POLICIES[0], show_default=True, type=click.Choice(options.OOV_POLICIES),
              help="Words outside the vocabulary: skip their pairs and questions, or compose their vectors from "
                   "character n-grams (a model built with --subwords).")
@_json_option
@_quiet_option
def evaluate(
    model_path: Path,
    pair_files: tuple[Path, ...],
    analogy_files: tuple[Path, ...],
    restrict_vocab: int,
    method: str,
    oov: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Score the model on word similarity and analogy datasets.

    With no --pairs or --analogies, runs the datasets shipped with wordvec:
    WordSim-353 and SimLex-999 (Spearman and Pearson correlation of cosines with
    human scores) and the Google analogy set (accuracy, per section too). Pairs and
    questions with an unknown word are skipped and counted, never scored as wrong;
    with --oov compose, a model built with --subwords answers them with vectors composed
    from the words' character n-grams.

    \b
    Example:
      wordvec evaluate -m my-model
      wordvec evaluate --pairs my-pairs.tsv --analogies my-questions.txt --method mul --json
    """
    from .evaluate import METHODS, evaluate_model

    model = _load(model_path)
    progress = _Progress(not quiet and sys.stderr.isatty(), EVALUATE_BARS)
    try:
        evaluation = evaluate_model(
            model, pairs=pair_files, analogies=analogy_files,
            methods=METHODS if method == "both" else (method,), restrict_vocab=restrict_vocab, progress=progress,
            oov=oov,
        )
    finally:
        progress.close()
    if as_json:
        _print_json({"model": str(model_path), "vocabulary": len(model), **evaluation.as_dict()})
    else:
        _print_evaluation(evaluation)


@main.command()
@_model_option
@_json_option
def info(model_path: Path, as_json: bool) -> None:
    """Show a model's size, build parameters and corpus statistics.

    \b
    Example:
      wordvec info -m my-model
    """
    from .storage import build_params

    model = _load(model_path)
    build_params(model, model_path)  # refuses parameters that no build could have recorded
    meta = answers.info(model)
    if as_json:
        _print_json(meta)
        return
    stats = meta["stats"]
    rows = [
        ("model", str(model_path)),
        ("vocabulary", f"{meta['vocab_size']:,} words x {meta['dim']} dims"),
        ("parameters", ", ".join(f"{k}={v}" for k, v in sorted(meta["params"].items()))),
    ]
    if meta.get("analogy_view"):
        rows.append(("analogy view", f"U S^{options.ANALOGY_EIG:g} without context vectors"))
    subwords = meta.get("subwords")
    if subwords is not None:
        known = ", ".join([f"{view} {count:,}" for view, count in subwords["known_buckets"].items()]
                          + [f"{view} mapped from {source}" for view, source in subwords.get("mapped", {}).items()])
        rows.append(("subwords", f"character {subwords['min_n']}-{subwords['max_n']}-grams, {subwords['hash']} "
                                 f"into {subwords['buckets']:,} buckets (known: {known})"))
    for key in ("tokens", "lines", "distinct_words", "replaced_bytes", "cooccurrence_pairs", "ppmi_nonzeros"):
        if key in stats:
            rows.append((key.replace("_", " "), f"{stats[key]:,}"))
    phrases = stats.get("phrases")
    if isinstance(phrases, dict):
        rows.append(("phrases", f"{phrases.get('phrases', 0):,} in {phrases.get('passes', 0)} pass(es), "
                                f"{phrases.get('joined_tokens', 0):,} joined in the corpus, mode {phrases.get('mode', 'replace')}"
                                + (f", {phrases['rows']:,} rows after the words" if phrases.get("rows") else "")))
    if "seconds" in stats:
        rows.append(("seconds", ", ".join(f"{k} {v:.2f}" for k, v in stats["seconds"].items())))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value}")


@main.command()
@_model_option
@click.option("--format", "file_format", type=click.Choice(options.EXPORT_FORMATS),
              default="word2vec", show_default=True,
              help="word2vec C text or binary format, GloVe text (no header), a .npy matrix with a .vocab file, "
                   "or the view's character n-gram table (.ngrams, see docs/formats.md).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--view", default=options.VIEWS[0], show_default=True, type=click.Choice(options.VIEWS),
              help="The vectors queries use, or the analogy view.")
def export(model_path: Path, file_format: str, output: Path, view: str) -> None:
    """Write the vectors in a format that gensim, word2vec, GloVe tools or numpy read, or the n-gram table.

    \b
    Example:
      wordvec export -m my-model --format word2vec-binary -o vectors.bin
      wordvec export -m my-model --format ngrams -o my-model.ngrams
    """
    from .model_writer import save_vectors

    _check_outputs(_with_vocab(output, file_format), _with_vocab(model_path))
    model = _load(model_path).view(view)
    if file_format == "ngrams":
        from .ngram_files import save_ngram_table

        if model.subwords is None:
            raise WordvecError("this model has no character n-grams: rebuild it without --no-subwords")
        save_ngram_table(model.subwords, output)
        click.echo(f"wrote {len(model.subwords.bucket_ids):,} n-gram vectors x {model.subwords.dim} dims to {output}")
        return
    save_vectors(model, output, file_format)
    click.echo(f"wrote {len(model):,} vectors ({file_format}) to {output}")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--to", "file_format", type=click.Choice(options.VECTOR_FORMATS),
              help="Format of TARGET (default: from its name: .bin, .vec/.txt, .npy, or none for a model).")
@click.option("--view", default=options.VIEWS[0], show_default=True, type=click.Choice(options.VIEWS),
              help="The vectors queries use, or the analogy view.")
def convert(source: Path, target: Path, file_format: str | None, view: str) -> None:
    """Convert vectors between formats: a wordvec model, word2vec text or binary, GloVe, .npy.

    SOURCE is read as every command reads -m (a model directory, a word2vec/GloVe file,
    or a .npy matrix with its .vocab file next to it).

    \b
    Example:
      wordvec convert wiki.en.vec wiki-model
      wordvec convert my-model vectors.bin
      wordvec convert glove.6B.300d.txt glove.npy
    """
    from .format_writers import format_for_path
    from .model_writer import save_vectors

    file_format = file_format or format_for_path(target)
    _check_outputs(_with_vocab(target, file_format), _with_vocab(source))
    model = _load(source).view(view)
    save_vectors(model, target, file_format)
    click.echo(f"wrote {len(model):,} vectors x {model.dim} dims ({file_format}) to {target}")


@main.command()
@click.argument("words", nargs=-1, required=True)
@_model_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Image to write: .png, .svg or .pdf.")
@click.option("-k", "--topn", default=0, show_default=True, type=click.IntRange(0, options.MAX_MAP_NEIGHBOURS),
              help="Also place each word's N nearest words.")
@_renamed_option("--neighbours", "--topn", type=click.IntRange(0, options.MAX_MAP_NEIGHBOURS))
def plot(words: tuple[str, ...], model_path: Path, output: Path, topn: int) -> None:
    """Draw WORDS on a 2-D map: the first two principal components of their vectors.

    Needs matplotlib (pip install 'wordvec[plot]').

    \b
    Example:
      wordvec plot king queen man woman paris france -o words.png --topn 3
    """
    from .plot import plot_words

    _check_outputs([output], _with_vocab(model_path))
    placed = plot_words(_load(model_path), words, output, topn=topn)
    click.echo(f"drew {len(placed.words)} words to {output}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@_model_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="The .npy file to write: one float32 row per line of FILE ('-' writes it to standard output).")
@click.option("--weighting", default=options.DEFAULT_DOCUMENT_WEIGHTING, show_default=True,
              type=click.Choice(options.DOCUMENT_WEIGHTINGS),
              help="Average of the word vectors, weighted by idf, or SIF (smooth inverse frequency, common "
                   "component removed).")
def docvec(file: Path, model_path: Path, output: Path, weighting: str) -> None:
    """Turn each line of FILE ('-' reads stdin) into a document vector, saved as .npy.

    FILE is read as `build` reads a corpus file (compressed, UTF-16 with a byte-order
    mark, undecodable bytes replaced and counted), with the same lines: a line ends at
    a line feed only, so a carriage return is a space. The idf and SIF's common component
    are learned from FILE itself. A line without a known word gives a row of zeros. Load
    the result with numpy.load. With -o -, the .npy goes to standard output (not to a
    terminal) and the summary to standard error.

    \b
    Example:
      wordvec docvec reviews.txt -m my-model -o reviews.npy --weighting sif
      zcat reviews.gz | wordvec docvec - -m my-model -o - | python analyse.py
    """
    from .corpus import Corpus
    from .features import DocumentVectorizer
    from .files import save_array

    to_stdout = str(output) == "-"
    if to_stdout and sys.stdout.isatty():
        raise click.ClickException("-o - writes binary .npy data, not for a terminal: redirect standard output or name a file")
    if not to_stdout:
        _check_outputs([output], [file, *_with_vocab(model_path)])
    model = _load(model_path)
    text = Corpus(file)
    documents = list(text.iter_lines())
    vectorizer = DocumentVectorizer(model, weighting=weighting)
    matrix = vectorizer.fit_transform(documents)
    if to_stdout:
        _write_npy_to_stdout(matrix)
    else:
        save_array(matrix, output)
    if text.stats.replaced_bytes:
        click.echo(f"warning: {text.stats.replaced_bytes:,} undecodable bytes were replaced (FILE is not all UTF-8)", err=True)
    click.echo(
        f"wrote {matrix.shape[0]:,} document vectors x {matrix.shape[1]} dims ({weighting}) to "
        f"{'standard output' if to_stdout else output}; {vectorizer.n_empty_:,} without a known word (zero rows)",
        err=to_stdout,
    )


def _write_npy_to_stdout(matrix: Any) -> None:
    import numpy as np

    binary = sys.stdout.buffer
    try:
        np.save(binary, matrix, allow_pickle=False)
        binary.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise WordvecError(f"cannot write to standard output: {os_error_reason(error)}") from None


def _word_list(context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> list[str]:
    """Words from repeated and comma-separated option values."""
    words = [word.strip() for value in values for word in value.split(",") if word.strip()]
    if not words:
        raise click.BadParameter("give at least one word", ctx=context, param=parameter)
    return words


@main.command()
@_model_option
@click.option("--positive", "positive_seeds", multiple=True, required=True, callback=_word_list,
              help="Positive seed words, comma-separated or repeated.")
@click.option("--negative", "negative_seeds", multiple=True, required=True, callback=_word_list,
              help="Negative seed words, comma-separated or repeated.")
@click.option("-k", "--topn", default=20, show_default=True, type=click.IntRange(min=1),
              help="Words shown at each end.")
@click.option("--method", default=options.POLARITY_METHODS[0], show_default=True, type=click.Choice(options.POLARITY_METHODS),
              help="Random walks over the nearest-neighbour graph (Hamilton et al. 2016), or cosine with the "
                   "seed axis.")
@_json_option
def polarity(
    model_path: Path, positive_seeds: list[str], negative_seeds: list[str], topn: int, method: str, as_json: bool
) -> None:
    """Score every word from negative to positive from a few seed words.

    Shows the -k most positive and most negative words other than the seeds, with
    standardised scores (mean 0, standard deviation 1 over the vocabulary). SentProp
    walks a graph of the most frequent words and is the slower method; projection is
    one matrix product.

    \b
    Example:
      wordvec polarity --positive good,great,excellent --negative bad,awful,poor -k 20
    """
    model = _load(model_path)
    scores = model.polarity(positive_seeds, negative_seeds, method=method)
    seeds = {model.vocabulary_word(word) for word in positive_seeds + negative_seeds}
    ranked = sorted((item for item in scores.items() if item[0] not in seeds), key=lambda item: -item[1])
    most_positive, most_negative = ranked[:topn], ranked[::-1][:topn]
    if as_json:
        _print_json({
            "positive_seeds": positive_seeds, "negative_seeds": negative_seeds, "method": method,
            "most_positive": [{"word": w, "score": s} for w, s in most_positive],
            "most_negative": [{"word": w, "score": s} for w, s in most_negative],
        })
        return
    _print_neighbours("most positive", most_positive)
    click.echo()
    _print_neighbours("most negative", most_negative)


@main.command()
@click.option("-m", "--model", "model_paths", multiple=True, type=click.Path(path_type=Path), metavar="MODEL",
              help=f"Model directory (default ${MODEL_ENV}, else {DEFAULT_MODEL}); give two (-m A -m B) to compare "
                   "them: neighbours side by side, and the words that differ most.")
@click.option("--host", default=options.DEFAULT_HOST, show_default=True,
              help="Address to listen on; the default lets only this machine in, 0.0.0.0 opens it to the network.")
@click.option("--port", default=options.DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests for this host name (repeatable; '*' answers every name). "
                   "By default only localhost, IP addresses and the --host name (the machine's names for 0.0.0.0) "
                   "are answered, against DNS rebinding.")
def serve(model_paths: tuple[Path, ...], host: str, port: int, allowed_hosts: tuple[str, ...]) -> None:
    """Explore the model in a web browser: neighbours, a 2-D map, analogies, similarity.

    Starts a local web server and prints its address; open it in a browser. The
    page works offline; its JSON API is described in the README. Ctrl-C stops the
    server. The model is held in memory, and loaded again when it is rebuilt. With
    two models, the page also shows a word's neighbours in both side by side and the
    words that differ most (as wordvec compare ranks them). Needs starlette and
    uvicorn (pip install 'wordvec[serve]').

    \b
    Example:
      wordvec serve -m my-model --port 8000
      wordvec serve -m novels -m news
    """
    from .serve import serve as run_server

    if len(model_paths) > 2:
        raise click.UsageError(f"give one model, or two to compare; got {len(model_paths)}")
    paths = list(model_paths) or [Path(os.environ.get(MODEL_ENV) or DEFAULT_MODEL)]

    def ready(url: str) -> None:
        click.echo(f"serving {' and '.join(map(str, paths))} at {url} (Ctrl-C to stop)")

    def name(path: Path) -> str:
        return path.absolute().name or str(path)

    other = paths[1] if len(paths) == 2 else None
    run_server(paths[0], host=host, port=port, name=name(paths[0]), allowed_hosts=allowed_hosts, on_ready=ready,
               other=other, other_name=name(other) if other is not None else "")
    click.echo("stopped")


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(allow_dash=True), callback=_corpus_paths)
@click.option("-o", "--output", default=None, type=click.Path(path_type=Path),
              help="Write the updated model here instead of replacing MODEL (atomically).")
@click.option("--workers", default=None, show_default="available cores", type=click.IntRange(1, options.MAX_WORKERS),
              help="Processes that read the new text.")
@_quiet_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the seconds of each stage (on stderr).")
def update(
    model_path: Path, corpus: list[CorpusFile], output: Path | None, workers: int | None, quiet: bool, verbose: bool
) -> None:
    """Add the text of CORPUS to MODEL (built with --keep-corpus) and refit it.

    The result is the model that `wordvec build` would make from the old and the new text
    together, with the same options.

    \b
    Example:
      wordvec build corpora/austen.txt.gz --keep-corpus -o my-model
      wordvec update my-model corpora/shakespeare.txt.gz
    """
    from .incremental import update as update_model

    replacing_model = output is None or os.path.realpath(output) == os.path.realpath(model_path)
    _check_outputs([output or model_path], [*corpus, *([] if replacing_model else [model_path])])
    started = time.perf_counter()
    progress = _Progress(not quiet and sys.stderr.isatty(), BUILD_BARS)
    try:
        model, counted = update_model(model_path, corpus, progress=progress, workers=workers)
    finally:
        progress.close()
    _save_and_report(model, counted, output or model_path, started, quiet, verbose)


@main.command()
@click.argument("word1")
@click.argument("word2")
@_model_option
@click.option("-k", "--topn", default=options.DEFAULT_TOPN, show_default=True, type=click.IntRange(min=1), help="Contexts to list.")
@_json_option
def explain(word1: str, word2: str, model_path: Path, topn: int, as_json: bool) -> None:
    """List the context words that make WORD1 and WORD2 similar (needs a model built with --keep-corpus).

    Each context's product of its PPMI with both words is its share of their PPMI rows'
    dot product, which the vectors approximate.

    \b
    Example:
      wordvec explain king queen -m my-model
    """
    from .explain import explain as explain_similarity

    result = explain_similarity(model_path, word1, word2, topn=topn)
    if as_json:
        _print_json({
            "word1": result.word1, "word2": result.word2, "similarity": result.similarity,
            "ppmi_cosine": result.ppmi_cosine, "share": result.share,
            "contexts": [{"context": c, "product": p, "ppmi1": a, "ppmi2": b} for c, p, a, b in result.contexts],
        })
        return
    click.echo(
        f"{result.word1} ~ {result.word2}: similarity {result.similarity:.3f}, PPMI cosine {result.ppmi_cosine:.3f}; "
        f"the top {len(result.contexts)} shared contexts make {result.share:.0%} of the PPMI dot product"
    )
    rows = [("context", "product", f"PPMI {result.word1}", f"PPMI {result.word2}")]
    rows += [(context, f"{product:.2f}", f"{first:.2f}", f"{second:.2f}") for context, product, first, second in result.contexts]
    _print_rows(rows)


def run() -> None:
    """The ``wordvec`` program: :func:`main`, then a quick exit.

    The interpreter's last garbage collection walks every object that the imports made,
    numpy's alone a measurable part of a one-word query (benchmarks/RESULTS.md). Once the
    command has ended no garbage worth collecting is left, so they are frozen out of that walk.
    Only the program does this: a test or a library calling :func:`main` keeps its
    collections.

    The standard streams are guarded (see :func:`_guard_standard_streams`): a closed or
    failing one ends the program with one line (when standard error can show it) and exit
    status 1, never with a traceback.
    """
    _guard_standard_streams()
    try:
        main()
    except (WordvecError, OSError) as error:
        # Raised outside a command: click's own help, usage or error line could not be written.
        _last_words(error)
    finally:
        gc.freeze()
        try:
            _flush(sys.stdout)
        except (WordvecError, OSError):
            # Output of a command that already failed (and said so): the interpreter's last
            # flush would fail on it again, with an "Exception ignored" traceback.
            _drop_output(sys.stdout)


def _last_words(error: Exception) -> None:
    """Say ``error`` on standard error if it still can, and exit 1."""
    line = str(error) if isinstance(error, WordvecError) else _os_error_line(error)  # type: ignore[arg-type]
    try:
        click.echo(f"Error: {line}", err=True)
    except (WordvecError, OSError):
        _drop_output(sys.stderr)
    sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    run()
