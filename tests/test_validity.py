"""Issue 9: mechanisms that respond to the record at its size, a rupture defined by events, trade
that feeds back, spillover both ways, and scenarios that do what their descriptions say.

Contract tests build a model at month 0, call one component's hook on a hand-set state, and check
the direction and size that docs/model.md states; with the switch off, nothing moves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.catalogue import GOLDSTEIN, MOVES
from model.components.decision import options_for
from model.scenario import load_scenario
from model.thaw import ThawModel

ROOT = Path(__file__).resolve().parents[1]
JPN, KOR, CHN, USA = range(4)


def _fresh(**overrides) -> ThawModel:
    return ThawModel("baseline", rng=0, **overrides)


def _move(m: ThawModel, comp: str, s: int, t: int, name: str, intensity: float = 1.0) -> None:
    st = m.state
    mv = MOVES[name]
    g = GOLDSTEIN[mv.cameo_code]
    m.components[comp].on_move(st, s, t, s * st.n + t, t * st.n + s, mv, g, g / 10 * intensity, intensity)


# --- opinion ------------------------------------------------------------------------------
def test_opinion_hostile_move_is_record_sized_and_asymmetric():
    m = _fresh()
    p = m.config.params.dynamics.opinion
    R = m.state.relations
    ij = KOR * 4 + JPN
    R.opinion[ij] = 31.7  # June 2019
    _move(m, "opinion", JPN, KOR, "export_controls")  # G = -8
    expected = p.response * p.visibility["coerce_econ"] * -0.8 * p.negativity * 31.7 / 50
    assert R.opinion[ij] - 31.7 == pytest.approx(expected)
    assert R.opinion[ij] < 31.7 - 8  # a record-sized fall, not a 3-point dip
    assert R.opinion_shock[ij] == pytest.approx(expected * (1 - p.persistence))
    # a friendly move of the same Goldstein size from 50 % moves it by 1/negativity as much
    R.opinion[ij], R.opinion_shock[ij] = 50.0, 0.0
    _move(m, "opinion", JPN, KOR, "formal_agreement")  # G = +8, a headline move
    up = R.opinion[ij] - 50.0
    assert up == pytest.approx(p.response * p.visibility["cooperate"] * p.headline * 0.8)
    R.opinion[ij], R.opinion_shock[ij] = 50.0, 0.0
    _move(m, "opinion", JPN, KOR, "import_ban")  # G = -8, visibility 1
    assert 50.0 - R.opinion[ij] == pytest.approx(p.response * 0.8 * p.negativity)


def test_opinion_room_to_move_saturates():
    m = _fresh()
    R = m.state.relations
    ij = KOR * 4 + JPN
    falls = []
    for start in (60.0, 30.0, 5.0):
        R.opinion[ij] = start
        _move(m, "opinion", JPN, KOR, "export_controls")
        falls.append(start - R.opinion[ij])
    assert falls[0] > falls[1] > falls[2] > 0
    assert R.opinion[ij] >= 0.0


def test_opinion_shock_decays_with_its_half_life_over_a_fixed_anchor():
    m = _fresh(**{"dynamics.opinion.relaxation": 0.0, "dynamics.opinion.shock_half_life": 12.0})
    R = m.state.relations
    ij = KOR * 4 + JPN
    R.opinion[ij], R.opinion_shock[ij], R.measures[ij] = 30.0, -10.0, 0.0  # anchor 40, shock -10
    for _ in range(12):
        m.components["opinion"].on_end(m.state)
    assert R.opinion_shock[ij] == pytest.approx(-5.0)
    assert R.opinion[ij] == pytest.approx(35.0)


def test_opinion_grievance_while_measures_stand():
    m = _fresh(**{"dynamics.opinion.relaxation": 0.0})
    R = m.state.relations
    ij = KOR * 4 + JPN
    R.opinion[ij], R.opinion_shock[ij] = 30.0, 0.0
    R.measures[ij] = 0.3
    m.components["opinion"].on_end(m.state)
    g = m.config.params.dynamics.opinion.grievance
    assert R.opinion[ij] == pytest.approx(30.0 - g * 0.3 * 30.0 / 50.0)


def test_opinion_off_changes_nothing():
    m = _fresh(**{"mechanisms.opinion": False})
    before = m.state.relations.snapshot()
    m.state.apply_move(JPN, KOR, "export_controls", 1.0, "test")
    after = m.state.relations.snapshot()
    assert after["opinion"] == before["opinion"] and after["opinion_shock"] == before["opinion_shock"]


# --- rupture ------------------------------------------------------------------------------
def test_hindcast_flags_2019_and_rarely_another_rupture():
    """The 2013-2025 replay flags the 2019-2020 rupture in most runs and another period in few.
    Measured on 40 seeds at the defaults: 90 % and 12.5 % (docs/model.md 7.10). Tolerance on 20
    seeds: at least 70 % and at most 25 % (an escalation that spreads to 2014-2018 breaks this)."""
    starts = []
    for seed in range(20):
        m = ThawModel("hindcast_2013_2025", rng=seed).run()
        starts.append(m.rupture_starts())
    in_2019 = sum(any("2019-01" <= d <= "2020-12" for d in run) for run in starts)
    elsewhere = sum(any(not "2019-01" <= d <= "2020-12" for d in run) for run in starts)
    assert in_2019 >= 14, starts
    assert elsewhere <= 5, starts


def test_rupture_needs_hostile_moves_not_a_low_level():
    """Opinion and affinity far below neutral with no hostile move between the allies: no rupture."""
    m = ThawModel("baseline", rng=1, months=36, **{"mechanisms.coercion": False,
                                                   "states.KOR.opinion_level.JPN": 5.0,
                                                   "states.JPN.opinion_level.KOR": 5.0,
                                                   "states.KOR.affinity.JPN": -0.9, "states.JPN.affinity.KOR": -0.9})
    m.run()
    assert m.outcomes()["kor_fav_jpn"].iloc[-1] < 25
    assert m.summary()["thaw_survived"]


def test_rupture_from_2019_like_moves():
    m = ThawModel("baseline", rng=0, months=3, **{"mechanisms.scheduled_events": False})
    st = m.state
    m.step()
    st.relations.opinion[KOR * 4 + JPN] = 40.0
    m.components["rupture"].window.clear()
    m.components["rupture"].window.append((40.0, 25.0))
    st.apply_move(JPN, KOR, "export_controls", 1.0, "test")
    st.apply_move(KOR, JPN, "downgrade_ties", 1.0, "test")
    st.relations.opinion[KOR * 4 + JPN] = 25.0  # a 15-point fall
    m.components["rupture"].on_measure(st, st.out)
    assert st.out["rupture"] and m.components["rupture"].starts == [1]


# --- trade feeds back ----------------------------------------------------------------------
def test_trade_off_changes_decisions_and_the_event_log():
    on = [ThawModel("china_coerces_japan", rng=s).run().events() for s in range(3)]
    off = [ThawModel("china_coerces_japan", rng=s, **{"mechanisms.trade": False}).run().events() for s in range(3)]
    assert any(not a.equals(b) for a, b in zip(on, off, strict=True))


def test_trade_lost_enters_the_utilities():
    m = _fresh()
    st, dec = m.state, m.components["decision"]
    kinds = [o.kind for o in next(p for p in dec.plans[JPN] if p[0] == CHN)[4]]
    before = dec.utilities(JPN, CHN)
    st.relations.trade_lost[JPN * 4 + CHN] = 0.5
    after = dec.utilities(JPN, CHN)
    w = m.config.params.decision.w_trade_loss
    assert after[kinds.index("cooperate")] - before[kinds.index("cooperate")] == pytest.approx(w * 0.5)
    assert after[kinds.index("coerce_econ")] - before[kinds.index("coerce_econ")] == pytest.approx(-w * 0.5)


def test_trade_publishes_losses_and_measures():
    m = _fresh()
    st = m.state
    _move(m, "trade", CHN, JPN, "import_ban")
    ch = m.config.params.dynamics.trade.channels["seafood"]
    assert st.relations.measures[JPN * 4 + CHN] >= ch.bite
    assert st.relations.trade_lost[JPN * 4 + CHN] > 0 and st.relations.trade_lost[CHN * 4 + JPN] > 0


# --- spillover both ways -------------------------------------------------------------------
@pytest.mark.parametrize("balance, sign", [(1.0, 1), (0.0, -1), (0.5, 0)])
def test_spillover_solidarity_or_entrapment(balance, sign):
    m = _fresh(**{"dynamics.spillover.balance": balance})
    R = m.state.relations
    _move(m, "spillover", CHN, JPN, "import_ban")
    sol, ent = R.solidarity[KOR * 4 + JPN], R.entrapment[KOR * 4 + CHN]
    size = m.config.params.dynamics.spillover.solidarity
    assert sol == pytest.approx(sign * size)
    assert ent == pytest.approx(size * (1 - balance))


def test_entrapment_raises_accommodation_of_the_coercer():
    m = _fresh()
    dec = m.components["decision"]
    kinds = [o.kind for o in next(p for p in dec.plans[KOR] if p[0] == CHN)[4]]
    before = dec.utilities(KOR, CHN)
    m.state.relations.entrapment[KOR * 4 + CHN] = 0.5
    after = dec.utilities(KOR, CHN)
    assert after[kinds.index("cooperate")] > before[kinds.index("cooperate")]
    assert after[kinds.index("protest")] < before[kinds.index("protest")]


def test_spillover_off_changes_nothing():
    m = _fresh(**{"mechanisms.spillover": False})
    before = m.state.relations.snapshot()
    m.state.apply_move(CHN, JPN, "import_ban", 1.0, "test")
    after = m.state.relations.snapshot()
    for name in ("solidarity", "entrapment"):
        assert after[name] == before[name]
    assert after["threat"][KOR] == before["threat"][KOR]


# --- scenarios do what they say ------------------------------------------------------------
def test_leader_turnover_keeps_no_later_japanese_election():
    p = load_scenario("leader_turnover").params
    assert "no later Japanese election" in p.description
    jpn = [e.date for e in p.elections if e.state == "JPN"]
    assert jpn == ["2027-01"]
    for seed in range(20):
        m = ThawModel("leader_turnover", rng=seed).run()
        jpn_changes = [row for row in m.leader_log if row[2] == "JPN"]
        assert all(row[1] <= "2027-01" for row in jpn_changes)


def test_history_flareup_is_exactly_twice_as_likely():
    scen = load_scenario("history_flareup")
    assert "twice as likely" in scen.params.description
    a = ThawModel("history_flareup", rng=0).components["history_flareups"]
    b = ThawModel("baseline", rng=0).components["history_flareups"]
    for stance in ([0.7, 0.6], [0.0, 0.0], [0.2, 0.9]):
        assert a.rate(stance) == pytest.approx(2 * b.rate(stance))


def test_tech_partnership_cuts_cooperation_costs_for_japan_and_korea_only():
    assert "Japan and Korea (only)" in load_scenario("tech_partnership").params.description
    tech, base = load_scenario("tech_partnership"), load_scenario("baseline")

    def coop_base(sc, s, t):
        d = sc.params.decision
        opts = options_for(sc.roles, s, t, True, tuple(d.base.items()), tuple(d.capital_cost.items()), d.ally_cooperation,
                           d.ally_coercion)
        return next(o.base for o in opts if o.kind == "cooperate")

    assert coop_base(tech, JPN, KOR) == pytest.approx(coop_base(base, JPN, KOR) + 0.2)
    assert coop_base(tech, KOR, JPN) == pytest.approx(coop_base(base, KOR, JPN) + 0.2)
    for s, t in ((JPN, USA), (KOR, CHN), (USA, KOR), (CHN, JPN)):
        assert coop_base(tech, s, t) == coop_base(base, s, t)


def test_readme_counts_the_calibrated_parameters():
    from experiments.calibration.priors import PARAMETERS

    words = {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
    text = (ROOT / "README.md").read_text()
    found = re.findall(r"refits (\w+) parameters", text)
    assert found and all((int(w) if w.isdigit() else words.get(w, -1)) == len(PARAMETERS) for w in found)


# --- the November 2025 world ---------------------------------------------------------------
def test_baseline_starts_from_the_2025_waves():
    p = load_scenario("baseline").params
    assert p.states.KOR.opinion["JPN"] == pytest.approx((52.4 + 38.0) / 2)
    assert p.states.JPN.opinion["KOR"] == pytest.approx(24.8)
    assert p.dynamics.agreements.in_force == ["intelligence_sharing"]
    m = ThawModel("baseline", rng=0)
    assert m.state.agreements_in_force == 1
    assert ThawModel("baseline", rng=0, **{"mechanisms.agreements": False}).state.agreements_in_force == 0
    assert ThawModel("hindcast_2013_2025", rng=0).state.agreements_in_force == 0


def test_hindcast_move_rates_near_the_record():
    """Chinese coercion episodes per run over 2013-2025: the record has three (2017, 2023, 2025)."""
    eps = [ThawModel("hindcast_2013_2025", rng=s).run().summary()["coercion_episodes"] for s in range(6)]
    assert 2.5 <= sum(eps) / len(eps) <= 4.5


def test_a_consumer_boycott_is_no_state_measure_for_the_target_public():
    m = _fresh()
    st = m.state
    _move(m, "trade", KOR, JPN, "boycott")
    assert st.relations.trade_lost[JPN * 4 + KOR] > 0  # Japanese exporters lose
    assert st.relations.measures[JPN * 4 + KOR] == 0.0  # but the Japanese public holds no grievance
    channels = m.config.params.dynamics.trade.channels
    boycott = m.components["trade"].cuts[(KOR, JPN, "consumer")]
    assert channels["consumer"].mobilisation > 0
    # the boycotting public's own campaign keeps its grievance alive
    assert st.relations.measures[KOR * 4 + JPN] == pytest.approx(boycott * channels["consumer"].mobilisation)
    _move(m, "trade", JPN, KOR, "export_controls")  # a state measure adds the Korean public's grievance at its cut
    assert st.relations.measures[KOR * 4 + JPN] == pytest.approx(
        boycott * channels["consumer"].mobilisation + channels["inputs"].bite * channels["inputs"].grievance)


def test_baseline_exposures_use_each_pairs_latest_year_of_trade_gdp():
    import csv

    path = ROOT.parent / "shared" / "data" / "trade_gdp.csv"
    if not path.exists():
        path = ROOT / "model" / "data" / "trade_gdp.csv"
    rows = list(csv.DictReader(path.open()))
    trade: dict[frozenset, tuple[int, float]] = {}
    gdp = {r["a"]: float(r["value_usd_bn"]) for r in rows if r["kind"] == "gdp"}
    for r in rows:
        if r["kind"] == "trade":
            key = frozenset((r["a"], r["b"]))
            if key not in trade or int(r["year"]) > trade[key][0]:
                trade[key] = (int(r["year"]), float(r["value_usd_bn"]))
    sc = load_scenario("baseline")
    for holder in ("JPN", "KOR", "CHN", "USA"):
        for other, value in sc.params.state_map()[holder].exposure.items():
            year, usd = trade[frozenset((holder, other))]
            assert f" {year} " in sc.sources[f"states.{holder}.exposure.{other}"], (holder, other)
            assert value == pytest.approx(100 * usd / gdp[holder], abs=0.01), (holder, other)


def test_trade_off_publishes_no_losses_or_measures():
    m = _fresh(**{"mechanisms.trade": False})
    m.state.apply_move(CHN, JPN, "import_ban", 1.0, "test")
    m.state.apply_move(JPN, KOR, "export_controls", 1.0, "test")
    R = m.state.relations
    assert not any(R.trade_lost) and not any(R.measures)
