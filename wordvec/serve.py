"""The embedding explorer: a JSON API over a model and the page in ``static/`` that uses it (the [serve] extra)."""

from __future__ import annotations

import os
import socket
from bisect import bisect_left
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ParameterError, UnknownWordError, WordvecError
from .vectors import WordVectors

if TYPE_CHECKING:
    from starlette.applications import Starlette

#: The page, its script and its style sheet; nothing outside this folder is ever served.
STATIC = Path(__file__).with_name("static")

#: Only this machine can reach the explorer unless the user names another address.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

#: Largest number of neighbours, answers or completions one request may ask for.
MAX_K = 100
DEFAULT_K = 10

MISSING_FRAMEWORK = "wordvec serve needs starlette and uvicorn: pip install 'wordvec[serve]'"

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


def _count(params: Mapping[str, str]) -> int:
    """The ``k`` parameter: how many neighbours, answers or completions."""
    text = params.get("k")
    if text is None:
        return DEFAULT_K
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_K or str(value) != text.strip():
        raise ParameterError(f"k must be a whole number from 1 to {MAX_K}; got {text!r}")
    return value


def _neighbour_list(pairs: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": word, "similarity": score} for word, score in pairs]


class Explorer:
    """The answers of the explorer's JSON API, apart from any web framework.

    Each query method takes a request's query parameters and returns a JSON-ready dict;
    a missing or malformed parameter raises :class:`~wordvec.errors.ParameterError`, a
    word not in the vocabulary :class:`~wordvec.errors.UnknownWordError` with the close
    spellings the command line suggests.

    Parameters
    ----------
    vectors : WordVectors
        The model to explore.
    name : str, default ""
        What to call the model on the page (its path, usually).
    """

    def __init__(self, vectors: WordVectors, *, name: str = "") -> None:
        self.vectors = vectors
        self.name = name
        # Requests are answered on several threads: the model's lazy caches are built once, here.
        vectors.key_to_index
        vectors.unit_vectors
        self._rows_by_spelling = np.array(sorted(range(len(vectors)), key=vectors.words.__getitem__), dtype=np.int64)
        self._spellings = [vectors.words[row] for row in self._rows_by_spelling.tolist()]

    def _vocabulary_word(self, word: str) -> str:
        """The vocabulary's spelling of ``word`` (normalised as the tokenizer does)."""
        return self.vectors.words[self.vectors.index(word)]

    def nearest(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``word``'s ``k`` nearest neighbours by cosine, as ``wordvec nearest --json``."""
        word = self._vocabulary_word(_word(params, "word"))
        neighbours = self.vectors.nearest([word], topn=_count(params))[0]
        return {"word": word, "neighbours": _neighbour_list(neighbours)}

    def analogy(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``a`` is to ``b`` as ``c`` is to ...? (``method`` add or mul), as ``wordvec analogy --json``."""
        a, b, c = (self._vocabulary_word(_word(params, name)) for name in "abc")
        method = params.get("method", "add")
        if method not in ("add", "mul"):
            raise ParameterError(f"method must be 'add' or 'mul'; got {method!r}")
        answers = self.vectors.analogy(a, b, c, topn=_count(params), method=method)
        return {"a": a, "b": b, "c": c, "method": method, "answers": _neighbour_list(answers)}

    def similarity(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The cosine similarity of ``word1`` and ``word2``."""
        word1, word2 = (self._vocabulary_word(_word(params, name)) for name in ("word1", "word2"))
        return {"word1": word1, "word2": word2, "similarity": self.vectors.similarity(word1, word2)}

    def map(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``word`` and its ``k`` nearest words on the plane of their first two principal components.

        See :func:`wordvec.plot.word_map`; the first entry is ``word`` itself.
        """
        from .plot import word_map

        placed = word_map(self.vectors, [self._vocabulary_word(_word(params, "word"))], neighbours=_count(params))
        return {
            "words": [
                {"word": word, "x": x, "y": y, "query": query}
                for word, (x, y), query in zip(placed.words, placed.coordinates.tolist(), placed.queries.tolist())
            ]
        }

    def info(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The model's name and metadata, as ``wordvec info --json``."""
        from .storage import metadata_of

        return {"model": self.name, **metadata_of(self.vectors)}

    def complete(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Up to ``k`` vocabulary words that start with ``prefix``, most frequent first.

        The prefix is normalised as query words are (lowercase, NFC); an empty prefix
        gives the most frequent words.
        """
        from .tokenize import normalize_text

        prefix = normalize_text(params.get("prefix", "")).strip()
        start = bisect_left(self._spellings, prefix)
        stop = bisect_left(self._spellings, prefix + "\U0010ffff", lo=start)
        # Rows are in frequency order, so the smallest rows are the most frequent words.
        rows = np.sort(self._rows_by_spelling[start:stop])[: _count(params)]
        return {"prefix": prefix, "words": [self.vectors.words[row] for row in rows.tolist()]}


def create_app(vectors: WordVectors, *, name: str = "") -> Starlette:
    """The explorer as an ASGI application: the page at ``/``, its files under ``/static/``, the API under ``/api/``.

    Parameters
    ----------
    vectors : WordVectors
        The model to explore.
    name : str, default ""
        What to call the model on the page.

    Returns
    -------
    starlette.applications.Starlette

    Raises
    ------
    WordvecError
        starlette is not installed (the ``[serve]`` extra).

    Notes
    -----
    Every API answer is JSON. A bad request gets a 4xx status and ``{"error": message}``:
    400 for a missing or malformed parameter, 404 for a word not in the vocabulary (with
    ``"word"`` and ``"suggestions"`` too) or an unknown path, 405 for a method other than
    GET. Static files are served by starlette's ``StaticFiles``, which refuses any path
    that leads outside :data:`STATIC`.
    """
    try:
        from starlette.applications import Starlette
        from starlette.exceptions import HTTPException
        from starlette.requests import Request
        from starlette.responses import FileResponse, JSONResponse, Response
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles
    except ImportError:
        raise WordvecError(MISSING_FRAMEWORK) from None

    explorer = Explorer(vectors, name=name)

    def api(answer: Callable[[Mapping[str, str]], dict[str, Any]]) -> Callable[[Request], Response]:
        # A plain function: starlette runs it on a worker thread, so a slow query never blocks the server.
        def endpoint(request: Request) -> Response:
            return JSONResponse(answer(request.query_params))

        return endpoint

    def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    async def user_error(request: Request, error: Exception) -> Response:
        if isinstance(error, UnknownWordError):
            body = {"error": str(error), "word": error.word, "suggestions": error.suggestions}
            return JSONResponse(body, status_code=404)
        return JSONResponse({"error": str(error)}, status_code=400)

    async def http_error(request: Request, error: HTTPException) -> Response:
        return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)

    routes = [
        Route("/", page),
        *(
            Route(f"/api/{answer.__name__}", api(answer))
            for answer in (explorer.nearest, explorer.analogy, explorer.similarity, explorer.map, explorer.info,
                           explorer.complete)
        ),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={WordvecError: user_error, HTTPException: http_error})


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


def serve(
    vectors: WordVectors,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    name: str = "",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the explorer on ``host:port`` until Ctrl-C (SIGINT) or SIGTERM, then return.

    Parameters
    ----------
    vectors : WordVectors
        The model to explore.
    host : str, default "127.0.0.1"
        Address to listen on. The default lets only this machine in; ``0.0.0.0`` opens
        the explorer to the network.
    port : int, default 8000
        Port to listen on; 0 picks a free one.
    name : str, default ""
        What to call the model on the page.
    on_ready : callable, optional
        Called with the explorer's address (``http://127.0.0.1:8000/``) once the socket
        listens, before the first request is answered.

    Raises
    ------
    WordvecError
        starlette or uvicorn is not installed, or the address cannot be listened on.
    """
    app = create_app(vectors, name=name)
    try:
        import uvicorn
    except ImportError:
        raise WordvecError(MISSING_FRAMEWORK) from None
    sock = _listen(host, port)
    # Requests are not logged: the page asks several per click, and the terminal shows the address.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2))
    try:
        if on_ready is not None:
            on_ready(_url(sock))
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn has shut down gracefully and re-raised the Ctrl-C it caught.
        pass
    finally:
        sock.close()
