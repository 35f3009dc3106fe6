"""wordvec: count-based word vectors (PPMI + truncated SVD) from plain text, with numpy and scipy.

The top-level names are imported lazily, so ``import wordvec`` (and the command line)
starts fast and loads scipy only when a build needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "build": ("pipeline", "build"),
    "BuildParams": ("options", "BuildParams"),
    "load": ("storage", "load_model"),
    "save": ("model_writer", "save_model"),
    "WordVectors": ("vectors", "WordVectors"),
    "DocumentVectorizer": ("features", "DocumentVectorizer"),
    "load_word2vec_format": ("formats", "load_word2vec_format"),
    "save_word2vec_format": ("format_writers", "save_word2vec_format"),
    "load_ngram_table": ("ngram_files", "load_ngram_table"),
    "save_ngram_table": ("ngram_files", "save_ngram_table"),
    "Phrases": ("phrases", "Phrases"),
    "learn_phrases": ("phrases", "learn_phrases"),
    "align": ("comparison", "align"),
    "compare": ("comparison", "compare"),
    "Corpus": ("corpus", "Corpus"),
    "CorpusURL": ("corpus", "CorpusURL"),
    "WordvecError": ("errors", "WordvecError"),
    "CorpusError": ("errors", "CorpusError"),
    "ModelError": ("errors", "ModelError"),
    "ParameterError": ("errors", "ParameterError"),
    "UnknownWordError": ("errors", "UnknownWordError"),
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from .comparison import align, compare
    from .phrases import Phrases, learn_phrases
    from .corpus import Corpus, CorpusURL
    from .errors import CorpusError, ModelError, ParameterError, UnknownWordError, WordvecError
    from .features import DocumentVectorizer
    from .format_writers import save_word2vec_format
    from .formats import load_word2vec_format
    from .ngram_files import load_ngram_table, save_ngram_table
    from .options import BuildParams
    from .pipeline import build
    from .model_writer import save_model as save
    from .storage import load_model as load
    from .vectors import WordVectors


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'wordvec' has no attribute {name!r}") from None
    from importlib import import_module

    value = getattr(import_module(f".{module_name}", __name__), attribute)
    globals()[name] = value
    return value
