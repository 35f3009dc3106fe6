"""Stream the text of a corpus (files, directories, compressed files, URLs, stdin or Python strings) in bounded pieces."""

from __future__ import annotations

import bz2
import codecs
import errno
import gzip
import itertools
import lzma
import os
import re
import stat
import sys
import threading
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Union

from .errors import CorpusError
from .files import NotRegularFileError, file_kind, open_regular_file


@dataclass(frozen=True)
class CorpusURL:
    """A corpus file or folder at a URL, read through fsspec: ``s3://bucket/corpus/``, ``file:///data/a.txt``.

    A corpus argument given as a string with a protocol (``scheme://``) becomes one; the
    protocol's own package (s3fs for ``s3://``, gcsfs for ``gcs://``) must be installed.
    """

    url: str

    def __str__(self) -> str:
        return self.url


PathLike = Union[str, "os.PathLike[str]"]
#: A file of a resolved corpus: a local path (``-`` is stdin) or a URL.
CorpusFile = Union[Path, CorpusURL]
CorpusSource = Union[PathLike, CorpusURL, Iterable[Union[PathLike, CorpusURL]], Iterable[str]]

#: Bytes read from a file per step; the decoded piece is about this many characters.
READ_BYTES = 1 << 22
#: A line of this many characters or more is cut at its last whitespace, so that
#: memory stays bounded however long a line is (tokens never contain whitespace).
MAX_PENDING_CHARS = 1 << 22
#: Whitespace a very long line is preferably cut at (tokens never contain it).
_SPACES = (" ", "\t", "\u00a0", "\u3000", "\u2028", "\u2029", "\x0b", "\x0c", "\r")
#: How far back from the end a long line without whitespace is searched for a separator.
_SEPARATOR_SEARCH = 4096
#: How much of a file is sniffed to tell text from binary.
SNIFF_BYTES = 8192
#: Bytes a URL's file fetches ahead of a read. Sniffing a head or finding a line end reads a few
#: KB, and s3fs's default (50 MB) would fetch that much for each.
URL_BLOCK_BYTES = 1 << 20

_COMPRESSED_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_BINARY_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "an executable"),
    (b"\x93NUMPY", "a numpy array file"),
)
# Control bytes that do not occur in text; tab, newlines, form feed and escape do.
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13, 27})

_decode_state = threading.local()
#: How a URL begins: a protocol and ``://``.
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
#: Seconds an explicitly named pipe may wait for its writer before a warning says so.
PIPE_WAIT_NOTICE_SECONDS = 1.0


class CorpusWarning(UserWarning):
    """Something in the corpus was skipped or is being waited for (see :func:`resolve_paths`)."""


def _replace_and_count(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: replace undecodable bytes with U+FFFD and count them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    _decode_state.replaced = getattr(_decode_state, "replaced", 0) + (error.end - error.start)
    return "\ufffd", error.end


codecs.register_error("wordvec.replace-and-count", _replace_and_count)


@dataclass
class CorpusStats:
    """What the reader saw: files read, bytes read and bytes that were not valid text."""

    files: int = 0
    bytes_read: int = 0
    replaced_bytes: int = 0
    total_bytes: int | None = None
    names: list[str] = field(default_factory=list)


def _is_path_like(item: object) -> bool:
    return isinstance(item, (str, os.PathLike, CorpusURL))


def corpus_path(source: PathLike | CorpusURL) -> CorpusFile:
    """A corpus argument as a :class:`CorpusURL` if it is a string with a protocol (``s3://...``), else a local path."""
    if isinstance(source, CorpusURL):
        return source
    if isinstance(source, str) and _URL_START.match(source):
        return CorpusURL(source)
    return Path(source)


def resolve_paths(sources: Iterable[PathLike | CorpusURL]) -> list[CorpusFile]:
    """Expand corpus paths and URLs into the list of files to read, in a stable order.

    Directories (local or at a URL) are searched recursively for text files. Hidden entries
    and files that look binary are left out; so is whatever is not a regular file (a named
    pipe, socket or device, a broken symbolic link or a loop of them, a folder that cannot be
    listed), with a :class:`CorpusWarning` for each such path. Symbolic links to files are
    read; links to folders are followed, each folder read once. A path named here may also
    be a stream: ``-`` for standard input, a named pipe or ``/dev/fd/N`` (bash's
    ``<(zcat corpus.gz)``), read from start to end as standard input is.

    Parameters
    ----------
    sources : iterable of str, path-like or CorpusURL
        Files, directories, URLs of files or folders (see :func:`corpus_path`), or ``-``.

    Returns
    -------
    list of pathlib.Path or CorpusURL
        The files, directories expanded in sorted order.

    Raises
    ------
    CorpusError
        A path does not exist, is a broken link, a socket or a block device, cannot be read,
        or a directory holds no text file; a URL needs fsspec or its protocol's package,
        which is not installed.
    """
    files: list[CorpusFile] = []
    skipped: set[str] = set()

    def skip(path: CorpusFile, reason: str) -> None:
        if str(path) not in skipped:  # a folder named twice warns once
            skipped.add(str(path))
            warnings.warn(f"skipped {str(path)!r}: {reason}", CorpusWarning, stacklevel=2)

    for source in sources:
        path = corpus_path(source)
        kind = "file" if str(path) == "-" else _kind_of(path)
        if kind == "directory":
            found = list(_walk_text_files(path, skip))
            if not found:
                raise CorpusError(f"directory {str(path)!r} holds no text files; point to a folder of .txt (or .gz/.bz2/.xz) files")
            files.extend(found)
        else:
            files.append(path)
    if not files:
        raise CorpusError("no corpus given; pass one or more files, directories or '-' for standard input")
    return files


def _kind_of(path: CorpusFile) -> str:
    """``"directory"`` or ``"file"`` (a stream too) for a path named as a corpus; CorpusError for anything else."""
    if isinstance(path, CorpusURL):
        filesystem, location = _filesystem(path.url)
        try:
            return "directory" if filesystem.info(location)["type"] == "directory" else "file"
        except FileNotFoundError:
            raise CorpusError(f"corpus path {path.url!r} does not exist") from None
        except PermissionError:
            raise CorpusError(f"cannot read {path.url!r}: permission denied; check the credentials fsspec is given") from None
        except OSError as error:
            raise CorpusError(f"cannot read {path.url!r}: {error}") from None
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise _unreachable_error(path, error) from None
    if stat.S_ISDIR(mode):
        return "directory"
    if not (stat.S_ISREG(mode) or _is_stream(mode)):
        raise CorpusError(f"corpus path {str(path)!r} is {file_kind(mode)}; pass text files, folders of them or '-'")
    if not os.access(path, os.R_OK):
        raise CorpusError(f"cannot read {str(path)!r}: permission denied; check the file's permissions")
    return "file"


def _is_stream(mode: int) -> bool:
    """A named pipe or a character device (a terminal, ``/dev/stdin``): read once, from start to end."""
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _unreachable(path: Path, error: OSError) -> str:
    """What ``path`` is, given the error of ``os.stat(path)``: a broken link, a loop of links, or out of reach."""
    if error.errno == errno.ENOENT:
        return "a broken symbolic link (its target does not exist)" if path.is_symlink() else "missing"
    if error.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return f"out of reach ({error.strerror})"


def _unreachable_error(path: Path, error: OSError) -> CorpusError:
    """The error for a corpus path that ``os.stat`` cannot reach."""
    name = repr(str(path))
    if error.errno == errno.ENOENT and not path.is_symlink():
        return CorpusError(f"corpus path {name} does not exist")
    if error.errno == errno.EACCES:
        return CorpusError(f"cannot read {name}: permission denied; check the permissions of its folders")
    return CorpusError(f"corpus path {name} is {_unreachable(path, error)}; name a file or folder of text")


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem that reads ``url``, and the path of ``url`` in it."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise CorpusError(f"reading URLs such as {url!r} needs fsspec: pip install 'wordvec[dask]'") from None
    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as error:
        # fsspec's line names the protocol's missing package ("Install s3fs to access S3") or says the protocol is unknown.
        raise CorpusError(f"cannot read {url!r}: {error}") from None


def _open_binary(path: CorpusFile, *, streams: bool = True) -> BinaryIO:
    """Open a local file or a URL for binary reading; both kinds of file object seek, unless a stream.

    A regular file is opened without blocking and checked once open, so that a path
    replaced by a pipe in the meantime never blocks. With ``streams``, a named pipe or
    character device is opened as it is (see :func:`_open_stream`); without, it raises
    :class:`~wordvec.files.NotRegularFileError`.
    """
    if isinstance(path, CorpusURL):
        filesystem, location = _filesystem(path.url)
        return filesystem.open(location, "rb", block_size=URL_BLOCK_BYTES)
    if streams and _is_stream(os.stat(path).st_mode):
        return _open_stream(path)
    return open_regular_file(path)


def _open_stream(path: Path) -> BinaryIO:
    """Open a named pipe or character device; a pipe's open waits for a writer, with a warning if it waits long."""
    notice = threading.Timer(
        PIPE_WAIT_NOTICE_SECONDS,
        warnings.warn,
        (f"waiting for a program to write to {str(path)!r} (a named pipe); start one or press Ctrl-C", CorpusWarning),
    )
    notice.daemon = True
    notice.start()
    try:
        return open(path, "rb")
    finally:
        notice.cancel()


def file_size(path: CorpusFile) -> int | None:
    """Bytes in a corpus file; None for standard input or another stream (a pipe, say) that only this process can read."""
    if isinstance(path, CorpusURL):
        filesystem, location = _filesystem(path.url)
        return filesystem.size(location)
    if str(path) == "-":
        return None
    try:
        status = path.stat()
    except OSError as error:
        raise _unreachable_error(path, error) from None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _walk_text_files(directory: CorpusFile, skip: Callable[[CorpusFile, str], None]) -> Iterator[CorpusFile]:
    """The text files under a local or URL directory: a folder's files in name order, then its subfolders'.

    ``skip(path, reason)`` is told of every entry left out for not being a regular file or folder.
    """
    candidates = _walk_url(directory, skip) if isinstance(directory, CorpusURL) else _walk_local(directory, skip)
    for path in candidates:
        try:
            with _open_decompressed(path, regular_only=True) as stream:
                kind = _binary_kind(stream.read(SNIFF_BYTES))
        except NotRegularFileError as error:
            skip(path, error.strerror)
            continue
        except _READ_ERRORS:
            kind = None  # unreadable or corrupt: reading it will say so, not skip it silently
        if kind is None:
            yield path


def _walk_local(directory: Path, skip: Callable[[CorpusFile, str], None]) -> Iterator[Path]:
    """The regular files under a local folder (links followed, each folder listed once), not hidden ones."""
    listed = {_identity(os.stat(directory))}
    pending = [directory]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as scan:
                names = sorted(entry.name for entry in scan if not entry.name.startswith("."))
        except OSError as error:
            skip(folder, f"cannot list it: {error.strerror}")
            continue
        subfolders = []
        for name in names:
            path = folder / name
            try:
                status = os.stat(path)
            except OSError as error:
                skip(path, _unreachable(path, error))
                continue
            if stat.S_ISDIR(status.st_mode):
                if _identity(status) in listed:
                    skip(path, "a link to a folder that is already read (a loop of links, or a second way in)")
                else:
                    listed.add(_identity(status))
                    subfolders.append(path)
            elif stat.S_ISREG(status.st_mode):
                yield path
            else:
                skip(path, f"{file_kind(status.st_mode)}, not a regular file")
        pending.extend(reversed(subfolders))


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _walk_url(directory: CorpusURL, skip: Callable[[CorpusFile, str], None]) -> Iterator[CorpusURL]:
    """The files under a folder at a URL, in the order of ``os.walk``; what fsspec calls neither file nor folder is asked about."""
    filesystem, location = _filesystem(directory.url)

    def unlisted(error: OSError) -> None:
        where = CorpusURL(filesystem.unstrip_protocol(error.filename)) if error.filename else directory
        skip(where, f"cannot list it: {error.strerror or error}")

    for root, folders, files in filesystem.walk(location, detail=True, on_error=unlisted):
        visible = {name: folders[name] for name in sorted(folders) if not name.startswith(".")}
        folders.clear()
        folders.update(visible)  # walk descends into what is left, in this order
        for name in sorted(name for name in files if not name.startswith(".")):
            full = f"{root.rstrip('/')}/{name}"
            url = CorpusURL(filesystem.unstrip_protocol(full))
            kind = files[name].get("type")
            if kind == "other":  # a local link (file://) is "other" until followed
                try:
                    kind = filesystem.info(full)["type"]
                except OSError as error:
                    skip(url, error.strerror or str(error))
                    continue
            if kind == "file":
                yield url
            else:
                skip(url, f"not a regular file ({kind})")


def _compression_of(head: bytes) -> str | None:
    for magic, name in _COMPRESSED_MAGIC:
        if head.startswith(magic):
            return name
    return None


class _CountingReader:
    """File wrapper that counts the raw (possibly compressed) bytes read, for progress.

    With ``limit``, reads stop after that many bytes (a byte range of a file, see :class:`FilePart`).
    """

    def __init__(self, raw: BinaryIO, stats: CorpusStats | None, limit: int | None = None) -> None:
        self._raw = raw
        self._stats = stats
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        if self._left is not None:
            size = self._left if size < 0 else min(size, self._left)
        data = self._raw.read(size)
        if self._left is not None:
            self._left -= len(data)
        if self._stats is not None:
            self._stats.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:  # used by bz2/lzma
        count = self._raw.readinto(buffer)
        if self._stats is not None and count:
            self._stats.bytes_read += count
        return count

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Closing is left to :func:`_open_decompressed`, which knows whether the file is ours."""

    def __getattr__(self, name: str):
        return getattr(self._raw, name)


@contextmanager
def _open_decompressed(path: CorpusFile, stats: CorpusStats | None = None, *, regular_only: bool = False) -> Iterator[BinaryIO]:
    """Open a file, URL (or stdin for ``-``) for binary reading, decompressing gzip, bzip2 and xz by magic bytes.

    With ``regular_only``, a local path that is not a regular file raises :class:`~wordvec.files.NotRegularFileError`.
    """
    is_stdin = str(path) == "-"
    if is_stdin and sys.stdin is None:
        raise CorpusError("standard input is closed; pipe the text into wordvec or name a file")
    raw = sys.stdin.buffer if is_stdin else _open_binary(path, streams=not regular_only)
    try:
        head = _peek(raw, 8)
        counted = _CountingReader(raw, stats)
        opener = _DECOMPRESSORS.get(_compression_of(head) or "")
        if opener is None:
            yield counted  # type: ignore[misc]
        else:
            # The decompressor does not close a file object it was handed; the finally below does.
            with opener(counted) as stream:
                yield stream
    finally:
        if not is_stdin:  # stdin belongs to the process
            raw.close()


def _peek(raw: BinaryIO, size: int) -> bytes:
    """The first ``size`` bytes of ``raw``, left in it to be read; a URL's file has no ``peek`` but seeks."""
    if hasattr(raw, "peek"):
        return raw.peek(size)[:size]
    head = raw.read(size)
    raw.seek(0)
    return head


@contextmanager
def _open_range(path: CorpusFile, stats: CorpusStats, start: int, end: int | None) -> Iterator[BinaryIO]:
    """Open bytes ``start:end`` of an uncompressed file (``end`` None: to its end) for binary reading."""
    with _open_binary(path) as raw:
        raw.seek(start)
        yield _CountingReader(raw, stats, None if end is None else end - start)  # type: ignore[misc]


def _gzip_stream(raw: BinaryIO) -> BinaryIO:
    """A gzip file's decompressed bytes: by ISA-L when python-isal is installed (the ``[fast]`` extra), else by zlib.

    ISA-L decompressed the bench corpus in 0.25 s against zlib's 0.76 s (benchmarks/RESULTS.md), the
    same bytes. ``WORDVEC_COMPILED=0`` keeps zlib, as it keeps numpy's code.
    """
    from .compiled import accelerated

    if accelerated():
        try:
            from isal import igzip, isal_zlib
        except ImportError:
            pass
        else:
            return _TranslatedErrors(igzip.GzipFile(fileobj=raw, mode="rb"), isal_zlib.error)  # type: ignore[return-value]
    return gzip.GzipFile(fileobj=raw, mode="rb")


class _TranslatedErrors:
    """A decompressed stream whose library-specific error on damaged data is raised as :class:`zlib.error`."""

    def __init__(self, stream: BinaryIO, error: type[Exception]) -> None:
        self._stream = stream
        self._error = error

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except self._error as error:
            raise zlib.error(str(error)) from None

    def __enter__(self) -> _TranslatedErrors:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stream.close()


_DECOMPRESSORS = {
    "gzip": _gzip_stream,
    "bz2": lambda raw: bz2.BZ2File(raw, mode="rb"),
    "xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),
}
#: What a damaged file raises while it is decompressed and read.
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _binary_kind(head: bytes) -> str | None:
    """Say what kind of binary file ``head`` starts, or None if it looks like text."""
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not head:
        return None
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > 0.1 * len(head):
        return "a binary file"
    return None


def _encoding_of(head: bytes) -> str:
    """Pick the decoder from a byte-order mark; UTF-8 otherwise."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _split_at_boundary(text: str, final: bool) -> tuple[str, str]:
    """Split ``text`` into a piece that ends at a line end (or a token boundary) and the rest."""
    if final:
        return (text if text.endswith("\n") or not text else text + "\n"), ""
    cut = text.rfind("\n") + 1
    if cut == 0 and len(text) >= MAX_PENDING_CHARS:
        cut = _token_boundary(text)
    return text[:cut], text[cut:]


def _token_boundary(text: str) -> int:
    """Where a very long line may be cut without splitting a token: after its last separator.

    Whitespace first; failing that (a line of comma-separated words, say), the last
    character that no token contains. Only a line with neither is cut anywhere.
    """
    cut = max(text.rfind(space) for space in _SPACES) + 1
    if cut:
        return cut
    tail = len(text) - min(len(text), _SEPARATOR_SEARCH)
    for position in range(len(text) - 1, tail - 1, -1):
        character = text[position]
        if not (character.isalnum() or character in "'-.,"):
            return position + 1
    return len(text)


def _iter_file_text(path: CorpusFile, stats: CorpusStats, start: int = 0, end: int | None = None) -> Iterator[str]:
    """The text of a file, or of its bytes ``start:end`` (a :class:`FilePart` that :func:`file_layout` allowed)."""
    name = "standard input" if str(path) == "-" else repr(str(path))
    whole = start == 0 and end is None
    try:
        with _open_decompressed(path, stats) if whole else _open_range(path, stats, start, end) as stream:
            head = stream.read(SNIFF_BYTES)
            # A range's file was sniffed whole by file_layout; its own head may be shorter than a sniff.
            kind = _binary_kind(head) if whole else None
            if kind is not None:
                raise CorpusError(f"{name} looks like {kind}, not text; pass plain-text files (UTF-8, optionally .gz/.bz2/.xz)")
            # A byte-order mark can only open the file, so a range further in is plain UTF-8.
            encoding = _encoding_of(head) if start == 0 else "utf-8"
            decoder = codecs.getincrementaldecoder(encoding)("wordvec.replace-and-count")
            pending = ""
            data = head
            line_open = False  # the last piece was cut inside a (very long) line
            while True:
                final = not data
                _decode_state.replaced = 0
                text = pending + decoder.decode(data, final=final)
                stats.replaced_bytes += _decode_state.replaced
                if final and not text and line_open:
                    text = "\n"  # the file's end ends that line too
                piece, pending = _split_at_boundary(text, final)
                if piece:
                    line_open = not piece.endswith("\n")
                    yield piece
                if final:
                    break
                data = stream.read(READ_BYTES)
    except PermissionError:
        raise CorpusError(f"cannot read {name}: permission denied; check the file's permissions") from None
    except NotRegularFileError as error:
        raise CorpusError(f"cannot read {name}: it is now {error.strerror}") from None
    except EOFError:
        raise CorpusError(f"{name} is truncated: the compressed stream ends early; re-download or re-compress it") from None
    except _READ_ERRORS as error:
        raise CorpusError(f"cannot read {name}: {error}; the file is corrupt or not in a supported format") from None


def _iter_lines_text(lines: Iterable[str | list[str]]) -> Iterator[str]:
    """Join Python strings (each a line, or a list of tokens) into newline-separated pieces."""
    batch: list[str] = []
    size = 0
    for line in lines:
        if not isinstance(line, str):
            if isinstance(line, (list, tuple)) and all(isinstance(token, str) for token in line):
                line = " ".join(line)
            else:
                raise CorpusError(f"corpus lines must be strings (or lists of token strings); got {type(line).__name__}")
        batch.append(line)
        size += len(line)
        if size >= MAX_PENDING_CHARS:
            yield "\n".join(batch) + "\n"
            batch, size = [], 0
    if batch:
        yield "\n".join(batch) + "\n"


@dataclass(frozen=True)
class FilePart:
    """A corpus file to read whole, or its bytes ``start:end`` (``end`` None: to the end of the file).

    Byte ranges let several processes read one large file (see :mod:`wordvec.parallel`). A range
    must begin at a line start and belong to a file that :func:`file_layout` says can be split:
    ranges cut after line ends then hold exactly the file's lines, and are read as the whole
    file would be (a final line end is added only at the end of the file, as always).
    """

    path: CorpusFile
    start: int = 0
    end: int | None = None


def file_layout(path: CorpusFile) -> tuple[bool, bool]:
    """Whether a corpus file is compressed, and whether it may be read in byte ranges cut after line ends.

    Only an uncompressed file whose head (the bytes sniffed to tell text from binary) is text,
    UTF-8 rather than UTF-16, can be split: in UTF-8 a ``\\n`` byte is always a line end and
    never part of another character, so a cut just after it splits neither a line nor a character.
    A compressed file can only be read from its start.
    """
    try:
        with _open_binary(path) as file:
            head = file.read(SNIFF_BYTES)
    except OSError:
        return False, False  # reading the file whole reports the problem
    compressed = _compression_of(head) is not None
    return compressed, not compressed and _binary_kind(head) is None and _encoding_of(head) != "utf-16"


def next_line_start(path: CorpusFile, position: int) -> int:
    """The first offset at or after ``position`` (> 0) that begins a line of the file, or the file's size."""
    with _open_binary(path) as file:
        offset = position - 1
        file.seek(offset)
        while chunk := file.read(1 << 16):
            found = chunk.find(b"\n")
            if found >= 0:
                return offset + found + 1
            offset += len(chunk)
        return offset


def iter_parts_text(parts: Iterable[FilePart], stats: CorpusStats) -> Iterator[str]:
    """Yield the text of file parts in bounded pieces that end at line ends, as :meth:`Corpus.iter_text` does.

    A file counts in ``stats.files`` once, with its part that starts at byte 0.
    """
    for part in parts:
        if part.start == 0:
            stats.files += 1
        yield from _iter_file_text(part.path, stats, part.start, part.end)


class Corpus:
    """A corpus to stream: paths (files, directories, URLs, ``-`` for stdin) or an iterable of lines.

    Parameters
    ----------
    source : str, path-like, CorpusURL, iterable of path-like or CorpusURL, or iterable of str
        A single ``str``, path-like or :class:`CorpusURL` is one path; a ``str`` with a
        protocol (``s3://bucket/corpus/``, ``file:///data/a.txt``) is a URL, read through
        fsspec. An iterable whose first item is a :class:`pathlib.Path` (or other path-like
        object) or a :class:`CorpusURL` is several paths. Any other iterable of ``str`` is
        lines of text (a list of token strings also counts as one line). To pass several
        paths as strings, wrap them in :class:`pathlib.Path` (URLs in :class:`CorpusURL`).

    Notes
    -----
    The text is yielded in pieces of a few MB, each ending at a line end or, for very
    long lines, at whitespace; a file's end counts as a line end. A line ends at ``\n``
    only: a carriage return is whitespace, so CR-LF files give the same lines as LF files,
    and a file with CR-only line ends (old Mac OS) is one line. Memory does not grow
    with the corpus or line length. Undecodable bytes are replaced by U+FFFD and
    counted in :attr:`stats` (``replaced_bytes``). Files beginning with a UTF-16 byte-order
    mark are decoded as UTF-16.
    """

    def __init__(self, source: CorpusSource) -> None:
        self.stats = CorpusStats()
        self._lines: Iterable | None = None
        self._paths: list[CorpusFile] | None = None
        if _is_path_like(source):
            self._paths = resolve_paths([source])  # type: ignore[list-item]
        elif isinstance(source, Iterable):
            # Peek at the first item to tell paths from lines without consuming a one-shot iterator.
            items = iter(source)
            first = next(items, None)
            if isinstance(first, (os.PathLike, CorpusURL)):
                self._paths = resolve_paths(itertools.chain([first], items))
            else:
                self._lines = itertools.chain([] if first is None else [first], items)
        else:
            raise CorpusError(f"cannot read a corpus from a {type(source).__name__}; pass paths or an iterable of strings")
        if self._paths is not None:
            self.stats.names = [str(path) for path in self._paths]
            sizes = [file_size(path) for path in self._paths]
            if None not in sizes:
                self.stats.total_bytes = sum(sizes)  # type: ignore[arg-type]
        else:
            self.stats.names = ["<python iterable>"]

    @property
    def paths(self) -> list[CorpusFile] | None:
        """The files to read (paths and URLs), in order (``-`` is stdin); None for a corpus of Python lines."""
        return self._paths

    def iter_text(self) -> Iterator[str]:
        """Yield the corpus text in bounded pieces that end at line ends (see class notes)."""
        if self._paths is None:
            yield from _iter_lines_text(self._lines)  # type: ignore[arg-type]
            return
        for path in self._paths:
            self.stats.files += 1
            yield from _iter_file_text(path, self.stats)

    def iter_lines(self) -> Iterator[str]:
        """Yield the corpus's lines without their ``\n``, as :meth:`iter_text` ends them (see class notes).

        Each line is one string however long: ``wordvec docvec`` makes a document of each.
        """
        unfinished: list[str] = []  # a very long line's start, cut at whitespace
        for piece in self.iter_text():
            *lines, tail = piece.split("\n")
            if lines:
                lines[0] = "".join(unfinished) + lines[0]
                unfinished = []
                yield from lines
            if tail:
                unfinished.append(tail)
