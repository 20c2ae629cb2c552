"""The Train tab's private search: trials stream in, best so far, ε of the whole search; refusals; the view."""

from __future__ import annotations

import pytest

from workbench.widgets.state.train import TrainState


@pytest.fixture(scope="module")
def searched(small):
    state = TrainState(epsilon=2.0, expected_trials=2.0, seed=2)
    state.dataset = small
    state.seen = []
    state.observe(lambda c: state.seen.append(len(c["new"])), "trials")
    assert state.start_tune()
    assert state.job.wait(300) == "done", state.job.error
    return state


def test_search_streams_trials_and_states_the_whole_search(searched):
    result = searched.tune_result
    assert searched.seen[-1] == len(result.trials) == result.statement.trials_drawn
    assert searched.seen == list(range(1, len(result.trials) + 1))  # one trial at a time, as each finishes
    assert searched.search_epsilon == result.statement.epsilon <= 2.0
    assert searched.best_trial["accuracy"] == max(t["accuracy"] for t in searched.trials)
    assert searched.result is result.best and searched.result.statement.epsilon == searched.search_epsilon
    assert searched.job.progress == 1.0


def test_search_view_shows_trials_best_and_epsilon(searched):
    from workbench.widgets.views.train import TrainView

    view = TrainView(searched)
    view._search_changed(None)
    text = view.search.value
    assert "Private search" in text and f"{searched.search_epsilon:.3g}" in text
    assert text.count("<tr") == len(searched.trials) + 1 and "font-weight:bold" in text


def test_search_needs_a_dataset_and_an_epsilon(small):
    state = TrainState(epsilon=None)
    assert not state.start_tune() and "Load a dataset" in state.job.error
    state.dataset = small
    assert not state.start_tune() and "needs an ε" in state.job.error


def test_search_refused_past_the_session_budget(small):
    from workbench.widgets.state.budget import set_session_budget

    set_session_budget(0.1)
    try:
        state = TrainState(epsilon=5.0)
        state.dataset = small
        assert not state.start_tune()
        assert "budget" in state.job.error
    finally:
        set_session_budget(None)


def test_auto_trials_in_the_view_explain_why_no_search_ran(small):
    from workbench.widgets.views.train import TrainView

    state = TrainState(epsilon=1.0, seed=2)
    view = TrainView(state)
    assert view.trials.value is None  # auto by default
    view.trials.value = 4.0
    assert state.expected_trials == 4.0
    view.trials.value = None
    state.dataset = small
    assert state.start_tune()
    assert state.job.wait(300) == "done", state.job.error
    assert not state.tune_result.searched and len(state.trials) == 1
    assert "No search ran" in view.search.value and "trials=2" in view.search.value
    assert state.result is state.tune_result.best and state.search_epsilon == state.result.statement.epsilon <= 1.0
