"""The explorer without a browser: common seeds, paired differences, the widgets' behaviour, the
labels and sources on its knobs, and the offline Voilà template."""

from __future__ import annotations

import pandas as pd
import pytest

import experiments
from experiments.explorer import whatif
from experiments.explorer.app import ResultsPanel, WhatIfPanel
from experiments.explorer.knobs import knobs, mechanism_keys


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("exp")
    (out / "e.toml").write_text('name = "e"\ndescription = "grid"\nscenarios = ["baseline"]\nreplications = 3\n'
                                'root_seed = 3\n[design]\nkind = "grid"\n[design.parameters]\n'
                                '"states.USA.commitment" = [0.2, 0.8]\n[outputs]\noutcomes = true\nevents = false\n')
    experiments.run_batch(out / "e.toml", out=out / "r", executor="serial", quiet=True)
    return experiments.load(out / "r")


def test_seeds_depend_on_the_replicate_only():
    assert whatif.common_seed(0, 3) == whatif.common_seed(0, 3) != whatif.common_seed(0, 4)
    a = whatif.run_arm("baseline", {}, 4, 12, executor="serial")
    b = whatif.run_arm("baseline", {"states.USA.commitment": 0.2}, 4, 12, executor="serial")
    assert list(a.runs["seed"]) == list(b.runs["seed"]) == [whatif.common_seed(0, r) for r in range(4)]


def test_identical_arms_differ_by_nothing_and_executors_agree():
    a = whatif.run_arm("baseline", {}, 6, 24, executor="serial")
    b = whatif.run_arm("baseline", {}, 6, 24, executor="processes", workers=2)
    diff = whatif.paired_differences(a.runs, b.runs)
    assert (diff["mean"] == 0).all() and (diff["n"] == 6).all()
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)


def test_paired_differences_are_changed_minus_unchanged_per_seed():
    a = whatif.run_arm("baseline", {}, 8, 36, executor="serial")
    b = whatif.run_arm("baseline", {"mechanisms.coercion": False}, 8, 36, executor="serial")
    diff = whatif.paired_differences(a.runs, b.runs).set_index("outcome")
    assert b.runs["coercion_episodes"].sum() == 0 < a.runs["coercion_episodes"].sum()
    assert diff.loc["coercion_episodes", "mean"] == pytest.approx(-a.runs["coercion_episodes"].mean())
    assert diff.loc["coercion_episodes", "hi"] < 0
    with pytest.raises(ValueError, match="share no seed"):
        whatif.paired_differences(a.runs, b.runs.assign(seed=b.runs["seed"] + 1))


def test_knobs_carry_meaning_and_source_and_every_mechanism_switch():
    groups = knobs("us_retrenchment")
    flat = {k.key: k for ks in groups.values() for k in ks}
    assert set(mechanism_keys()) <= set(flat) and len(mechanism_keys()) >= 10
    usa = flat["states.USA.commitment"]
    assert usa.default == 0.25 and "commitment to its allies" in usa.meaning and "assumption" in usa.source
    assert (usa.lo, usa.hi) == (0.0, 1.0)
    assert flat["states.CHN.doctrine.threshold"].hi == 10.0
    assert {"states.JPN.leader.ideology", "states.KOR.leader.hawkishness", "decision.rationality"} <= set(flat)


def test_whatif_panel_runs_in_the_background_and_reuses_the_unchanged_arm():
    panel = WhatIfPanel("baseline", replications=6, months=24, executor="serial")
    panel.prefetching.join(60)  # the unchanged arm runs as soon as the panel opens
    assert ("baseline", 6, 24) in panel._cache
    placeholder = panel.overview.value
    panel.inputs["states.USA.commitment"].value = 0.2
    panel.inputs["mechanisms.spillover"].value = False
    assert panel.overrides() == {"states.USA.commitment": 0.2, "mechanisms.spillover": False}
    panel.start()
    panel.thread.join(60)
    assert "answered" in panel.status.value and "cached" in panel.status.value, panel.status.value
    assert panel.progress.value == panel.progress.max == 6  # only the changed arm ran
    first = panel.overview.value
    assert first != placeholder and panel.diff.value
    panel._cache.clear()  # as if the unchanged arm were not ready: Run runs both arms
    panel.inputs["states.USA.commitment"].value = 0.9
    panel.start()
    panel.thread.join(60)
    assert "both arms" in panel.status.value and panel.progress.value == panel.progress.max == 12
    assert panel.overview.value != first


def test_whatif_panel_reports_a_failure_instead_of_dying(monkeypatch):
    panel = WhatIfPanel("baseline", replications=3, months=12, executor="serial")
    panel.prefetching.join(30)
    panel._cache.clear()
    monkeypatch.setattr(whatif, "run_arm", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    panel.start()
    panel.thread.join(30)
    assert "failed: boom" in panel.status.value and not panel.run.disabled


def test_results_panel_slices_the_grid_and_replays_a_run_exactly(results):
    panel = ResultsPanel(results.path)
    assert panel.fan.value and panel.survival.value and panel.horizon.value
    sel, pooled = panel.selection()
    assert len(sel) == 6 and pooled == ["states.USA.commitment"]
    panel.point["states.USA.commitment"].value = 0.8
    sel, pooled = panel.selection()
    assert len(sel) == 3 and pooled == [] and (sel["states.USA.commitment"] == 0.8).all()
    rid = panel.run_pick.options[0][1]
    panel.run_pick.value = rid
    panel.draw_run()  # no event log kept: the run is replayed from its seed and parameters
    assert panel.timeline.value
    stored = results.outcomes[results.outcomes["run_id"] == rid]["jk_affinity"].tolist()
    assert panel.run_outcomes["jk_affinity"].tolist() == stored  # the replay is the stored run, exactly
    assert "<table" in panel.table.value and "jk_affinity" in panel.table.value


def test_results_panel_says_what_is_wrong_with_a_folder(tmp_path):
    panel = ResultsPanel(tmp_path)
    assert "manifest.json" in panel.message.value and panel.res is None


def test_offline_template_drops_every_cdn_link(tmp_path):
    import voila

    from experiments.explorer.serve import command, offline_template

    folder = offline_template(tmp_path)
    lab = (folder.parent / "lab")
    text = (folder / "index.html.j2").read_text()
    assert "://cdn." not in text and "extends 'nbconvert/templates/lab/index.html.j2'" in text
    assert voila.__version__
    cmd, env = command(None, 8999, tmp_path)
    assert "--Voila.ip=127.0.0.1" in cmd and "--template=thaw" in cmd and str(tmp_path / "jupyter") in env["JUPYTER_PATH"]
    assert not lab.exists()  # only the thaw template is written, nothing of Voilà's own is touched


def test_explore_refuses_a_folder_that_is_not_results(tmp_path, capsys):
    from experiments.cli import main

    assert main(["explore", str(tmp_path)]) == 2
    assert "manifest.json" in capsys.readouterr().err
