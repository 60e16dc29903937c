"""The poll measurement model: sampling error of the stated size, the mode term, simulated readings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import observation as obs


def test_margin_is_about_three_points_at_a_thousand():
    # the pollsters' "±3 points" is the 95 % margin at p = 50 % and n = 1,000
    assert 1.96 * obs.sampling_sd(50.0, 1000) == pytest.approx(3.1, abs=0.05)
    assert obs.sampling_sd(30.0, 1000) == pytest.approx(1.449, abs=0.01)
    assert obs.sampling_sd(30.0, 4000) == pytest.approx(obs.sampling_sd(30.0, 1000) / 2)


def test_shipped_waves_cover_2013_2025_with_modes_and_second_readings():
    waves = obs.load_waves()
    target = [w for w in waves if w.role == "target"]
    assert {w.year for w in target if w.series == "kor_fav_jpn"} == set(range(2013, 2026))
    assert {w.year for w in target if w.series == "jpn_fav_kor"} == set(range(2013, 2026)) - {2024}
    online = {(w.series, w.year) for w in waves if w.mode == "online"}
    assert online == {("kor_fav_jpn", 2024), ("kor_fav_jpn", 2025), ("jpn_fav_kor", 2025)}
    gallup = [w for w in waves if w.role == "second"]
    assert [(w.year, w.fieldwork, w.value) for w in gallup] == [(2015, "2015-02", 17.0), (2019, "2019-07", 12.0),
                                                                (2025, "2025-08", 38.0)]
    assert all(w.n == obs.DEFAULT_N for w in waves)  # the table has no n column
    assert not any("cabinet" in w.source_series for w in waves)  # a different question: not read


def test_n_from_the_data_when_given():
    row = {"series": "kor_fav_jpn", "year": "2020", "fieldwork": "2020-10", "value_pct": "12.3", "n": "4000",
           "measure": "favourable", "pollster": "Genron NPO / East Asia Institute"}
    (w,) = obs.load_waves(rows=[row])
    assert w.n == 4000 and w.mode == "face-to-face"
    assert w.sd == pytest.approx(obs.sampling_sd(12.3, 4000))


def test_online_waves_carry_the_mode_term():
    waves = {(w.series, w.year, w.role): w for w in obs.load_waves()}
    online, f2f = waves[("kor_fav_jpn", 2025, "target")], waves[("kor_fav_jpn", 2023, "target")]
    assert obs.extra_sd(f2f) == 0.0
    assert obs.extra_sd(online) == obs.MODE_SD["online"]
    assert online.sd == pytest.approx(np.hypot(obs.sampling_sd(52.4), obs.MODE_SD["online"]))
    gallup = waves[("kor_fav_jpn", 2025, "second")]
    assert obs.extra_sd(gallup) == obs.HOUSE_SD["Gallup Korea"] and gallup.mode == "telephone"


def test_simulated_readings_have_the_stated_noise():
    waves = {(w.series, w.year, w.role): w for w in obs.load_waves()}
    rng = np.random.default_rng(5)
    for key in [("kor_fav_jpn", 2019, "target"), ("kor_fav_jpn", 2025, "target")]:
        w = waves[key]
        reads = obs.observe(np.full(40_000, 30.0), w, rng)
        assert reads.mean() == pytest.approx(30.0, abs=0.1)  # unbiased: no fitted mode offset
        assert reads.std() == pytest.approx(obs.measurement_sd(30.0, w), rel=0.02)


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0.0, 100.0), n=st.integers(50, 100_000), seed=st.integers(0, 2**32 - 1))
def test_readings_are_percentages_and_noise_shrinks_with_n(p, n, seed):
    w = obs.Wave("kor_fav_jpn", "kor_fav_jpn", 2020, "2020-10", p, "Genron NPO / East Asia Institute", n,
                 "face-to-face", "target")
    r = obs.observe(np.full(16, p), w, np.random.default_rng(seed))
    assert ((r >= 0.0) & (r <= 100.0)).all()
    assert obs.sampling_sd(p, 4 * n) == pytest.approx(obs.sampling_sd(p, n) / 2, abs=1e-12)
    assert obs.sampling_sd(p, n) <= 50.0 / np.sqrt(n) * 1.0000001  # largest at p = 50 %
    # the same generator state gives the same readings
    assert np.array_equal(r, obs.observe(np.full(16, p), w, np.random.default_rng(seed)))


# --------------------------------------------------------------------------------------------
# Edges of the measurement model (written against the survivors of mutation testing)
def _wave(**kw):
    base = dict(series="kor_fav_jpn", source_series="kor_fav_jpn", year=2020, fieldwork="2020-06", value=20.0,
                pollster="Genron NPO / EAI", n=1000, mode="face-to-face", role="target")
    return obs.Wave(**{**base, **kw})


def test_sampling_sd_is_the_binomial_sd_in_points_and_zero_outside_0_100():
    assert obs.sampling_sd(50.0, 1000) == 100 * np.sqrt(0.25 / 1000)
    assert obs.sampling_sd(30, 1000) == pytest.approx(100 * np.sqrt(0.3 * 0.7 / 1000), rel=1e-15)
    assert obs.sampling_sd(120.0) == 0.0 and obs.sampling_sd(-5.0) == 0.0  # clipped to a share in [0, 1]
    assert type(obs.sampling_sd(50.0)) is float
    arr = obs.sampling_sd(np.array([50.0, 100.0, 150.0]), 100)
    assert isinstance(arr, np.ndarray) and list(arr) == [5.0, 0.0, 0.0]
    assert obs.sampling_sd(50.0, 1000, deff=4.0) == pytest.approx(2 * obs.sampling_sd(50.0, 1000))


def test_measurement_sd_adds_mode_and_house_terms_in_quadrature():
    face = _wave()
    s = obs.sampling_sd(20.0, 1000)
    assert obs.measurement_sd(20.0, face) == s
    online = _wave(mode="online")
    assert obs.measurement_sd(20.0, online) == pytest.approx(np.hypot(s, obs.MODE_SD["online"]))
    gallup = _wave(pollster="Gallup Korea", mode="telephone", role="second")
    assert obs.measurement_sd(20.0, gallup) == pytest.approx(np.hypot(s, obs.HOUSE_SD["Gallup Korea"]))
    assert obs.measurement_sd(100.0, online) == obs.MODE_SD["online"]  # no sampling error at 100 %
    both = obs.measurement_sd(np.array([20.0, 100.0]), online)
    assert both == pytest.approx([np.hypot(s, 8.0), 8.0])
    assert online.sd == obs.measurement_sd(20.0, online)


def test_readings_are_latent_plus_standard_normal_noise_clipped_to_0_100():
    wave = _wave(mode="online")
    got = obs.observe(np.full(4, 40.0), wave, np.random.default_rng(1))
    z = np.random.default_rng(1).normal(0.0, 1.0, size=4)
    assert got == pytest.approx(40.0 + z * obs.measurement_sd(40.0, wave))
    one = obs.observe(40, wave, np.random.default_rng(1))
    assert type(one) is float and one == pytest.approx(got[0])
    high = obs.observe(np.full(2000, 99.5), wave, np.random.default_rng(2))
    low = obs.observe(np.full(2000, 0.5), wave, np.random.default_rng(2))
    assert high.max() == 100.0 and high.min() < 99.5 and low.min() == 0.0 and low.max() > 0.5


def test_waves_from_rows_take_n_years_and_order_targets_first():
    rows = [
        {"series": "kor_fav_jpn_gallup", "year": "2015", "fieldwork": "2015-02", "value_pct": "17", "pollster":
         "Gallup Korea", "measure": "phone", "n": ""},
        {"series": "not_a_series", "year": "2015", "fieldwork": "2015-05", "value_pct": "1", "pollster": "x",
         "measure": "x"},
        {"series": "kor_fav_jpn", "year": "2016", "fieldwork": "2016-05", "value_pct": "21", "pollster":
         "Genron NPO / EAI", "measure": "online panel", "n": "1500"},
        {"series": "jpn_fav_kor", "year": "2014", "fieldwork": "2014-05", "value_pct": "30", "pollster":
         "Genron NPO / EAI", "measure": "face to face"},
    ]
    waves = obs.load_waves(rows=rows)
    assert [(w.series, w.role, w.year) for w in waves] == [("jpn_fav_kor", "target", 2014),
                                                           ("kor_fav_jpn", "target", 2016),
                                                           ("kor_fav_jpn", "second", 2015)]
    assert [w.n for w in waves] == [obs.DEFAULT_N, 1500, obs.DEFAULT_N]
    assert [w.mode for w in waves] == ["face-to-face", "online", "telephone"]
    assert [w.year for w in obs.load_waves(years=range(2015, 2017), rows=rows)] == [2016, 2015]
    shipped = obs.load_waves()
    import csv
    from pathlib import Path
    with open(Path(__file__).resolve().parents[1] / "model" / "data" / "opinion_polls.csv", newline="") as fh:
        known = [r for r in csv.DictReader(fh) if r["series"] in obs.SERIES]
    assert len(shipped) == len(known) and shipped == obs.load_waves(rows=known)
