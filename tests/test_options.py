"""Every option is defined once: the command line's defaults, ranges and choices are the library's."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import click
import pytest

from wordvec import evaluate, features, formats, options, plot, polarity, serve, tokenize
from wordvec.cli import main
from wordvec.errors import ParameterError
from wordvec.options import BuildParams
from wordvec.vectors import WordVectors


def option(command: str, name: str) -> click.Parameter:
    return next(parameter for parameter in main.commands[command].params if parameter.name == name)


def choices(command: str, name: str) -> tuple[str, ...]:
    return tuple(option(command, name).type.choices)


def test_build_options_default_to_the_build_parameters():
    defaults = BuildParams()
    shown = {parameter.name: parameter.default for parameter in main.commands["build"].params}
    fields = [field.name for field in dataclasses.fields(BuildParams) if field.name in shown]
    assert len(fields) >= 13
    for name in fields:
        assert shown[name] == getattr(defaults, name), name


def test_build_ranges_are_the_library_limits():
    assert option("build", "window").type.max == options.MAX_WINDOW
    assert option("build", "workers").type.max == option("update", "workers").type.max == options.MAX_WORKERS
    assert option("build", "cds").type.max == options.MAX_CDS
    assert option("build", "neg").type.max == options.MAX_NEG
    assert (option("build", "eig").type.min, option("build", "eig").type.max) == (-options.MAX_EIG, options.MAX_EIG)
    assert option("build", "seed").type.max == options.MAX_SEED
    assert option("build", "max_vocab").type.min == options.MIN_VOCABULARY


@pytest.mark.parametrize("name, value", [
    ("window", options.MAX_WINDOW + 1), ("workers", options.MAX_WORKERS + 1), ("cds", options.MAX_CDS * 1.5),
    ("neg", options.MAX_NEG * 2), ("eig", options.MAX_EIG + 1), ("seed", options.MAX_SEED + 1),
    ("max_vocab", options.MIN_VOCABULARY - 1),
])
def test_the_library_refuses_just_past_each_limit_as_the_command_line_does(name, value):
    with pytest.raises(ParameterError):
        BuildParams(**{name: value})
    with pytest.raises(click.BadParameter):
        option("build", name).type.convert(value, None, None)


def test_choice_lists_are_the_library_constants():
    assert choices("build", "distance_weighting") == options.DISTANCE_WEIGHTINGS
    assert choices("build", "tokenizer") == options.TOKENIZER_NAMES == tuple(tokenize.TOKENIZERS)
    assert choices("analogy", "method") == options.ANALOGY_METHODS == evaluate.METHODS
    assert choices("evaluate", "method") == (*options.ANALOGY_METHODS, "both")
    assert choices("docvec", "weighting") == options.DOCUMENT_WEIGHTINGS == features.WEIGHTINGS
    assert choices("polarity", "method") == options.POLARITY_METHODS == polarity.METHODS
    assert choices("convert", "file_format") == options.VECTOR_FORMATS == formats.FORMATS
    assert choices("export", "file_format") == options.EXPORT_FORMATS
    assert options.EXPORT_FORMATS == (*(name for name in formats.FORMATS if name != "model"), "ngrams")
    assert plot.FORMATS == options.IMAGE_FORMATS


def test_query_defaults_and_limits_are_the_library_ones():
    for command in ("nearest", "analogy", "explain"):
        assert option(command, "topn").default == options.DEFAULT_TOPN
    for method in (WordVectors.most_similar, WordVectors.nearest, WordVectors.analogy):
        assert inspect.signature(method).parameters["topn"].default == options.DEFAULT_TOPN
    assert option("plot", "topn").type.max == options.MAX_MAP_NEIGHBOURS
    assert option("evaluate", "restrict_vocab").default == options.DEFAULT_RESTRICT_VOCAB
    assert inspect.signature(evaluate.evaluate_model).parameters["restrict_vocab"].default == options.DEFAULT_RESTRICT_VOCAB
    assert option("docvec", "weighting").default == options.DEFAULT_DOCUMENT_WEIGHTING
    assert inspect.signature(features.DocumentVectorizer).parameters["weighting"].default == options.DEFAULT_DOCUMENT_WEIGHTING
    assert (option("serve", "host").default, option("serve", "port").default) == (serve.DEFAULT_HOST, serve.DEFAULT_PORT)
    assert (serve.DEFAULT_HOST, serve.DEFAULT_PORT) == (options.DEFAULT_HOST, options.DEFAULT_PORT)


def test_the_apis_topn_has_the_librarys_default_and_limit(model):
    from starlette.testclient import TestClient

    client = TestClient(serve.create_app(model), base_url="http://localhost")
    answered = client.get("/api/nearest", params={"word": "king"}).json()
    assert len(answered["neighbours"]) == options.DEFAULT_TOPN
    most = client.get("/api/complete", params={"topn": options.MAX_MAP_NEIGHBOURS})
    assert most.status_code == 200 and len(most.json()["words"]) == min(len(model), options.MAX_MAP_NEIGHBOURS)
    refused = client.get("/api/complete", params={"topn": options.MAX_MAP_NEIGHBOURS + 1})
    assert refused.status_code == 400
    assert refused.json()["error"] == f"topn must be a whole number from 1 to {options.MAX_MAP_NEIGHBOURS}; got '101'"


def test_the_options_load_without_numpy():
    # The command line states its options from this module on every start: it must stay light.
    probe = "import sys, wordvec.options; print('numpy' in sys.modules, 'scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "False False\n"


def test_help_of_build_lists_every_option_with_its_default():
    import pydoc
    import re

    import wordvec

    text = pydoc.render_doc(wordvec.build, renderer=pydoc.plaintext)
    listed = dict(re.findall(r"^\s+(\w+) : .*, default (.+)$", text, re.MULTILINE))
    defaults = BuildParams()
    for field in dataclasses.fields(BuildParams):
        assert field.name in listed, field.name
        value = getattr(defaults, field.name)
        written = listed[field.name].strip('"')
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(written) == value, (field.name, written)
        else:
            assert written == str(value), (field.name, written)


def test_build_takes_build_params_and_overrides(royal_lines):
    import wordvec

    params = BuildParams(dim=6, min_count=2, window=3, subsample=0)
    model = wordvec.build(royal_lines, params, dim=5)
    assert model.dim == 5 and model.params["window"] == 3
    with pytest.raises(ParameterError, match="params must be a BuildParams; got dict"):
        wordvec.build(royal_lines, {"dim": 5})
    with pytest.raises(ParameterError, match="unexpected keyword argument 'dimension'"):
        wordvec.build(royal_lines, dimension=5)


def test_python_dash_m_wordvec_is_the_wordvec_command():
    shown = subprocess.run([sys.executable, "-m", "wordvec", "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "Usage: python -m wordvec" in shown.stdout and "nearest" in shown.stdout
    failed = subprocess.run([sys.executable, "-m", "wordvec", "nearest", "king", "-m", "no-such-model"],
                            capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1 and failed.stderr.startswith("Error: no model at 'no-such-model'")
