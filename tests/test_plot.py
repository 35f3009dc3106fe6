"""Tests of wordvec.plot and ``wordvec plot``: words on the plane of their first two principal components."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from wordvec.errors import ParameterError, UnknownWordError, WordvecError
from wordvec.plot import plot_words, word_map
from wordvec.vectors import WordVectors

from test_cli import cli_error, invoke, run_wordvec

WORDS = [f"w{i}" for i in range(40)]


@pytest.fixture(scope="module")
def model() -> WordVectors:
    rng = np.random.default_rng(3)
    return WordVectors(WORDS, rng.normal(size=(40, 6)).astype(np.float32))


def test_coordinates_are_the_pca_projections_of_the_unit_vectors(model):
    from sklearn.decomposition import PCA

    placed = word_map(model, ["w3", "w1", "w7", "w20", "w5"])
    unit = model.unit_vectors[[3, 1, 7, 20, 5]].astype(np.float64)
    expected = PCA(n_components=2).fit_transform(unit)
    assert placed.words == ["w3", "w1", "w7", "w20", "w5"]
    # The same axes up to the sign of each.
    for axis in range(2):
        sign = np.sign(expected[:, axis] @ placed.coordinates[:, axis])
        np.testing.assert_allclose(placed.coordinates[:, axis], sign * expected[:, axis], atol=1e-5)


def test_neighbours_follow_the_queries_once_each(model):
    placed = word_map(model, ["w3", "w1", "w3"], topn=4)
    expected_neighbours = []
    for row in model.nearest(["w3", "w1"], topn=4):
        expected_neighbours += [word for word, _ in row if word not in ["w3", "w1", *expected_neighbours]]
    assert placed.words == ["w3", "w1", *expected_neighbours]
    assert placed.queries.tolist() == [True, True] + [False] * len(expected_neighbours)
    assert placed.coordinates.shape == (len(placed.words), 2)


def test_same_words_same_picture(model):
    first, second = word_map(model, WORDS[:8]), word_map(model, WORDS[:8])
    np.testing.assert_array_equal(first.coordinates, second.coordinates)


@pytest.mark.parametrize("words, topn, error, message", [
    (["w1"], 0, ParameterError, "at least two words"),
    (["w1", "w2"], -1, ParameterError, "topn must be >= 0"),
    (["w1", "nope"], 0, UnknownWordError, "nope"),
])
def test_bad_requests_are_refused(model, words, topn, error, message):
    with pytest.raises(error, match=message):
        word_map(model, words, topn=topn)


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_plot_writes_the_image_and_returns_what_it_drew(model, tmp_path, suffix, magic):
    path = tmp_path / f"map{suffix}"
    placed = plot_words(model, ["w1", "w2", "w3"], path, topn=2)
    data = path.read_bytes()
    assert data.startswith(magic) and len(data) > 1000
    np.testing.assert_array_equal(placed.coordinates, word_map(model, ["w1", "w2", "w3"], topn=2).coordinates)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_an_unknown_image_type_is_refused(model, tmp_path):
    with pytest.raises(ParameterError, match=r"end the name in \.png, \.svg or \.pdf"):
        plot_words(model, ["w1", "w2"], tmp_path / "map.bmp")


def test_without_matplotlib_the_error_says_what_to_install(model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(WordvecError, match=r"pip install 'wordvec\[plot\]'"):
        plot_words(model, ["w1", "w2"], tmp_path / "map.png")
    assert not (tmp_path / "map.png").exists()


def test_the_command_draws_a_png(tmp_path, model):
    model_dir = tmp_path / "model"
    model.save(model_dir)
    output = tmp_path / "words.png"
    result = invoke(CliRunner(), ["plot", "w1", "w2", "w3", "-m", model_dir, "-o", output, "--topn", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("drew ") and output.read_bytes().startswith(b"\x89PNG")
    bad = invoke(CliRunner(), ["plot", "w1", "zzz", "-m", model_dir, "-o", output])
    cli_error(bad, "zzz")


def test_the_command_as_a_process(tmp_path, model):
    model_dir = tmp_path / "model"
    model.save(model_dir)
    done = run_wordvec(["plot", "w4", "w5", "-m", model_dir, "-o", tmp_path / "p.svg"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.svg").read_bytes().startswith(b"<?xml")


def test_labels_are_separated_and_inside_the_axes():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from wordvec.plot import _fit_labels

    figure = Figure(figsize=(4, 3), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    points = [(0.0, 0.0), (0.01, 0.0), (0.0, 0.01), (1.0, 1.0)]  # three crowded points, one far
    axes.scatter(*np.array(points).T)
    for number, point in enumerate(points):
        axes.annotate(f"a-long-label-{number}", point, xytext=(4, 3), textcoords="offset points")
    axes.margins(0.05)
    _fit_labels(figure, axes)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw_without_rendering()
    boxes = [label.get_window_extent(renderer) for label in axes.texts]
    inside = axes.get_window_extent(renderer)
    for number, box in enumerate(boxes):
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
        assert not any(box.overlaps(other) for other in boxes[number + 1 :])
    assert [label.xy for label in axes.texts] == points  # the points labelled stay where they are
