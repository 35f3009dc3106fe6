"""The embedding explorer: a JSON API over a model and the page in ``static/`` that uses it (the [serve] extra)."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import socket
import threading
import time
from bisect import bisect_left
from http import HTTPStatus
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import answers
from .answers import file_name
from .deprecation import renamed_keywords
from .errors import ParameterError, UnknownWordError, WordvecError
from .options import (DEFAULT_COMPARE_MIN_COUNT, DEFAULT_COMPARE_SKIP_FREQUENT, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TOPN,
                      MAX_MAP_NEIGHBOURS, PHRASE_DELIMITER)
from .vectors import WordVectors

if TYPE_CHECKING:
    from starlette.applications import Starlette

#: The page, its script and its style sheet; nothing outside this folder is ever served.
STATIC = Path(__file__).with_name("static")

#: Host names every server answers to, besides any IP address (see :func:`create_app`).
LOCAL_HOST_NAMES = ("localhost",)
#: ``--allow-host`` value that turns the Host check off.
ANY_HOST = "*"
#: Addresses that listen on every interface of the machine.
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")

#: Longest request line plus header fields, in bytes (h11's own default): longer gets 414 or 431.
MAX_REQUEST_HEAD = 16 * 1024
#: After refusing a request, how long to read and drop what the client still sends before closing (see _http_protocol).
DRAIN_SECONDS = 2.0
#: How often, at most, a request looks whether the served model's files changed.
RELOAD_CHECK_SECONDS = 1.0

#: Query parameters renamed, old name -> new name: a request may still use the old one for a
#: release, and its answer then carries a warning (see :func:`renamed_parameter_warnings`).
RENAMED_PARAMETERS = {"k": "topn"}

MISSING_FRAMEWORK = "wordvec serve needs starlette and uvicorn: pip install 'wordvec[serve]'"

#: On every answer: no other site may load one (as an image or a script, say), nor a browser guess its type.
RESPONSE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin"}

#: The page loads nothing from elsewhere: it must work offline, and no other site may frame it.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _word(params: Mapping[str, str], name: str) -> str:
    word = params.get(name)
    if word is None or not word.strip():
        raise ParameterError(f"give a word as the {name!r} parameter")
    return word


def _topn(params: Mapping[str, str]) -> int:
    """The ``topn`` parameter (or its old name ``k``): how many neighbours, answers or completions."""
    name = "k" if "topn" not in params and "k" in params else "topn"
    return _count(params, name, DEFAULT_TOPN, 1, MAX_MAP_NEIGHBOURS)


#: The largest ``min_count`` or ``skip_frequent`` a request may give.
_LARGEST_COUNT = 10**9


def _count(params: Mapping[str, str], name: str, default: int, low: int, high: int = _LARGEST_COUNT) -> int:
    """A whole-number parameter from ``low`` to ``high``, or ``default`` when absent."""
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high or str(value) != text.strip():
        shown = "10^9" if high == _LARGEST_COUNT else str(high)
        raise ParameterError(f"{name} must be a whole number from {low} to {shown}; got {text!r}")
    return value


def renamed_parameter_warnings(params: Mapping[str, str]) -> list[str]:
    """What to tell a request that names a parameter by its old name only (``k`` for ``topn``).

    A request that gives both names is answered by the new one, without a warning.
    """
    return [f"the parameter {old} is now {new}" for old, new in RENAMED_PARAMETERS.items()
            if old in params and new not in params]


class Explorer:
    """The answers of the explorer's JSON API, apart from any web framework.

    Each query method takes a request's query parameters and returns a JSON-ready dict,
    the one :mod:`wordvec.answers` gives the command line's ``--json`` where both answer;
    a missing or malformed parameter raises :class:`~wordvec.errors.ParameterError`, a
    word not in the vocabulary :class:`~wordvec.errors.UnknownWordError` with the close
    spellings the command line suggests.

    Parameters
    ----------
    model : WordVectors
        The model to explore. Its matrix is copied into memory (one more matrix of
        ``len(model) * model.dim`` floats), so that the model's files can be
        rewritten while it is served: a memory-mapped file that shrinks under a
        process kills it (SIGBUS).
    name : str, default ""
        What to call the model on the page; only its last component is shown
        (``/home/me/models/news`` shows as ``news``), as for the corpus files in
        :meth:`info`: the API never tells a page where files are.
    """

    @renamed_keywords(vectors="model")
    def __init__(self, model: WordVectors, *, name: str = "") -> None:
        model = model.in_memory()
        self.model = model
        self.name = file_name(name)
        # Requests are answered on several threads: the model's lazy caches are built once, here.
        model.key_to_index
        model.unit_vectors
        self._rows_by_spelling = np.array(sorted(range(len(model)), key=model.words.__getitem__), dtype=np.int64)
        self._spellings = [model.words[row] for row in self._rows_by_spelling.tolist()]

    def nearest(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``word``'s ``topn`` nearest neighbours by cosine: one entry of ``wordvec nearest --json``."""
        return answers.nearest(self.model, [_word(params, "word")], topn=_topn(params))[0]

    def analogy(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``a`` is to ``b`` as ``c`` is to ...? (``method`` add or mul), as ``wordvec analogy --json``."""
        a, b, c = (_word(params, name) for name in "abc")
        return answers.analogy(self.model, a, b, c, topn=_topn(params), method=params.get("method", "add"))

    def similarity(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The cosine similarity of ``word1`` and ``word2``, as ``wordvec similarity --json``."""
        return answers.similarity(self.model, _word(params, "word1"), _word(params, "word2"))

    def map(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``word`` and its ``topn`` nearest words on the plane of their first two principal components.

        See :func:`wordvec.plot.word_map`; the first entry is ``word`` itself.
        """
        from .plot import word_map

        focus = answers.word_entry(self.model, _word(params, "word"))["word"]
        placed = word_map(self.model, [focus], topn=_topn(params))
        return {
            "words": [
                {"word": word, "x": x, "y": y, "query": query}
                for word, (x, y), query in zip(placed.words, placed.coordinates.tolist(), placed.queries.tolist())
            ]
        }

    def info(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The model's name and metadata, as ``wordvec info --json``, with file names for corpus paths."""
        return answers.info(self.model, name=self.name)

    def complete(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Up to ``topn`` vocabulary words that start with ``prefix``, most frequent first.

        The prefix is normalised as query words are (lowercase, NFC), and for a model built
        with phrases its words are joined as a phrase's are; an empty prefix gives the most
        frequent words.
        """
        from .tokenize import normalize_text

        prefix = normalize_text(params.get("prefix", "")).strip()
        if self.model.params.get("phrases") is not None:  # "new y" completes to new_york
            prefix = PHRASE_DELIMITER.join(prefix.split())
        start = bisect_left(self._spellings, prefix)
        stop = bisect_left(self._spellings, prefix + "\U0010ffff", lo=start)
        # Rows are in frequency order, so the smallest rows are the most frequent words.
        rows = np.sort(self._rows_by_spelling[start:stop])[: _topn(params)]
        return {"prefix": prefix, "words": [self.model.words[row] for row in rows.tolist()]}


_HOST_HEADER = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]]*)(?::[0-9]*)?")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?", re.IGNORECASE)


def _is_address(host: str) -> bool:
    """True if ``host`` is an IPv4 address, or an IPv6 address in brackets (as in a URL)."""
    bracketed = host.startswith("[") and host.endswith("]")
    try:
        address = ipaddress.ip_address(host[1:-1] if bracketed else host)
    except ValueError:
        return False
    return address.version == (6 if bracketed else 4)


class AllowedHosts:
    """The ``Host`` header values a server answers: its defence against DNS rebinding.

    A web page can make its DNS name resolve to any address, this machine's too, and so
    have the browser send its requests to this server and read the answers as its own
    (DNS rebinding); the browser then sends the page's name as the ``Host`` header. So
    only requests whose ``Host`` is ``localhost``, one of ``names`` or an IP address are
    answered, with any port. An IP address is always safe: it cannot be rebound, and a
    page at ``http://127.0.0.1:8000/`` is this server's own.

    Parameters
    ----------
    names : iterable of str, default ()
        Host names to answer besides localhost (IP addresses are accepted and change
        nothing); ``"*"`` answers every ``Host``, knowingly giving up the defence.

    Raises
    ------
    ParameterError
        A name that is not a host name (such as one with a port or a scheme).
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.any = False
        self.names = set(LOCAL_HOST_NAMES)
        for name in names:
            if name == ANY_HOST:
                self.any = True
            elif _is_address(name) or _is_address(f"[{name}]"):
                continue
            elif _HOST_NAME.fullmatch(name):
                self.names.add(name.lower())
            else:
                raise ParameterError(
                    f"allowed host {name!r} is not a host name; give a name such as example.com "
                    f"(without a port), or {ANY_HOST!r} to answer every Host"
                )

    def refusal(self, hosts: list[str]) -> tuple[int, str] | None:
        """The status and message that refuse a request with these ``Host`` header values, or None to answer it.

        400 (Bad Request) for a missing, repeated or malformed ``Host``, as RFC 9112
        section 3.2 requires; 403 (Forbidden), as Jupyter answers, for a well-formed one
        this server does not answer to: the request is valid, the server refuses it.
        """
        if self.any:
            return None
        if len(hosts) != 1:
            return 400, "a request needs exactly one Host header"
        match = _HOST_HEADER.fullmatch(hosts[0].strip())
        if match is None or not match["host"]:
            return 400, f"malformed Host header {hosts[0]!r}"
        host = match["host"].lower()
        if host in self.names or _is_address(host):
            return None
        names = ", ".join(sorted(self.names))
        return 403, (
            f"Host {host!r} is not allowed: this server answers only to {names} and IP addresses "
            f"(a defence against DNS rebinding); to allow it, start the server with --allow-host {host}"
        )


def served_host_names(host: str) -> list[str]:
    """The host names a server listening on ``host`` answers to, besides localhost and IP addresses.

    ``host`` itself if it is a name; for an address of every interface (``0.0.0.0``,
    ``::``), the machine's own names (:func:`socket.gethostname`, :func:`socket.getfqdn`).
    """
    if host in WILDCARD_ADDRESSES:
        names = [socket.gethostname(), socket.getfqdn()]
    else:
        names = [host]
    return [name for name in names if _HOST_NAME.fullmatch(name)]


def _files_state(path: Path) -> tuple[tuple[str, int, int, int, int], ...] | None:
    """What changes when the model at ``path`` is rewritten or replaced (None if it cannot be seen right now)."""
    try:
        found = [("", os.stat(path))]
        if path.is_dir():
            found += sorted((entry.name, entry.stat()) for entry in os.scandir(path))
    except OSError:
        return None
    return tuple((name, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) for name, info in found)


class _ServedModel:
    """The explorer of the model being served; for a model given by its path, loaded again when its files change.

    The old model answers until the new one has loaded and passed the loader's checks;
    files that fail them (a build half written in place, say) are tried again once they
    change again.
    """

    def __init__(self, model: WordVectors | str | os.PathLike[str], name: str) -> None:
        self._path: Path | None = None
        if not isinstance(model, WordVectors):
            from .storage import load_model

            self._path = Path(model)
            self._state = _files_state(self._path)
            model = load_model(self._path)
            name = name or str(self._path)
        self._name = name
        self._explorer = Explorer(model, name=name)
        self._failed_state: object = None
        self._next_check = time.monotonic() + RELOAD_CHECK_SECONDS
        self._loading = False
        self._lock = threading.Lock()

    def explorer(self) -> Explorer:
        """The explorer to answer a request with (starting a reload if the model's files changed)."""
        now = time.monotonic()
        if self._path is None or now < self._next_check:
            return self._explorer
        with self._lock:
            if self._loading or now < self._next_check:
                return self._explorer
            self._next_check = now + RELOAD_CHECK_SECONDS
            state = _files_state(self._path)
            if state is None or state == self._state or state == self._failed_state:
                return self._explorer
            self._loading = True
        # Loading takes as long as a query on a large model: the requests meanwhile get the old one.
        threading.Thread(target=self._reload, args=(state,), daemon=True).start()
        return self._explorer

    def _reload(self, state: object) -> None:
        from .storage import load_model

        try:
            explorer = Explorer(load_model(self._path), name=self._name)  # type: ignore[arg-type]
        except (WordvecError, OSError, MemoryError) as error:
            self._failed_state = state
            logging.getLogger(__name__).warning("still serving the model loaded before: %s", error)
        else:
            self._explorer, self._state = explorer, state
        finally:
            self._loading = False


@renamed_keywords(vectors="model")
def create_app(
    model: WordVectors | str | os.PathLike[str],
    *,
    name: str = "",
    allowed_hosts: Iterable[str] = (),
    other: WordVectors | str | os.PathLike[str] | None = None,
    other_name: str = "",
) -> Starlette:
    """The explorer as an ASGI application: the page at ``/``, its files under ``/static/``, the API under ``/api/``.

    Parameters
    ----------
    model : WordVectors, str or path-like
        The model to explore, or the path of one: a model given by its path is loaded
        again when its files change (``wordvec build -o`` or ``wordvec update`` replaced
        it, say), at most once a second; the old model answers until the new one has
        loaded and is valid. Either way the matrix is copied into memory (see
        :class:`Explorer`), so files rewritten under the server never stop it.
    name : str, default ""
        What to call the model on the page (default: the path's last component).
    allowed_hosts : iterable of str, default ()
        Host names to answer besides ``localhost`` and IP addresses; ``"*"`` answers
        every ``Host`` header (see :class:`AllowedHosts`).
    other : WordVectors, str or path-like, optional
        A second model to compare the first with (``wordvec serve -m A -m B``), reloaded
        as the first is: ``/api/side_by_side`` gives a word's neighbours in both,
        ``/api/changed`` the words that differ most (:func:`wordvec.comparison.compare`,
        with ``topn``, ``min_count`` and ``skip_frequent``, computed once per model pair
        and parameters), and ``/api/info?model=b`` its metadata.
    other_name : str, default ""
        What to call the second model on the page.

    Returns
    -------
    starlette.applications.Starlette

    Raises
    ------
    WordvecError
        starlette is not installed (the ``[serve]`` extra), the model cannot be loaded,
        or an allowed host is not a host name.

    Notes
    -----
    ``topn``, the number of neighbours, answers or completions, was called ``k`` before:
    a request that names ``k`` (and not ``topn``) is answered as ever, with a
    ``"warnings"`` list in its JSON and the headers ``Deprecation: true`` and
    ``Warning: 299 - "the parameter k is now topn"``.

    Every answer to a bad request is JSON, ``{"error": message}``, with a 4xx status:
    400 for a missing or malformed parameter or ``Host`` header, 403 for a ``Host`` the
    server does not answer to, 404 for a word not in the vocabulary (with ``"word"`` and
    ``"suggestions"`` too) or an unknown path, 405 for a method other than GET (or HEAD);
    an internal error gets 500 and a JSON error too. Every answer forbids other sites to
    load it (``Cross-Origin-Resource-Policy: same-origin``) and browsers to guess its type.
    Static files are served by starlette's ``StaticFiles``, which refuses any path that
    leads outside :data:`STATIC`.
    """
    try:
        from starlette.applications import Starlette
        from starlette.datastructures import MutableHeaders
        from starlette.exceptions import HTTPException
        from starlette.middleware import Middleware
        from starlette.requests import Request
        from starlette.responses import FileResponse, JSONResponse, Response
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles
        from starlette.types import ASGIApp, Message, Receive, Scope, Send
    except ImportError:
        raise WordvecError(MISSING_FRAMEWORK) from None

    allowed = AllowedHosts(allowed_hosts)
    served = _ServedModel(model, name)
    served_other = _ServedModel(other, other_name) if other is not None else None
    # Per (topn, min_count, skip_frequent): the explorers it was computed with, and the answer.
    changed_answers: dict[tuple[int, int, int], tuple[Explorer, Explorer, dict[str, Any]]] = {}
    changing = threading.Lock()

    def pair() -> tuple[Explorer, Explorer]:
        if served_other is None:
            raise ParameterError("this explorer serves one model: start it with two to compare them (wordvec serve -m A -m B)")
        return served.explorer(), served_other.explorer()

    def info(request: Request) -> Response:
        which = request.query_params.get("model", "a")
        if which not in ("a", "b"):
            raise ParameterError(f"model must be 'a' or 'b'; got {which!r}")
        explorer = served.explorer() if which == "a" else pair()[1]
        answer = explorer.info(request.query_params)
        if which == "a":
            answer["compared_with"] = None if served_other is None else served_other.explorer().name
        return answer_json(request, answer)

    def side_by_side(request: Request) -> Response:
        first, second = pair()
        params = request.query_params
        return answer_json(request, answers.side_by_side(first.model, second.model, _word(params, "word"), topn=_topn(params)))

    def changed(request: Request) -> Response:
        from .comparison import compare

        first, second = pair()
        params = request.query_params
        topn = _topn(params)
        min_count = _count(params, "min_count", DEFAULT_COMPARE_MIN_COUNT, 1)
        skip_frequent = _count(params, "skip_frequent", DEFAULT_COMPARE_SKIP_FREQUENT, 0)
        key = (topn, min_count, skip_frequent)
        # One comparison at a time: the first builds and caches its fits, the others then read them. An answer
        # is reused only for the explorers it was computed with: a model reloaded since is compared again.
        with changing:
            cached = changed_answers.get(key)
            if cached is None or cached[0] is not first or cached[1] is not second:
                result = compare(first.model, second.model, topn=topn, min_count=min_count, skip_frequent=skip_frequent)
                answer = {
                    "a": first.name, "b": second.name, "measure": result.measure, "adjustment": result.adjustment,
                    "compared": result.compared, "words": result.to_dicts(),
                }
                changed_answers[key] = cached = (first, second, answer)
        return answer_json(request, cached[2])

    def checking_host(app: ASGIApp) -> ASGIApp:
        # Before routing, so that no page, file or answer reaches a Host the server does not answer to.
        async def checked(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message).update(RESPONSE_HEADERS)
                await send(message)

            hosts = [value.decode("latin-1") for key, value in scope["headers"] if key == b"host"]
            refusal = allowed.refusal(hosts)
            if refusal is None:
                await app(scope, receive, send_with_headers)
            else:
                status, error = refusal
                await JSONResponse({"error": error}, status_code=status)(scope, receive, send_with_headers)

        return checked

    def answer_json(request: Request, body: dict[str, Any], status_code: int = 200) -> Response:
        # A client still using an old parameter name hears of it in the answer and in its headers.
        warnings = renamed_parameter_warnings(request.query_params)
        if not warnings:
            return JSONResponse(body, status_code=status_code)
        headers = {"Deprecation": "true", "Warning": ", ".join(f'299 - "{warning}"' for warning in warnings)}
        return JSONResponse({**body, "warnings": warnings}, status_code=status_code, headers=headers)

    def api(answer: Callable[[Explorer, Mapping[str, str]], dict[str, Any]]) -> Callable[[Request], Response]:
        # A plain function: starlette runs it on a worker thread, so a slow query never blocks the server.
        def endpoint(request: Request) -> Response:
            return answer_json(request, answer(served.explorer(), request.query_params))

        return endpoint

    def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    async def user_error(request: Request, error: Exception) -> Response:
        if isinstance(error, UnknownWordError):
            body = {"error": str(error), "word": error.word, "suggestions": error.suggestions}
            return answer_json(request, body, status_code=404)
        return answer_json(request, {"error": str(error)}, status_code=400)

    async def http_error(request: Request, error: HTTPException) -> Response:
        return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)

    async def server_error(request: Request, error: Exception) -> Response:
        # A bug, or a value JSON cannot hold (a NaN in a model's metadata): the page still gets JSON.
        message = f"internal error ({type(error).__name__}); see the server's output"
        return JSONResponse({"error": message}, status_code=500)

    routes = [
        Route("/", page),
        *(
            Route(f"/api/{answer.__name__}", api(answer))
            for answer in (Explorer.nearest, Explorer.analogy, Explorer.similarity, Explorer.map, Explorer.complete)
        ),
        Route("/api/info", info),
        Route("/api/side_by_side", side_by_side),
        Route("/api/changed", changed),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(checking_host)],
        exception_handlers={WordvecError: user_error, HTTPException: http_error, Exception: server_error},
    )


def _refusal_of_request(received: bytes) -> tuple[int, str]:
    """The status and message for a request h11 could not parse, given the bytes it holds of it."""
    limit = f"the request line and header fields may take {MAX_REQUEST_HEAD // 1024} KB"
    if len(received) <= MAX_REQUEST_HEAD:
        return 400, "malformed HTTP request"
    if b"\n" not in received:
        return 414, f"the URL is too long ({limit})"
    return 431, f"the header fields are too long ({limit})"


def _http_protocol() -> type:
    """uvicorn's HTTP/1.1 protocol (h11), made to answer a request it cannot parse before closing.

    h11 holds at most :data:`MAX_REQUEST_HEAD` bytes of a request's head; on a longer
    one (or a malformed one) uvicorn writes a 400 and closes the socket at once, while
    the client is still sending the rest of its 150 KB URL. A socket closed with unread
    input sends a reset, and the reset makes the client's system drop the answer too:
    the client sees "connection reset". This one answers 414 (URI Too Long) for a
    request line, 431 (Request Header Fields Too Large) for header fields, 400 for
    anything else, as JSON; then it ends its side of the connection and reads and drops
    what the client still sends, until the client closes or :data:`DRAIN_SECONDS` pass.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        draining = False

        def data_received(self, data: bytes) -> None:
            if not self.draining:
                super().data_received(data)

        def send_400_response(self, msg: str) -> None:
            status, message = _refusal_of_request(self.conn.trailing_data[0])
            body = json.dumps({"error": message}).encode()
            headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
            start = h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase.encode())
            for event in (start, h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
            self.draining = True
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self.loop.call_later(DRAIN_SECONDS, self.transport.close)

    return Protocol


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: a free port), or a WordvecError saying why not."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as error:
        # socket.create_server's message repeats the address: the system's reason alone is clearer.
        plain = error.errno and not isinstance(error, socket.gaierror)
        reason = os.strerror(error.errno) if plain else error.strerror or str(error)
        raise WordvecError(f"cannot listen on {host}:{port}: {reason}; choose another --host or --port") from None


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


@renamed_keywords(vectors="model")
def serve(
    model: WordVectors | str | os.PathLike[str],
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    name: str = "",
    allowed_hosts: Iterable[str] = (),
    on_ready: Callable[[str], None] | None = None,
    other: WordVectors | str | os.PathLike[str] | None = None,
    other_name: str = "",
) -> None:
    """Run the explorer on ``host:port`` until Ctrl-C (SIGINT) or SIGTERM, then return.

    Parameters
    ----------
    model : WordVectors, str or path-like
        The model to explore, or its path: then it is reloaded when its files change
        (see :func:`create_app`). Its matrix is copied into memory.
    host : str, default "127.0.0.1"
        Address to listen on. The default lets only this machine in; ``0.0.0.0`` opens
        the explorer to the network.
    port : int, default 8000
        Port to listen on; 0 picks a free one.
    name : str, default ""
        What to call the model on the page.
    allowed_hosts : iterable of str, default ()
        Host names to answer besides those of :func:`served_host_names` (``host`` itself,
        or the machine's names for ``0.0.0.0``), ``localhost`` and IP addresses;
        ``"*"`` answers every ``Host`` (see :class:`AllowedHosts`).
    on_ready : callable, optional
        Called with the explorer's address (``http://127.0.0.1:8000/``) once the socket
        listens, before the first request is answered.
    other, other_name : optional
        A second model to compare with, and its name (see :func:`create_app`).

    Raises
    ------
    WordvecError
        starlette or uvicorn is not installed, the model cannot be loaded, an allowed
        host is not a host name, or the address cannot be listened on.

    Notes
    -----
    A request line or header fields longer than :data:`MAX_REQUEST_HEAD` bytes in all
    get 414 or 431, and the connection is closed.
    """
    app = create_app(model, name=name, allowed_hosts=[*served_host_names(host), *allowed_hosts], other=other,
                     other_name=other_name)
    try:
        import uvicorn
    except ImportError:
        raise WordvecError(MISSING_FRAMEWORK) from None
    sock = _listen(host, port)
    # Requests are not logged: the page asks several per click, and the terminal shows the address.
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2,
        http=_http_protocol(), h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
    )
    server = uvicorn.Server(config)
    try:
        if on_ready is not None:
            on_ready(_url(sock))
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn has shut down gracefully and re-raised the Ctrl-C it caught.
        pass
    finally:
        sock.close()
