"""Tests of wordvec.serve and ``wordvec serve``: the JSON API, the server process, and the page in a real browser."""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from wordvec.options import DEFAULT_TOPN, MAX_MAP_NEIGHBOURS
from wordvec.serve import MAX_REQUEST_HEAD, STATIC, AllowedHosts, Explorer, create_app, serve, served_host_names

from wordvec.storage import load_model
from conftest import BUILD_OPTIONS, UNCOMPOSABLE
from test_cli import cli_error, invoke

#: Debian's Chromium; Playwright drives it, it never downloads a browser of its own.
CHROMIUM = os.environ.get("WORDVEC_CHROMIUM", "/usr/bin/chromium")
#: A closed network makes Chromium wait on its background connections: it makes none with these.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REQUIRE_BROWSER = "WORDVEC_REQUIRE_BROWSER"


@pytest.fixture(scope="module")
def client(model, model_path) -> TestClient:
    return TestClient(create_app(model, name=str(model_path)), base_url="http://localhost")


@pytest.fixture(scope="module")
def plain_client(plain_model_path) -> TestClient:
    """The explorer of a model without n-grams: a word outside the vocabulary gets suggestions only."""
    return TestClient(create_app(load_model(plain_model_path), name=str(plain_model_path)), base_url="http://localhost")


def get(client: TestClient, path: str, **params) -> tuple[int, dict]:
    response = client.get(path, params=params)
    assert response.headers["content-type"] == "application/json"
    return response.status_code, response.json()


def assert_ranking(entries: list[dict], expected: list[tuple[str, float]]) -> None:
    """The API's ``[{"word", "similarity"}]`` list has the library's words, in order, and scores (float32 rounding apart)."""
    assert [entry["word"] for entry in entries] == [word for word, _ in expected]
    assert [entry["similarity"] for entry in entries] == pytest.approx([score for _, score in expected], abs=1e-6)


# -- the API -------------------------------------------------------------------------


@pytest.mark.parametrize("word, topn", [("king", 10), ("dog", 3), ("bread", 1), ("castle", MAX_MAP_NEIGHBOURS)])
def test_nearest_gives_the_librarys_neighbours(client, model, word, topn):
    status, body = get(client, "/api/nearest", word=word, topn=topn)
    assert status == 200
    assert body["word"] == word
    assert_ranking(body["neighbours"], model.most_similar(word, topn=topn))


def test_nearest_defaults_to_ten_and_answers_in_the_vocabularys_spelling(client, model):
    status, body = get(client, "/api/nearest", word="  KING ")
    assert status == 200
    assert body["word"] == "king"
    assert_ranking(body["neighbours"], model.most_similar("king", topn=DEFAULT_TOPN))


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_gives_the_librarys_answers(client, model, method):
    status, body = get(client, "/api/analogy", a="dog", b="forest", c="queen", topn=5, method=method)
    assert status == 200
    assert {key: body[key] for key in "abc"} == {"a": "dog", "b": "forest", "c": "queen"}
    assert body["method"] == method
    positive, negative = ["forest", "queen"], ["dog"]
    expected = (model.most_similar if method == "add" else model.most_similar_cosmul)(positive, negative, topn=5)
    assert_ranking(body["answers"], expected)


def test_analogy_method_defaults_to_add(client, model):
    status, body = get(client, "/api/analogy", a="dog", b="forest", c="queen")
    assert status == 200 and body["method"] == "add"
    assert_ranking(body["answers"], model.most_similar(["forest", "queen"], ["dog"], topn=10))


def test_similarity_is_the_cosine(client, model):
    status, body = get(client, "/api/similarity", word1="king", word2="Queen")
    assert status == 200
    assert (body["word1"], body["word2"]) == ("king", "queen")
    king, queen = model["king"].astype(np.float64), model["queen"].astype(np.float64)
    assert body["similarity"] == pytest.approx(king @ queen / np.linalg.norm(king) / np.linalg.norm(queen), abs=1e-6)


def test_map_places_the_word_and_its_neighbours_by_pca(client, model):
    from sklearn.decomposition import PCA

    status, body = get(client, "/api/map", word="king", topn=6)
    assert status == 200
    words = [entry["word"] for entry in body["words"]]
    assert words == ["king", *(word for word, _ in model.most_similar("king", topn=6))]
    assert [entry["query"] for entry in body["words"]] == [True] + [False] * 6
    placed = np.array([[entry["x"], entry["y"]] for entry in body["words"]])
    expected = PCA(n_components=2).fit_transform(model.unit_vectors[[model.index(w) for w in words]].astype(np.float64))
    for axis in range(2):  # the same axes up to the sign of each
        sign = np.sign(expected[:, axis] @ placed[:, axis])
        np.testing.assert_allclose(placed[:, axis], sign * expected[:, axis], atol=1e-5)


def test_info_describes_the_model(client, model, model_path):
    status, body = get(client, "/api/info")
    assert status == 200
    assert body["model"] == model_path.name
    assert (body["vocab_size"], body["dim"]) == (len(model), 8)
    assert body["params"]["window"] == 4 and body["params"]["min_count"] == 2
    assert body["stats"]["tokens"] == model.stats["tokens"] > 0


@pytest.mark.parametrize("prefix, topn", [("d", 10), ("DU", 10), ("ba", 2), ("zzz", 10), ("", 4)])
def test_complete_lists_words_with_the_prefix_most_frequent_first(client, model, prefix, topn):
    status, body = get(client, "/api/complete", prefix=prefix, topn=topn)
    assert status == 200
    assert body["words"] == [word for word in model.words if word.startswith(prefix.lower())][:topn]


def test_unknown_words_get_the_command_lines_suggestions(plain_client, plain_model_path, runner):
    status, body = get(plain_client, "/api/nearest", word="kingg")
    assert status == 404
    assert body["word"] == "kingg" and "king" in body["suggestions"]
    line = cli_error(invoke(runner, ["nearest", "kingg", "-m", plain_model_path]), "kingg")
    assert line == f"Error: {body['error']}"
    assert body["error"].endswith(f"did you mean: {', '.join(body['suggestions'])}?")


@pytest.mark.parametrize("path, params, status, message", [
    ("/api/nearest", {}, 400, "give a word as the 'word' parameter"),
    ("/api/nearest", {"word": " "}, 400, "give a word as the 'word' parameter"),
    ("/api/nearest", {"word": "king", "topn": "0"}, 400, "topn must be a whole number from 1 to 100; got '0'"),
    ("/api/nearest", {"word": "king", "topn": "101"}, 400, "got '101'"),
    ("/api/nearest", {"word": "king", "topn": "ten"}, 400, "got 'ten'"),
    ("/api/nearest", {"word": "king", "topn": "2.5"}, 400, "got '2.5'"),
    ("/api/nearest", {"word": "king", "topn": "-3"}, 400, "got '-3'"),
    ("/api/map", {"word": "king", "topn": "1e9"}, 400, "got '1e9'"),
    ("/api/map", {"word": UNCOMPOSABLE}, 404, f"'{UNCOMPOSABLE}' is not in the vocabulary and none of its"),
    ("/api/analogy", {"a": "dog", "b": "forest"}, 400, "give a word as the 'c' parameter"),
    ("/api/analogy", {"a": "dog", "b": "forest", "c": "queen", "method": "div"}, 400, "method must be 'add' or 'mul'"),
    ("/api/analogy", {"a": "dog", "b": UNCOMPOSABLE, "c": "queen"}, 404, f"'{UNCOMPOSABLE}' is not in the vocabulary"),
    ("/api/similarity", {"word1": "king"}, 400, "give a word as the 'word2' parameter"),
    ("/api/similarity", {"word1": "king", "word2": UNCOMPOSABLE}, 404, f"'{UNCOMPOSABLE}' is not in the vocabulary"),
    ("/api/complete", {"prefix": "k", "topn": "0"}, 400, "topn must be a whole number"),
    ("/api/complete", {"prefix": "k", "k": "0"}, 400, "k must be a whole number from 1 to 100; got '0'"),
    ("/api/nothing", {}, 404, "Not Found"),
])
def test_bad_requests_get_a_json_error(client, path, params, status, message):
    got, body = get(client, path, **params)
    assert got == status
    assert message in body["error"]


@pytest.mark.parametrize("path, params", [
    ("/api/nearest", {"word": "king"}), ("/api/analogy", {"a": "dog", "b": "forest", "c": "queen"}),
    ("/api/map", {"word": "king"}), ("/api/complete", {"prefix": "d"}),
])
def test_the_old_parameter_k_still_works_with_a_deprecation_warning(client, path, params):
    old = client.get(path, params={**params, "k": 3})
    new = client.get(path, params={**params, "topn": 3})
    assert old.status_code == new.status_code == 200
    assert old.json() == {**new.json(), "warnings": ["the parameter k is now topn"]}
    assert old.headers["deprecation"] == "true"
    assert old.headers["warning"] == '299 - "the parameter k is now topn"'
    assert "deprecation" not in new.headers and "warning" not in new.headers and "warnings" not in new.json()


def test_a_request_with_both_topn_and_k_uses_topn_without_a_warning(client, model):
    response = client.get("/api/nearest", params={"word": "king", "topn": 2, "k": 5})
    assert response.status_code == 200 and "deprecation" not in response.headers
    assert set(response.json()) == {"word", "in_vocabulary", "neighbours"}
    assert_ranking(response.json()["neighbours"], model.most_similar("king", topn=2))
    # k is not even read: a bad k next to a good topn is no error.
    assert client.get("/api/nearest", params={"word": "king", "topn": 2, "k": "ten"}).status_code == 200


def test_an_error_of_a_request_with_k_names_k_and_carries_the_warning(client):
    response = client.get("/api/nearest", params={"word": "king", "k": "0"})
    assert response.status_code == 400 and response.headers["deprecation"] == "true"
    assert response.json() == {
        "error": "k must be a whole number from 1 to 100; got '0'", "warnings": ["the parameter k is now topn"],
    }
    unknown = client.get("/api/nearest", params={"word": UNCOMPOSABLE, "k": "3"})
    assert unknown.status_code == 404 and unknown.json()["warnings"] == ["the parameter k is now topn"]


def test_the_model_keyword_was_vectors(model):
    with pytest.warns(DeprecationWarning, match=r"Explorer\(vectors=\.\.\.\) is now Explorer\(model=\.\.\.\)"):
        explorer = Explorer(vectors=model)
    assert explorer.nearest({"word": "king"}) == Explorer(model).nearest({"word": "king"})
    assert not hasattr(explorer, "vectors")
    with pytest.warns(DeprecationWarning, match=r"create_app\(vectors=\.\.\.\) is now create_app\(model=\.\.\.\)"):
        app = create_app(vectors=model)
    assert TestClient(app, base_url="http://localhost").get("/api/info").json()["vocab_size"] == len(model)
    with pytest.raises(TypeError, match="model"):
        create_app()


def test_serve_takes_the_model_keyword_too(model, monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets: served.append(server.config.app))
    serve(model=model, port=0)
    with pytest.warns(DeprecationWarning, match=r"serve\(vectors=\.\.\.\) is now serve\(model=\.\.\.\)"):
        serve(vectors=model, port=0)
    assert len(served) == 2


def test_only_get_is_allowed(client):
    response = client.post("/api/nearest", params={"word": "king"})
    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}


@settings(max_examples=60, deadline=None)
@given(word=st.text(max_size=30), topn=st.text(max_size=6), path=st.sampled_from(["nearest", "map", "complete"]))
def test_no_input_makes_the_server_fail(client, word, topn, path):
    response = client.get(f"/api/{path}", params={"word": word, "prefix": word, "topn": topn})
    assert response.status_code in (200, 400, 404)
    assert "error" in response.json() or response.status_code == 200


def test_the_page_and_its_files_are_served(client):
    page = client.get("/", params={"q": "king"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.text == (STATIC / "index.html").read_text(encoding="utf-8")
    for name, kind in [("app.js", "javascript"), ("style.css", "text/css"), ("favicon.svg", "image/svg+xml")]:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert response.content == (STATIC / name).read_bytes()


@pytest.mark.parametrize("path", ["/static/", "/static/%2e%2e/serve.py", "/static/..%2fserve.py", "/static/%2fetc/passwd",
                                  "/serve.py", "/static/nothing.js"])
def test_nothing_outside_the_static_folder_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/api/nearest?word=king", "/", "/static/app.js"])
def test_only_get_and_head_are_answered(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 405 and response.json() == {"error": "Method Not Allowed"}
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("query, status", [
    ("word=queen&word=king", 200),
    ("word=king&topn=1000&topn=3", 200),
    ("word=king&" + "x=1&" * 2000, 200),
    ("word=king&topn=%EF%BC%91%EF%BC%90", 400),  # fullwidth 10: int() takes it, topn does not
    ("word=king&topn=%2B5", 400),
    ("word=king&topn=99999999999999999999999", 400),
    ("word=%ff%fe", 404),
    ("word=%00", 404),
    ("word=%ED%A0%80", 404),  # a UTF-8-encoded surrogate
    ("word=" + "a" * 12_000, 404),
    ("word", 400),
    ("=king&&&", 400),
])
def test_odd_query_strings_get_an_answer(client, query, status):
    response = client.get(f"/api/nearest?{query}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json" and response.json()


def test_every_answer_forbids_sniffing_and_other_sites(client):
    for path in ["/", "/static/app.js", "/api/info", "/api/nearest?word=kingg", "/api/nothing"]:
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cross-origin-resource-policy"] == "same-origin"
    headers = client.get("/api/info", headers={"host": "evil.example"}).headers
    assert headers["cross-origin-resource-policy"] == "same-origin"


def test_an_internal_error_is_answered_in_json():
    from wordvec import WordVectors

    model = WordVectors(["a", "b"], np.eye(2, dtype=np.float32), stats={"tokens": float("nan")})
    client = TestClient(create_app(model), base_url="http://localhost", raise_server_exceptions=False)
    response = client.get("/api/info")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error (ValueError); see the server's output"}


def test_info_shows_file_names_not_paths(client, model_path, royal_corpus_file):
    response = client.get("/api/info")
    assert response.json()["stats"]["corpus"] == [royal_corpus_file.name]
    assert str(royal_corpus_file.parent) not in response.text and str(model_path.parent) not in response.text


# -- the Host check (DNS rebinding) ----------------------------------------------------


@pytest.mark.parametrize("host, allowed_hosts, status", [
    ("localhost", (), 200),
    ("localhost:8000", (), 200),
    ("LocalHost:1", (), 200),
    ("127.0.0.1", (), 200),
    ("127.0.0.1:8000", (), 200),
    ("[::1]", (), 200),
    ("[::1]:8000", (), 200),
    ("192.168.1.20:8000", (), 200),  # an address cannot be rebound
    ("evil.example", (), 403),
    ("evil.example:8000", (), 403),
    ("localhost.evil.example:8000", (), 403),
    ("127.0.0.1.nip.io:8000", (), 403),
    ("wordvec.test:8000", (), 403),
    ("wordvec.test:8000", ("wordvec.test",), 200),
    ("WORDVEC.test", ("wordvec.TEST",), 200),
    ("other.test", ("wordvec.test",), 403),
    ("evil.example:8000", ("*",), 200),
    ("[::1", (), 400),
    ("::1", (), 400),
    ("[localhost]:8000", (), 403),
    ("localhost:80:80", (), 400),
    ("", (), 400),
])
@pytest.mark.parametrize("path", ["/api/nearest?word=king", "/", "/static/app.js", "/api/nothing"])
def test_only_the_servers_own_host_names_are_answered(model, host, allowed_hosts, status, path):
    client = TestClient(create_app(model, allowed_hosts=allowed_hosts))
    response = client.get(path, headers={"host": host})
    if status == 200:
        assert response.status_code in (200, 404)  # /api/nothing is 404 once the host is allowed
        return
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    if status == 403:
        assert error == (
            f"Host {host.rsplit(':', 1)[0].lower()!r} is not allowed: this server answers only to "
            f"{', '.join(sorted({'localhost', *(name.lower() for name in allowed_hosts)}))} and IP addresses "
            f"(a defence against DNS rebinding); to allow it, start the server with --allow-host "
            f"{host.rsplit(':', 1)[0].lower()}"
        )
    else:
        assert "Host header" in error


@pytest.mark.parametrize("hosts, status", [([], 400), (["localhost", "localhost"], 400), (["localhost"], None)])
def test_a_request_needs_exactly_one_host(hosts, status):
    refusal = AllowedHosts().refusal(hosts)
    assert (refusal and refusal[0]) == status


@pytest.mark.parametrize("name", ["example.com:8000", "http://example.com", "exa mple.com", "*.example.com", ""])
def test_an_allowed_host_must_be_a_host_name(runner, model_path, name):
    cli_error(invoke(runner, ["serve", "-m", model_path, "--port", "0", "--allow-host", name]),
              f"allowed host {name!r} is not a host name; give a name such as example.com (without a port), "
              f"or '*' to answer every Host")


def test_the_names_a_server_answers_to():
    assert served_host_names("127.0.0.1") == ["127.0.0.1"]
    assert served_host_names("wordvec.test") == ["wordvec.test"]
    assert served_host_names("::1") == []  # an address: allowed anyway
    assert socket.gethostname() in served_host_names("0.0.0.0") and socket.gethostname() in served_host_names("::")


# -- the command ---------------------------------------------------------------------


def test_the_command_line_imports_no_web_framework():
    code = "import sys, wordvec, wordvec.cli; print(sorted({'starlette', 'uvicorn'} & set(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout == "[]\n"


def test_help_has_an_example(runner):
    result = invoke(runner, ["serve", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Example: wordvec serve -m my-model --port 8000" in text
    assert "--host TEXT Address to listen on" in text and "[default: 127.0.0.1]" in text


def test_a_busy_port_is_one_line_error(runner, model_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = invoke(runner, ["serve", "-m", model_path, "--port", port])
    cli_error(result, f"cannot listen on 127.0.0.1:{port}: Address already in use; choose another --host or --port")


def test_without_the_serve_extra_the_error_says_what_to_install(runner, model_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "starlette.applications", None)  # makes the import fail
    result = invoke(runner, ["serve", "-m", model_path, "--port", "0"])
    cli_error(result, "wordvec serve needs starlette and uvicorn: pip install 'wordvec[serve]'")


def test_a_missing_model_is_one_line_error(runner, tmp_path):
    cli_error(invoke(runner, ["serve", "-m", tmp_path / "none", "--port", "0"]), "no model at")


@contextmanager
def running_server(model_path: Path, *options: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """``wordvec serve`` as a process on a free port: yields it and the address it printed; kills it if left running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wordvec.cli", "serve", "-m", str(model_path), "--port", "0", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        match = re.fullmatch(r"serving (.+) at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        assert match[1] == str(model_path) or match[1].startswith(f"{model_path} and ")
        yield process, match[2]
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no client-side clean-up of ``..``)."""
    address = urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_server_answers_and_stops_cleanly_on_ctrl_c(model_path, model):
    with running_server(model_path) as (process, url):
        with urllib.request.urlopen(f"{url}api/nearest?word=queen&topn=4", timeout=10) as response:
            body = json.load(response)
        assert_ranking(body["neighbours"], model.most_similar("queen", topn=4))
        for path in ["/static/../serve.py", "/static/../../setup.cfg", "/static/..%2f__init__.py", "/../cli.py"]:
            status, data = raw_get(url, path)
            assert status in (400, 404) and b"import" not in data, path
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert stdout == "stopped\n"
    assert "Traceback" not in stderr


def raw_exchange(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as bytes on a new connection and read the answer until the server closes it."""
    address = urlparse(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    _, status, reason = status_line.split(" ", 2)
    assert reason == HTTPStatus(int(status)).phrase
    return int(status), headers, body


def test_the_server_answers_to_its_own_names_only(model_path):
    with running_server(model_path, "--allow-host", "wordvec.test", "--allow-host", "other.test") as (process, url):
        port = urlparse(url).port
        for host, status in [(f"localhost:{port}", 200), (f"127.0.0.1:{port}", 200), (f"[::1]:{port}", 200),
                             (f"wordvec.test:{port}", 200), ("other.test", 200), (f"evil.example:{port}", 403)]:
            request = f"GET /api/info HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            got, headers, body = raw_exchange(url, request.encode())
            assert got == status, (host, body)
            assert headers["content-type"] == "application/json"
        assert "'evil.example' is not allowed" in json.loads(body)["error"]
        assert b"vocab_size" not in body
        assert process.poll() is None


@pytest.mark.parametrize("request_bytes, status, message", [
    (b"GET /api/nearest?word=" + b"a" * 150_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "the URL is too long"),
    (b"GET /api/info HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n", 431,
     "the header fields are too long"),
    (b"GET /api/info HTTP/1.1\r\nHost: localhost\r\n" + b"X-Many: a\r\n" * 20_000 + b"\r\n", 431,
     "the header fields are too long"),
    (b"GET /api/nearest?word=k\xc3\xb6nig\xff HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "malformed HTTP request"),
    (b"GET /api/info HTTP/1.1\r\n\r\n", 400, "malformed HTTP request"),  # HTTP/1.1 needs a Host
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(300), 400, "malformed HTTP request"),  # TLS to http
])
def test_requests_too_long_or_malformed_get_a_status_not_a_reset(model_path, request_bytes, status, message):
    with running_server(model_path) as (process, url):
        got, headers, body = raw_exchange(url, request_bytes)
        assert (got, headers["content-type"], headers["connection"]) == (status, "application/json", "close")
        assert message in json.loads(body)["error"] and len(body) < 200
        assert raw_get(url, "/api/nearest?word=king&topn=1")[0] == 200
        assert process.poll() is None
    assert MAX_REQUEST_HEAD < 150_000


def query(url: str, path: str) -> tuple[int, dict]:
    status, body = raw_get(url, path)
    return status, json.loads(body)


def test_a_model_rewritten_or_replaced_under_the_server(model_path, royal_corpus_file, runner, tmp_path):
    served = tmp_path / "model"
    shutil.copytree(model_path, served)
    with running_server(served) as (process, url):
        status, before = query(url, "/api/nearest?word=king&topn=5")
        assert status == 200
        vectors = served / "vectors.npy"
        size = vectors.stat().st_size
        with open(vectors, "r+b") as handle:  # rewritten in place: first cut to nothing, as a copy over it does
            handle.truncate(0)  # a memory-mapped matrix would now kill the server with SIGBUS
        assert query(url, "/api/nearest?word=king&topn=5") == (200, before)
        time.sleep(1.2)  # past a reload check: the broken files must not replace the served model
        assert query(url, "/api/nearest?word=king&topn=5") == (200, before)
        with open(vectors, "r+b") as handle:
            handle.truncate(size)  # zeros: a header-less, unreadable file
        time.sleep(1.2)
        assert query(url, "/api/nearest?word=king&topn=5") == (200, before)
        assert query(url, "/api/info")[1]["dim"] == 8

        # A rebuild swaps a new model in: it is served once it has loaded.
        invoke(runner, ["build", royal_corpus_file, "-o", served, "-q", *BUILD_OPTIONS, "--dim", "6"])
        deadline = time.monotonic() + 20
        while query(url, "/api/info")[1]["dim"] != 6:
            assert time.monotonic() < deadline, "the rebuilt model was never loaded"
            time.sleep(0.2)
        status, after = query(url, "/api/nearest?word=king&topn=5")
        assert status == 200 and after["neighbours"] != before["neighbours"]
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "Traceback" not in stderr and "still serving the model loaded before" in stderr


# -- the page in a real browser ------------------------------------------------------


def require_browser() -> None:
    """Skip when Chromium is missing, or fail if $WORDVEC_REQUIRE_BROWSER=1 (as in CI) says the test must run.

    Chromium is a system package that pip cannot install, so a developer's machine may lack it;
    Playwright is a test extra, so the test imports it plainly and fails if it is missing.
    """
    if Path(CHROMIUM).exists():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set WORDVEC_CHROMIUM)"
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason}; {REQUIRE_BROWSER}=1 requires the browser test to run")
    pytest.skip(reason)


@pytest.mark.parametrize("required, outcome", [("", pytest.skip.Exception), ("1", pytest.fail.Exception)])
def test_without_chromium_the_browser_test_skips_or_fails_as_required(monkeypatch, tmp_path, required, outcome):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv(REQUIRE_BROWSER, required)
    with pytest.raises(outcome, match="no Chromium at .*no-chromium"):
        require_browser()


@contextmanager
def browser_page(server_args: tuple, height: int) -> Iterator[tuple[object, str, list[str]]]:
    """A served model (``running_server(*server_args)``) and a Chromium page: yields the page, the address and the page's errors."""
    from playwright.sync_api import sync_playwright

    with running_server(*server_args) as (_, url), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": height})
            page.set_default_timeout(15_000)
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            yield page, url, problems
        finally:
            browser.close()


def words_in(locator) -> list[str]:
    return locator.all_text_contents()


def click_free_map_point(page, words: list[str]) -> str:
    """Click the first of ``words`` whose dot on the map no label covers; returns that word."""
    for word in words:
        dot = page.locator(f'#map .point[data-word="{word}"] circle')
        box = dot.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('.point')?.dataset.word", [x, y])
        if on_top == word:
            page.mouse.click(x, y)
            return word
    raise AssertionError(f"every neighbour's dot is covered: {words}")


def test_the_page_in_a_browser(model_path, plain_model_path, model, tmp_path):
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    def top(word: str, topn: int = 10) -> list[str]:
        return [neighbour for neighbour, _ in model.most_similar(word, topn=topn)]

    with running_server(model_path) as (process, url), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        servers = [url]
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(15_000)
            requested, problems = [], []
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: problems.append(str(error)))
            # The 404 of the unknown word below is the only resource allowed to fail.
            page.on("console", lambda message: problems.append(message.text) if message.type == "error"
                    and "status of 404" not in message.text else None)
            page.goto(url)
            expect(page.locator("#info")).to_contain_text(f"{len(model):,} words × 8 dims")

            page.locator("#q").press_sequentially("qu", delay=30)
            expect(page.locator("#completions option")).to_have_count(
                len([word for word in model.words if word.startswith("qu")][:10]))
            assert page.locator("#completions option").evaluate_all("options => options.map(o => o.value)")[0] == "queen"
            page.fill("#q", "king")
            page.press("#q", "Enter")
            expect(page.locator("#focus-word")).to_have_text("king")
            expect(page.locator("#neighbours .word")).to_have_text(top("king"))
            assert parse_qs(urlparse(page.url).query) == {"q": ["king"]}
            expect(page.locator("#map .point")).to_have_count(11)
            expect(page.locator("#map .query text")).to_have_text("king")

            clicked = click_free_map_point(page, top("king"))
            expect(page.locator("#focus-word")).to_have_text(clicked)
            expect(page.locator("#neighbours .word")).to_have_text(top(clicked))
            expect(page.locator("#map .query text")).to_have_text(clicked)
            assert parse_qs(urlparse(page.url).query) == {"q": [clicked]}

            page.go_back()
            expect(page.locator("#neighbours .word")).to_have_text(top("king"))
            page.goto(f"{url}?q=horse&topn=5")
            expect(page.locator("#neighbours .word")).to_have_text(top("horse", 5))

            page.fill("#q", "kingg")  # outside the vocabulary: composed from its n-grams
            page.press("#q", "Enter")
            expect(page.locator("#focus-word")).to_have_text(
                f"kingg (not in the vocabulary: composed from {model.known_ngrams('kingg')} character n-grams)")
            expect(page.locator("#neighbours .word")).to_have_text(top("kingg", 5))  # topn=5 from the address above
            page.fill("#q", UNCOMPOSABLE)
            page.press("#q", "Enter")
            expect(page.locator("#message")).to_contain_text(f"“{UNCOMPOSABLE}” is not in the vocabulary")
            with running_server(plain_model_path) as (_, plain_url):  # without n-grams: suggestions
                servers.append(plain_url)
                page.goto(plain_url)
                page.fill("#q", "kingg")
                page.press("#q", "Enter")
                expect(page.locator("#message")).to_contain_text("“kingg” is not in the vocabulary; did you mean:")
                expect(page.locator("#message .suggestion")).to_have_text(model.suggest("kingg"))
                page.locator("#message .suggestion").first.click()
                expect(page.locator("#message")).to_be_hidden()
                expect(page.locator("#focus-word")).to_have_text(model.suggest("kingg")[0])
                # Back to the model with n-grams, as it was, before this server stops: a request
                # the page still makes to it (a completion after the click) would find it gone.
                page.goto(f"{url}?q=horse&topn=5")

            for field, word in zip("abc", ["dog", "forest", "queen"]):
                page.fill(f"#{field}", word)
            page.select_option("#method", "mul")
            page.click("#analogy button")
            answers = [word for word, _ in model.most_similar_cosmul(["forest", "queen"], ["dog"], topn=5)]
            expect(page.locator("#answers .word")).to_have_text(answers)
            page.fill("#word1", "bread")
            page.fill("#word2", "cheese")
            page.click("#similarity button")
            expect(page.locator("#similarity-result")).to_contain_text(f"{model.similarity('bread', 'cheese'):.3f}")
            state = parse_qs(urlparse(page.url).query)
            assert state["a"] == ["dog"] and state["method"] == ["mul"] and state["word2"] == ["cheese"]

            page.goto(f"{url}?q=queen&a=dog&b=forest&c=queen&method=mul&topn=5&word1=bread&word2=cheese")
            expect(page.locator("#neighbours .word")).to_have_text(top("queen", 5))
            expect(page.locator("#answers .word")).to_have_text(answers)
            expect(page.locator("#similarity-result")).to_contain_text(f"{model.similarity('bread', 'cheese'):.3f}")
            expect(page.locator("#map .points text")).to_have_count(6)
            boxes = page.eval_on_selector_all(
                "#map .points text", "labels => labels.map(l => { const b = l.getBBox(); return [b.x, b.y, b.width, b.height]; })"
            )
            for number, (x, y, w, h) in enumerate(boxes):  # the map's labels never cover each other
                for other_x, other_y, other_w, other_h in boxes[number + 1 :]:
                    assert not (x < other_x + other_w and other_x < x + w and y < other_y + other_h and other_y < y + h)
            screenshot = tmp_path / "explorer.png"
            page.screenshot(path=str(screenshot), full_page=True)
            page.goto(f"{url}?q=horse&k=3")  # a link made when the count was called k
            expect(page.locator("#neighbours .word")).to_have_text(top("horse", 3))
            clicked = click_free_map_point(page, top("horse", 3))
            expect(page.locator("#neighbours .word")).to_have_text(top(clicked, 3))
            assert parse_qs(urlparse(page.url).query) == {"q": [clicked], "topn": ["3"]}
        finally:
            browser.close()
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
    assert problems == []
    assert requested and all(address.startswith(tuple(servers)) for address in requested), "the page must work offline"
    asked = [parse_qs(urlparse(address).query) for address in requested if "/api/" in address]
    assert asked and not any("k" in params for params in asked), "the page asks with topn, not k"


# -- two models -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair_client(model_path, plain_model_path) -> TestClient:
    """The explorer of two models: the royal corpus built with and without n-grams."""
    return TestClient(create_app(model_path, name=str(model_path), other=plain_model_path, other_name=str(plain_model_path)),
                      base_url="http://localhost")


def test_two_models_side_by_side(pair_client, model, plain_model_path):
    plain = load_model(plain_model_path)
    status, body = get(pair_client, "/api/info")
    assert status == 200 and body["model"] == "model" and body["compared_with"] == "plain-model"
    status, other = get(pair_client, "/api/info", model="b")
    assert status == 200 and other["model"] == "plain-model" and "compared_with" not in other
    status, sides = get(pair_client, "/api/side_by_side", word="King", topn=4)
    assert status == 200 and sides["word"] == "king"
    assert_ranking(sides["a"]["neighbours"], model.most_similar("king", topn=4))
    assert_ranking(sides["b"]["neighbours"], plain.most_similar("king", topn=4))
    words_a, words_b = ([n["word"] for n in sides[side]["neighbours"]] for side in "ab")
    assert sides["lost"] == [w for w in words_a if w not in words_b]
    assert sides["gained"] == [w for w in words_b if w not in words_a]
    # A word only the model with n-grams has a vector for: the other side says why.
    status, sides = get(pair_client, "/api/side_by_side", word="kingg", topn=3)
    assert status == 200 and sides["a"]["in_vocabulary"] is False and "not in the vocabulary" in sides["b"]["error"]
    status, body = get(pair_client, "/api/side_by_side", word=UNCOMPOSABLE)
    assert status == 404 and body["word"] == UNCOMPOSABLE


def test_two_models_list_the_words_that_differ_most(pair_client, model, plain_model_path):
    from wordvec.comparison import compare

    status, body = get(pair_client, "/api/changed", topn=5, min_count=5, skip_frequent=0)
    assert status == 200 and (body["a"], body["b"]) == ("model", "plain-model")
    # Neither model keeps its corpus: the raw ranking, as the library gives it.
    expected = compare(model, load_model(plain_model_path), topn=5, min_count=5, skip_frequent=0)
    assert body["adjustment"] == "none" and body["measure"] == "combined" and body["compared"] == expected.compared
    assert [entry["word"] for entry in body["words"]] == [change.word for change in expected]
    assert [entry["score"] for entry in body["words"]] == pytest.approx([change.score for change in expected], abs=1e-6)
    assert get(pair_client, "/api/changed", topn=5, min_count=5, skip_frequent=0)[1] == body  # computed once
    status, body = get(pair_client, "/api/changed", min_count="0")
    assert status == 400 and body["error"] == "min_count must be a whole number from 1 to 10^9; got '0'"
    status, body = get(pair_client, "/api/changed")  # the defaults leave no word of this small model
    assert status == 400 and "no shared word occurs 50 times" in body["error"]


def test_the_words_that_differ_most_follow_a_reloaded_model(model_path, plain_model_path, tmp_path):
    from wordvec.model_writer import save_model

    second = tmp_path / "second"
    shutil.copytree(plain_model_path, second)
    client = TestClient(create_app(model_path, other=second), base_url="http://localhost")
    params = {"topn": 3, "min_count": 5, "skip_frequent": 0}
    status, before = get(client, "/api/changed", **params)
    assert status == 200 and before["words"][0]["score"] > 0
    save_model(load_model(model_path), second)  # B rebuilt as A: now every word is where it is in A
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(0.3)
        status, after = get(client, "/api/changed", **params)
        if after != before:
            break
    assert status == 200 and all(entry["score"] == pytest.approx(0, abs=1e-5) for entry in after["words"])


def test_one_model_has_nothing_to_compare(client):
    for path, params in (("/api/changed", {}), ("/api/side_by_side", {"word": "king"}), ("/api/info", {"model": "b"})):
        status, body = get(client, path, **params)
        assert status == 400 and "serves one model: start it with two" in body["error"]
    status, body = get(client, "/api/info", model="c")
    assert status == 400 and body["error"] == "model must be 'a' or 'b'; got 'c'"
    assert get(client, "/api/info")[1]["compared_with"] is None


def test_serve_takes_at_most_two_models(runner, model_path):
    result = invoke(runner, ["serve", "-m", model_path, "-m", model_path, "-m", model_path])
    cli_error(result, "give one model, or two to compare; got 3", usage=True)


def test_two_models_in_a_browser(model_path, plain_model_path, model):
    require_browser()
    from playwright.sync_api import expect

    plain = load_model(plain_model_path)
    with browser_page((model_path, "-m", str(plain_model_path)), 1400) as (page, url, problems):
        page.goto(f"{url}?q=queen&topn=4&min_count=5&skip_frequent=0")
        expect(page.locator("#compare-card")).to_be_visible()
        expect(page.locator("#other-name")).to_have_text("plain-model")
        expect(page.locator("#side-a .word")).to_have_text([w for w, _ in model.most_similar("queen", topn=4)])
        expect(page.locator("#side-b .word")).to_have_text([w for w, _ in plain.most_similar("queen", topn=4)])
        only_a = [w for w, _ in model.most_similar("queen", topn=4)
                  if w not in [v for v, _ in plain.most_similar("queen", topn=4)]]
        expect(page.locator("#side-a li.only-here .word")).to_have_text(only_a)
        from wordvec.comparison import compare

        changed = [change.word for change in compare(model, plain, topn=20, min_count=5, skip_frequent=0)]
        expect(page.locator("#changed .word")).to_have_text(changed)
        page.locator("#changed .word").first.click()
        expect(page.locator("#focus-word")).to_have_text(changed[0])
        expect(page.locator("#side-b .word")).to_have_text([w for w, _ in plain.most_similar(changed[0], topn=4)])
        assert parse_qs(urlparse(page.url).query) == {"q": [changed[0]], "topn": ["4"], "min_count": ["5"],
                                                      "skip_frequent": ["0"]}
    assert problems == []


def test_the_api_answers_unseen_words_of_a_model_with_subwords_and_says_so(tmp_path):
    import wordvec

    lines = ["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands",
             "a kingly queen and a queenly king", "the land of the kings"] * 30
    built = wordvec.build(lines, dim=3, min_count=1, window=2, subsample=0, subwords=True, analogy_view=True,
                          buckets=5000)
    built.save(tmp_path / "m")
    model = wordvec.load(tmp_path / "m")
    served = TestClient(create_app(model), base_url="http://localhost")
    status, body = get(served, "/api/nearest", word="Kingz", topn=2)
    assert status == 200
    assert body["word"] == "kingz" and body["in_vocabulary"] is False and body["ngrams"] == model.known_ngrams("kingz")
    assert_ranking(body["neighbours"], model.most_similar("kingz", topn=2))
    status, body = get(served, "/api/similarity", word1="kingz", word2="queen")
    assert status == 200 and body["similarity"] == pytest.approx(model.similarity("kingz", "queen"), abs=1e-6)
    status, body = get(served, "/api/analogy", a="king", b="kings", c="queen", topn=1)
    assert status == 200 and body["answers"][0]["word"] == model.analogy("king", "kings", "queen", topn=1)[0][0]
    status, body = get(served, "/api/map", word="kingz", topn=2)
    assert status == 200 and body["words"][0] == {**body["words"][0], "word": "kingz", "query": True}
    assert [entry["word"] for entry in body["words"][1:]] == [word for word, _ in model.most_similar("kingz", topn=2)]
    explorer = Explorer(model)
    assert not isinstance(explorer.model.subwords.vectors, np.memmap)  # in memory: the files may be replaced
    assert not isinstance(explorer.model.analogy_view.vectors, np.memmap)


@pytest.fixture(scope="module")
def phrase_model_path(tmp_path_factory) -> Path:
    """A model built with phrases: new_york, los_angeles and bank_of_america are words of it."""
    import wordvec
    from test_phrases import SMALL, city_lines

    path = tmp_path_factory.mktemp("phrases") / "phrase-model"
    wordvec.build(city_lines(), phrases="auto", phrase_threshold=2.0, **SMALL).save(path)
    return path


def test_the_api_completes_and_answers_phrases_in_either_spelling(phrase_model_path):
    model = load_model(phrase_model_path)
    served = TestClient(create_app(model, name=str(phrase_model_path)), base_url="http://localhost")
    status, body = get(served, "/api/complete", prefix="New Y", topn=5)
    assert status == 200 and body == {"prefix": "new_y", "words": ["new_york"]}
    assert get(served, "/api/nearest", word="new york", topn=3)[1]["neighbours"] == \
        get(served, "/api/nearest", word="new_york", topn=3)[1]["neighbours"]
    info = get(served, "/api/info")[1]
    assert info["params"]["phrases"] == "auto" and info["stats"]["phrases"]["delimiter"] == "_"


def test_phrases_in_a_browser(phrase_model_path):
    require_browser()
    from playwright.sync_api import expect

    model = load_model(phrase_model_path)
    with browser_page((phrase_model_path,), 1000) as (page, url, problems):
        page.goto(f"{url}?q=new_york&topn=5")
        expect(page.locator("#focus-word")).to_have_text("new york")
        shown = [word.replace("_", " ") for word, _ in model.most_similar("new_york", topn=5)]
        expect(page.locator("#neighbours .word")).to_have_text(shown)
        expect(page.locator("#map .query text")).to_have_text("new york")
        page.locator("#q").fill("")
        page.locator("#q").press_sequentially("los a", delay=30)
        expect(page.locator("#completions option")).to_have_count(1)
        assert page.locator("#completions option").evaluate_all("options => options.map(o => o.value)") == ["los angeles"]
        page.fill("#q", "bank of america")
        page.press("#q", "Enter")
        expect(page.locator("#focus-word")).to_have_text("bank of america")
    assert problems == []
