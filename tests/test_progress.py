"""One progress-callback type for every long stage."""

from __future__ import annotations

from wordvec import evaluate, parallel, pipeline, progress


def test_every_stage_takes_the_one_progress_callback_type():
    for module in (pipeline, evaluate, parallel):
        assert module.ProgressCallback is progress.ProgressCallback, module.__name__
    assert pipeline.no_progress is progress.no_progress


def test_no_progress_reports_nothing_and_takes_every_call():
    assert progress.no_progress("read", 5, None) is None
    assert progress.no_progress("count", 3, 10) is None
