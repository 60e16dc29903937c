"""The direct search on the ABC distance (experiments/calibration/search.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments.calibration import priors, search


def test_unit_coordinates_round_trip_and_clip_to_the_priors():
    s = search.Search(seeds=1)
    start = search.start_point("median", priors.PARAMETERS)
    assert np.allclose(s.to_unit(s.to_params(s.to_unit(start))), s.to_unit(start))
    edge = s.to_params(np.full(len(priors.PARAMETERS), 2.0))  # outside the box: clipped to the highs
    assert all(edge[p.key] == p.high for p in priors.PARAMETERS)


def test_the_fall_is_read_at_the_records_2019_and_2020_korean_waves():
    s = search.Search(seeds=1)
    before, after = s.targets.waves[s.before], s.targets.waves[s.after]
    assert (before.series, before.value, after.series, after.value) == ("kor_fav_jpn", 31.7, "kor_fav_jpn", 12.3)


def test_search_keeps_the_best_point_it_saw(tmp_path):
    out = tmp_path / "best.json"
    start = search.start_point("draw:0", priors.PARAMETERS)
    at_start, _ = search.Search(seeds=1).evaluate(start)
    best = search.search(start, out, maxfev=4, seeds=1, log=lambda *_: None)
    saved = json.loads(out.read_text())
    assert saved["distance"] == best["distance"] <= at_start  # the start is the first point evaluated
    assert set(saved["params"]) == set(priors.keys())
    again = search.Search(seeds=1).evaluate(saved["params"])
    assert again == pytest.approx((saved["distance"], saved["fall"]))  # fixed seeds: the point reproduces
    table = search.show(out, seeds=1)
    assert table.count("\n| kor_fav_jpn |") == sum(w.series == "kor_fav_jpn" for w in search.Search(1).targets.waves)


def test_the_command_line_refuses_what_it_cannot_use(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        search.main(["--show", str(tmp_path / "missing.json")])
    assert e.value.code == 2 and "missing.json" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        search.main([])
    assert e.value.code == 2 and "needs START and OUT" in capsys.readouterr().err
    (tmp_path / "partial.json").write_text(json.dumps({"params": {"dynamics.opinion.response": 5.0}}))
    with pytest.raises(SystemExit, match="has no value for"):
        search.start_point(str(tmp_path / "partial.json"), priors.PARAMETERS)
