"""`parameters = "posterior"`: each run draws one posterior sample, fixed by its seed alone."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments import load, run_batch
from experiments.calibration import posterior
from experiments.design import plan
from experiments.spec import ExperimentError, load_experiment

EXPERIMENT = """
name = "posterior_check"
description = "a small batch over posterior draws"
scenarios = ["baseline", "china_coerces_japan"]
replications = 6
months = 12
root_seed = 99
parameters = "{parameters}"
[design]
kind = "grid"
parameters = {{ "states.USA.commitment" = [0.3, 0.8] }}
[outputs]
outcomes = true
"""


def write(tmp_path, parameters="posterior"):
    path = tmp_path / f"exp_{parameters}.toml"
    path.write_text(EXPERIMENT.format(parameters=parameters))
    return path


def test_plan_draws_a_posterior_sample_per_run_deterministically(tmp_path):
    exp, _ = load_experiment(write(tmp_path))
    a, b = plan(exp), plan(exp)
    assert [r.draw for r in a] == [r.draw for r in b] and all(r.draw is not None for r in a)
    assert len({r.draw for r in a}) > 5  # draws differ between runs
    keys = set(posterior.load()[0])
    for r in a:
        assert keys <= set(r.params)
        expected = {**posterior.draw_for(r.draw, "2025-11"), "states.USA.commitment": r.params["states.USA.commitment"]}
        assert r.params == expected  # the design's value wins over nothing else: it is not a posterior key
        drawn = posterior.draw(r.draw)
        assert all(r.params[k] == drawn[k] for k in drawn if not posterior.CARRIED.match(k))
    # adding replications keeps the first runs' draws (the draw depends on the run's seed only)
    more, _ = load_experiment(write(tmp_path), replications=9)
    assert [r.draw for r in plan(more)][: len(a)] == [r.draw for r in a]
    plain, _ = load_experiment(write(tmp_path, "scenario"))
    assert all(r.draw is None and "dynamics.affinity.decay" not in r.params for r in plan(plain))
    assert exp.identity() != plain.identity()


def test_a_forward_scenario_starts_from_the_levels_the_hindcast_brought_its_draw_to():
    """The posterior's 2013 long-run levels are initial conditions, not constants: a November 2025
    run gets them where the hindcast under the same draw has them in October 2025 (moved by the
    record's leader cues and the norms), which differs from 2013's; the hindcast gets 2013's."""
    from model import ThawModel

    carried = [k for k in posterior.load()[0] if posterior.CARRIED.match(k)]
    assert sorted(carried) == ["states.JPN.opinion_level.KOR", "states.KOR.opinion_level.JPN"]
    for index in (0, 7):
        drawn, forward = posterior.draw(index), posterior.draw_for(index, "2025-11")
        assert posterior.draw_for(index, "2013-01") == drawn
        m = ThawModel("hindcast_2013_2025", rng=99, months=154, **drawn).run()  # 2013-01 .. 2025-10, any seed
        assert forward["states.KOR.opinion_level.JPN"] == m.state.relations.get("opinion_level", 1, 0)
        assert forward["states.JPN.opinion_level.KOR"] == m.state.relations.get("opinion_level", 0, 1)
        assert forward["states.KOR.opinion_level.JPN"] != pytest.approx(drawn["states.KOR.opinion_level.JPN"], abs=0.5)
        assert {k: v for k, v in forward.items() if k not in carried} == {k: v for k, v in drawn.items() if k not in carried}


def test_a_posterior_batch_runs_a_scenario_given_as_a_path_beside_its_experiment(tmp_path, monkeypatch):
    """A scenario named by a path resolves relative to the experiment file; the posterior draw's
    carry reads that scenario's start (here 2026-01), even when the batch runs from elsewhere."""
    from experiments.batch import resolve

    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "local.toml").write_text('name = "local"\nextends = "baseline"\ndescription = "test"\n'
                                       'article_passage = "test"\nstart = "2026-01"\ninherit_schedule = false\n')
    path = folder / "exp.toml"
    path.write_text(EXPERIMENT.format(parameters="posterior").replace('["baseline", "china_coerces_japan"]',
                                                                       '["local.toml"]').replace("replications = 6",
                                                                                                 "replications = 2"))
    monkeypatch.chdir(tmp_path)  # not the experiment's folder
    exp, _, scenarios, _ = resolve(path, None)
    runs = plan(exp, scenarios)
    assert runs and all(r.draw is not None for r in runs)
    for r in runs:
        carried = posterior.draw_for(r.draw, "2026-01")
        assert r.params["states.KOR.opinion_level.JPN"] == carried["states.KOR.opinion_level.JPN"]
        assert carried != posterior.draw_for(r.draw, "2025-11")  # two more months of drift
    report = run_batch(path, tmp_path / "out", executor="serial", quiet=True)
    assert (report.done, report.failed) == (len(runs), 0)
    assert len(load(tmp_path / "out").runs) == len(runs)


def test_a_posterior_batchs_identity_changes_with_the_hindcast_that_carries_its_levels(tmp_path, monkeypatch):
    exp, _ = load_experiment(write(tmp_path))
    plain, _ = load_experiment(write(tmp_path, "scenario"))
    before, plain_before = exp.identity(), plain.identity()
    monkeypatch.setattr(posterior, "hindcast_hash", lambda: "another hindcast")
    assert exp.identity() != before
    assert plain.identity() == plain_before  # scenario values carry nothing from the hindcast


def test_design_values_override_the_posterior(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.format(parameters="posterior").replace('"states.USA.commitment" = [0.3, 0.8]',
                                                                       '"dynamics.affinity.decay" = [0.05]'))
    exp, _ = load_experiment(path)
    assert {r.params["dynamics.affinity.decay"] for r in plan(exp)} == {0.05}


def test_posterior_batches_are_executor_invariant(tmp_path):
    path = write(tmp_path)
    run_batch(path, tmp_path / "serial", executor="serial", quiet=True)
    run_batch(path, tmp_path / "procs", executor="processes", workers=2, quiet=True)
    a, b = load(tmp_path / "serial"), load(tmp_path / "procs")
    cols = [c for c in a.runs.columns if c != "seconds"]
    pd.testing.assert_frame_equal(a.runs[cols], b.runs[cols])
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    assert "posterior_draw" in a.runs and a.runs["posterior_draw"].notna().all()
    assert a.runs["dynamics.affinity.decay"].nunique() > 1  # the draw's values are in the runs table
    first = a.runs.iloc[0]
    assert first["dynamics.affinity.decay"] == pytest.approx(posterior.draw(int(first["posterior_draw"]))[
        "dynamics.affinity.decay"])


def test_bad_parameters_option_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(EXPERIMENT.format(parameters="prior"))
    with pytest.raises(ExperimentError, match="parameters"):
        load_experiment(path)
