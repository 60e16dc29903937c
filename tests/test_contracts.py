"""One contract per mechanism, in the style of the Axelrod library's per-strategy tests.

Each test starts from a small hand-built state (the baseline's numbers with the relevant ones set by
hand), lets the mechanism act once, and checks that it moves what docs/model.md says, in the stated
direction and by the stated amount; and that with its switch off it changes nothing.
"""

from __future__ import annotations

import math

import pytest
from test_loader import child

from model import ThawModel, load_scenario
from model.catalogue import GOLDSTEIN, MOVES
from model.components import COMPONENTS
from model.components.coercion import EPISODE_GAP
from model.components.decision import options_for

JPN, KOR, CHN, USA = range(4)


@pytest.fixture(autouse=True)
def fresh_hook_index(monkeypatch):
    """Which components act on which (pair, kind) is memoised per scenario object across models;
    a contract must see every ``acts_on`` rule worked out afresh, not read from an earlier test
    (or, under mutmut, from the process its mutant runs were forked from). For every test here."""
    from model import state as state_module

    monkeypatch.setattr(state_module, "_HOOK_INDEX", {})


def world(scenario: str = "baseline", **overrides):
    m = ThawModel(scenario, rng=0, **overrides)
    return m, m.state


def move(st, s: int, t: int, name: str, intensity: float = 1.0) -> None:
    st.apply_move(s, t, name, intensity, "test")


def g10(name: str) -> float:
    return GOLDSTEIN[MOVES[name].cameo_code] / 10.0


def end(m, name: str) -> None:
    """One component's month-end step alone."""
    m.components[name].on_end(m.state)


def none_in_force(m, st) -> None:
    """Start without the baseline's agreement in force (GSOMIA), to watch new ones form."""
    m.components["agreements"].agreements.clear()
    st.agreements_in_force = 0
    m.components["rupture"].in_force = 0


def rel(st, name: str, s: int, t: int) -> float:
    return st.relations.get(name, s, t)


# --------------------------------------------------------------------------------------------
def test_every_switchable_component_has_a_contract_here():
    names = {c.name for c in COMPONENTS}
    tested = {n[len("test_"):].split("__")[0] for n in globals() if n.startswith("test_") and "__" in n}
    assert names <= tested, f"components without a contract test: {sorted(names - tested)}"


# Reciprocity ---------------------------------------------------------------------------------
def test_reciprocity__memory_records_moves_received_and_fades():
    m, st = world()
    move(st, JPN, KOR, "intelligence_sharing", 0.5)
    assert rel(st, "memory", KOR, JPN) == pytest.approx(0.7 * 0.5)  # Goldstein +7 / 10 × 0.5
    assert rel(st, "memory", JPN, KOR) == 0.0  # the mover does not remember its own move
    move(st, CHN, KOR, "radar_lock")
    assert rel(st, "memory", KOR, CHN) == pytest.approx(g10("radar_lock")) and g10("radar_lock") < 0
    end(m, "reciprocity")
    assert rel(st, "memory", KOR, JPN) == pytest.approx(0.35 * m.config.params.dynamics.memory.retention)


# Affinity ------------------------------------------------------------------------------------
def test_affinity__moves_received_shift_affinity_the_mover_half_as_much():
    m, st = world()
    r = m.config.params.dynamics.affinity.response
    st.relations.set("affinity", KOR, JPN, 0.0)
    st.relations.set("affinity", JPN, KOR, 0.0)
    move(st, JPN, KOR, "summit")
    up = r * g10("summit")
    assert up > 0 and rel(st, "affinity", KOR, JPN) == pytest.approx(up)
    assert rel(st, "affinity", JPN, KOR) == pytest.approx(0.5 * up)
    move(st, KOR, JPN, "court_ruling", 0.5)
    assert rel(st, "affinity", JPN, KOR) == pytest.approx(0.5 * up + r * g10("court_ruling") * 0.5)
    st.relations.set("affinity", KOR, JPN, 0.999)
    move(st, JPN, KOR, "intelligence_sharing")
    assert rel(st, "affinity", KOR, JPN) == 1.0  # clipped


def test_affinity__month_end_pulls_toward_the_publics_view():
    m, st = world()
    k = m.config.params.dynamics.affinity.decay
    st.relations.set("affinity", KOR, JPN, 0.5)
    st.relations.set("opinion", KOR, JPN, 25.0)  # baseline (25 - 50) / 50 = -0.5
    end(m, "affinity")
    assert rel(st, "affinity", KOR, JPN) == pytest.approx(0.5 + k * (-0.5 - 0.5))


def test_affinity__off_changes_nothing():
    m, st = world(**{"mechanisms.affinity": False})
    before = st.relations.matrix("affinity")
    move(st, JPN, KOR, "summit")
    move(st, CHN, JPN, "import_ban")
    for hook in m._end:
        hook(st)
    assert st.relations.matrix("affinity") == before


# Opinion -------------------------------------------------------------------------------------
def test_opinion__visible_moves_move_the_target_public_by_visibility():
    """x = response · visibility · G/10 · i, times negativity for a fall, times the room left
    (O/50 falling, (100 − O)/50 rising); the share persistence of it enters the anchor."""
    m, st = world()
    p = m.config.params.dynamics.opinion
    o = rel(st, "opinion", JPN, CHN)
    move(st, CHN, JPN, "import_ban", 0.5)
    drop = p.response * p.visibility["coerce_econ"] * g10("import_ban") * 0.5 * p.negativity * o / 50.0
    assert drop < 0 and rel(st, "opinion", JPN, CHN) == pytest.approx(o + drop)
    assert rel(st, "opinion_shock", JPN, CHN) == pytest.approx(drop * (1 - p.persistence))
    o = rel(st, "opinion", KOR, JPN)
    move(st, JPN, KOR, "supply_chain")
    rise = p.response * p.visibility["cooperate"] * g10("supply_chain") * (100.0 - o) / 50.0
    assert rise > 0 and rel(st, "opinion", KOR, JPN) == pytest.approx(o + rise)
    assert rel(st, "opinion", JPN, KOR) == m.config.params.states.JPN.opinion["KOR"]  # the mover's public: unmoved
    o = rel(st, "opinion", KOR, JPN)
    move(st, JPN, KOR, "summit")  # a headline move weighs `headline` times a routine one of its kind
    lift = p.response * p.visibility["reassure"] * p.headline * g10("summit") * (100.0 - o) / 50.0
    assert rel(st, "opinion", KOR, JPN) == pytest.approx(o + lift) and p.headline > 1


def test_opinion__month_end_relaxes_toward_the_long_run_level_and_history_sours_both():
    """The anchor (O − shock) relaxes toward the level, the shock decays with its half-life, and a
    history event costs both allied publics history_shock · i · room."""
    from model.components.opinion import history_shock

    m, st = world()
    p = m.config.params.dynamics.opinion
    st.relations.set("opinion", KOR, JPN, 10.0)
    st.relations.set("opinion_shock", KOR, JPN, -4.0)  # anchor 14
    level = rel(st, "opinion_level", KOR, JPN)
    end(m, "opinion")
    keep = 0.5 ** (1 / p.shock_half_life)
    assert rel(st, "opinion_shock", KOR, JPN) == pytest.approx(-4.0 * keep)
    assert rel(st, "opinion", KOR, JPN) == pytest.approx(14.0 + p.relaxation * (level - 14.0) - 4.0 * keep)
    assert level > 14.0
    a, b = rel(st, "opinion", KOR, JPN), rel(st, "opinion", JPN, KOR)
    history_shock(st, 0.5)
    ks, js = p.history_sensitivity["KOR"], p.history_sensitivity["JPN"]
    assert rel(st, "opinion", KOR, JPN) == pytest.approx(a - 0.5 * p.history_shock * ks * a / 50.0)
    assert rel(st, "opinion", JPN, KOR) == pytest.approx(b - 0.5 * p.history_shock * js * b / 50.0)


def test_opinion__each_public_loses_its_own_share_of_a_history_shock():
    from model.components.opinion import history_shock

    m, st = world(**{"dynamics.opinion.history_sensitivity.KOR": 0.0, "dynamics.opinion.history_sensitivity.JPN": 0.5})
    shock = m.config.params.dynamics.opinion.history_shock
    a, b = rel(st, "opinion", KOR, JPN), rel(st, "opinion", JPN, KOR)
    history_shock(st, 1.0)
    assert rel(st, "opinion", KOR, JPN) == a  # an insensitive public: unmoved
    assert rel(st, "opinion", JPN, KOR) == pytest.approx(b - 0.5 * shock * b / 50.0) and shock > 0


def test_opinion__off_changes_nothing():
    from model.components.opinion import history_shock

    m, st = world(**{"mechanisms.opinion": False})
    before = st.relations.matrix("opinion")
    move(st, CHN, JPN, "import_ban")
    history_shock(st, 1.0)
    for hook in m._end:
        hook(st)
    assert st.relations.matrix("opinion") == before


# Threat --------------------------------------------------------------------------------------
def test_threat__coercion_raises_it_saturating_military_more_reassurance_lowers_it():
    m, st = world()
    p = m.config.params.dynamics.threat
    st.relations.set("threat", JPN, CHN, 0.4)
    move(st, CHN, JPN, "force_posture", 0.5)
    mil = rel(st, "threat", JPN, CHN) - 0.4
    assert mil == pytest.approx(p.military * 0.5 * 0.6)
    st.relations.set("threat", JPN, CHN, 0.4)
    move(st, CHN, JPN, "import_ban", 0.5)
    econ = rel(st, "threat", JPN, CHN) - 0.4
    assert econ == pytest.approx(p.economic * 0.5 * 0.6) and 0 < econ < mil
    move(st, CHN, JPN, "summit", 0.5)
    assert rel(st, "threat", JPN, CHN) == pytest.approx(0.4 + econ - p.reassurance * 0.5)
    st.relations.set("threat", JPN, CHN, 0.9)
    level = rel(st, "threat_level", JPN, CHN)
    end(m, "threat")
    assert rel(st, "threat", JPN, CHN) == pytest.approx(0.9 + p.relaxation * (level - 0.9)) and level < 0.9


# Political capital ---------------------------------------------------------------------------
def test_political_capital__unpopular_moves_cost_more_and_capital_recovers():
    m, st = world()
    cost = m.config.params.decision.capital_cost["cooperate"]
    st.relations.set("opinion", JPN, KOR, 20.0)  # the Japanese public dislikes Korea
    st.capital[JPN] = 0.8
    move(st, JPN, KOR, "supply_chain")
    assert st.capital[JPN] == pytest.approx(0.8 - cost * (50 - 20) / 50)
    st.relations.set("opinion", JPN, KOR, 80.0)
    st.capital[JPN] = 0.8
    move(st, JPN, KOR, "supply_chain")
    assert st.capital[JPN] == pytest.approx(0.8 - cost * 0.2)  # popular: the floor of a fifth
    st.capital[JPN] = 0.8
    move(st, JPN, KOR, "criticism")  # attacking a liked state is unpopular
    assert st.capital[JPN] == pytest.approx(0.8 - m.config.params.decision.capital_cost["protest"] * 0.6)
    st.capital[JPN] = 0.4
    end(m, "political_capital")
    assert st.capital[JPN] == pytest.approx(0.4 + m.config.params.dynamics.capital.recovery * 0.6)


# Trade ---------------------------------------------------------------------------------------
def test_trade__coercion_cuts_its_channel_recovers_and_hurts_target_more():
    m, st = world()
    tr = m.components["trade"]
    p = m.config.params.dynamics.trade
    move(st, CHN, JPN, "import_ban", 0.5)
    assert tr.cuts == {(CHN, JPN, "seafood"): pytest.approx(p.channels["seafood"].bite * 0.5)}
    move(st, CHN, JPN, "import_ban", 0.2)  # a smaller cut does not replace a larger one
    assert tr.cuts[(CHN, JPN, "seafood")] == pytest.approx(p.channels["seafood"].bite * 0.5)
    loss = tr.losses(st)
    E = st.relations
    share = p.channels["seafood"].share * p.channels["seafood"].bite * 0.5
    assert loss[JPN] == pytest.approx(E.get("exposure", JPN, CHN) * share)
    assert loss[CHN] == pytest.approx(E.get("exposure", CHN, JPN) * share * p.coercer_cost_ratio)
    assert loss[JPN] > loss[CHN] > 0
    end(m, "trade")
    assert tr.cuts[(CHN, JPN, "seafood")] == pytest.approx(p.channels["seafood"].bite * 0.5 * math.exp(-1 / p.recovery_months))
    assert tr.channel_cut(CHN, JPN, "seafood", 1) == [pytest.approx(p.channels["seafood"].bite * 0.5)]
    move(st, CHN, JPN, "sanctions_relief")
    assert tr.cuts == {}


def test_trade__a_boycott_keeps_the_quarrel_in_its_own_publics_news_a_ban_in_the_targets():
    """measures[target → coercer] += cut · grievance (a state measure the target public resents);
    measures[coercer → target] += cut · mobilisation (the coercer public's own campaign)."""
    m, st = world()
    ch = m.config.params.dynamics.trade.channels
    assert ch["consumer"].mobilisation > ch["consumer"].grievance and ch["inputs"].grievance > ch["inputs"].mobilisation
    move(st, KOR, JPN, "boycott")
    cut = m.components["trade"].cuts[(KOR, JPN, "consumer")]
    assert rel(st, "measures", KOR, JPN) == pytest.approx(cut * ch["consumer"].mobilisation) and cut > 0
    assert rel(st, "measures", JPN, KOR) == pytest.approx(cut * ch["consumer"].grievance)
    o = rel(st, "opinion", KOR, JPN)
    p = m.config.params.dynamics.opinion
    shock = rel(st, "opinion_shock", KOR, JPN)
    end(m, "opinion")  # the boycotting public loses grievance · room · measures a month
    keep = 0.5 ** (1 / p.shock_half_life)
    assert rel(st, "opinion_shock", KOR, JPN) == pytest.approx(
        shock * keep - p.grievance * rel(st, "measures", KOR, JPN) * o / 50.0)


def test_trade__off_changes_nothing():
    m, st = world(**{"mechanisms.trade": False})
    move(st, CHN, JPN, "import_ban")
    for hook in m._end:
        hook(st)
    assert m.components["trade"].cuts == {} and m.trade_cuts().empty
    m._measure_month()
    assert st.out["trade_loss_jpn"] == st.out["trade_loss_chn"] == 0.0


# Spillover -----------------------------------------------------------------------------------
def test_spillover__coercing_one_ally_alarms_the_other_and_builds_solidarity():
    """Threat of the coercer rises; the response solidarity · i splits by balance into solidarity
    with the victim, (2·balance − 1), and entrapment fear toward the coercer, (1 − balance)."""
    m, st = world(**{"dynamics.spillover.balance": 0.8})
    p = m.config.params.dynamics.spillover
    t0 = rel(st, "threat", KOR, CHN)
    move(st, CHN, JPN, "radar_lock", 0.5)
    assert rel(st, "threat", KOR, CHN) == pytest.approx(t0 + p.threat * 0.5 * (1 - t0))
    assert rel(st, "solidarity", KOR, JPN) == pytest.approx(p.solidarity * 0.5 * 0.6)
    assert rel(st, "entrapment", KOR, CHN) == pytest.approx(p.solidarity * 0.5 * 0.2)
    assert rel(st, "solidarity", JPN, KOR) == 0.0
    move(st, CHN, USA, "import_ban")  # not an ally: nobody's solidarity moves
    assert sum(st.relations.solidarity) == pytest.approx(p.solidarity * 0.5 * 0.6)
    end(m, "spillover")
    assert rel(st, "solidarity", KOR, JPN) == pytest.approx(p.solidarity * 0.5 * 0.6 * p.solidarity_retention)
    assert rel(st, "entrapment", KOR, CHN) == pytest.approx(p.solidarity * 0.5 * 0.2 * p.solidarity_retention)
    m, st = world(**{"dynamics.spillover.balance": 0.2})  # mostly keeping out: solidarity turns negative
    move(st, CHN, JPN, "radar_lock")
    assert rel(st, "solidarity", KOR, JPN) < 0 < rel(st, "entrapment", KOR, CHN)


def test_spillover__off_changes_nothing():
    m, st = world(**{"mechanisms.spillover": False})
    t0 = rel(st, "threat", KOR, CHN)
    move(st, CHN, JPN, "radar_lock")
    assert rel(st, "threat", KOR, CHN) == t0 and sum(st.relations.solidarity) == 0.0


# US credibility and hedging ------------------------------------------------------------------
def test_us_credibility__patron_reassurance_builds_it_and_it_drifts_to_commitment():
    m, st = world()
    p = m.config.params.dynamics.us_credibility
    st.credibility = 0.4
    move(st, USA, JPN, "deterrence_pledge", 0.5)
    assert st.credibility == pytest.approx(0.4 + p.response * 0.5 * 0.6)
    c = st.credibility
    move(st, JPN, USA, "summit")  # the allies' moves toward the patron do not build it
    assert st.credibility == c
    end(m, "us_credibility")
    assert st.credibility == pytest.approx(c + p.drift * (st.commitment - c)) and st.commitment > c


def test_us_credibility__off_changes_nothing():
    m, st = world(**{"mechanisms.us_credibility": False})
    move(st, USA, JPN, "deterrence_pledge")
    for hook in m._end:
        hook(st)
    assert st.credibility == m.config.params.states.USA.credibility


def test_hedging__pressure_rises_as_credibility_falls_below_the_threshold():
    m, st = world()
    th = m.config.params.dynamics.hedging.threshold
    h = m.components["hedging"]
    assert h.pressure(th + 0.1) == 0.0 and h.pressure(th) == 0.0
    assert h.pressure(th / 2) == pytest.approx(0.5) and h.pressure(0.0) == 1.0
    st.credibility = th / 2
    h.on_start(st)
    assert st.hedge == pytest.approx(0.5)
    d = m.components["decision"]
    kinds = [o.kind for o in d.plans[JPN][KOR - 1][4]]
    before = d.utilities(JPN, KOR)[kinds.index("cooperate")]
    st.hedge = 1.0
    after = d.utilities(JPN, KOR)[kinds.index("cooperate")]
    mix, w = m.config.params.dynamics.hedging.mix, m.config.params.decision.w_hedging
    assert after - before == pytest.approx(w * 0.5 * mix)  # cooperation weight 1, hedge 0.5 -> 1


def test_hedging__off_changes_nothing():
    m, st = world(**{"mechanisms.hedging": False})
    m.credibility = 0.0
    m.step()
    assert st.hedge == 0.0 and m.hedging_pressure() == 0.0


# Coercion (China's doctrine) -----------------------------------------------------------------
def test_coercion__red_lines_provoke_and_doctrine_utility_follows_provocation_and_restraint():
    m, st = world()
    co = m.components["coercion"]
    d = m.config.params.states.CHN.doctrine
    move(st, JPN, CHN, "taiwan_statement", 0.5)
    assert co.provocation[JPN] == pytest.approx(d.red_lines["taiwan_statement"] * 0.5)
    assert co.last_red_line[JPN] == "taiwan_statement"
    move(st, JPN, USA, "join_framework")
    assert co.provocation[JPN] == pytest.approx(d.red_lines["taiwan_statement"] * 0.5 + d.red_lines["join_framework"])
    low = co.doctrine_utility(st, KOR)
    co.provocation[KOR] = 2.0
    high = co.doctrine_utility(st, KOR)
    lev = rel(st, "exposure", KOR, CHN) / d.leverage_scale
    assert high - low == pytest.approx(d.sensitivity * 2.0 * lev) and high > low
    st.credibility += 0.2
    assert co.doctrine_utility(st, KOR) == pytest.approx(high - d.restraint * 0.2)
    move_, intensity, trigger = co.choose(st, KOR, "coerce_mil", ("force_posture",))
    assert move_ == "force_posture" and trigger == "doctrine"  # KOR crossed no red line
    assert intensity == pytest.approx(min(1.0, max(0.1, d.intensity * lev * (1 + 2.0 - d.threshold))))
    co.provocation[JPN] = 2.0
    assert co.choose(st, JPN, "coerce_mil", ("force_posture",))[2] == "red_line:join_framework"
    end(m, "coercion")
    assert co.provocation[JPN] == pytest.approx(2.0 * d.provocation_decay)


def test_coercion__episodes_open_after_a_quiet_gap_and_are_judged_by_affinity():
    m, st = world()
    co = m.components["coercion"]
    st.month = 1
    move(st, CHN, JPN, "import_ban")
    st.month = 1 + EPISODE_GAP  # within the gap: the same episode
    move(st, CHN, JPN, "import_ban")
    assert len(co.episodes) == 1
    st.month = 2 + 2 * EPISODE_GAP  # quiet for longer than the gap: a new one
    move(st, CHN, JPN, "import_ban")
    assert len(co.episodes) == 2 and co.month_count == 3
    st.relations.set("affinity", JPN, KOR, co.episodes[0]["affinity_start"] + 0.1)
    st.month = st.horizon  # at the horizon every open episode is judged
    co.on_measure(st, st.out)
    assert [e["backfired"] for e in co.episodes] == [True, True] and st.out["china_coercion"] == 3
    assert co.month_count == 0  # a tally per month


def test_coercion__off_removes_every_coercive_option():
    m, st = world(**{"mechanisms.coercion": False})
    d = m.components["decision"]
    assert all(o.kind not in ("coerce_econ", "coerce_mil") for plans in d.plans for p in plans for o in p[4])
    assert d.coercion is None


# Agreements ----------------------------------------------------------------------------------
def test_agreements__both_allies_cooperating_in_an_area_sign_and_distance_lowers_the_hazard():
    m, st = world()
    none_in_force(m, st)
    ag = m.components["agreements"]
    st.month = 3
    move(st, JPN, KOR, "technology")
    st.month = 4
    move(st, KOR, JPN, "technology")
    end(m, "agreements")
    assert [(a["area"], a["signed"]) for a in ag.agreements] == [("technology", 4)]
    assert st.agreements_in_force == 1
    assert ag.hazard(1.5, 0.0) < ag.hazard(0.0, 0.0) < ag.hazard(0.0, 0.5)
    p = m.config.params.dynamics.agreements
    assert ag.hazard(1.0, 0.2) == pytest.approx(p.base_hazard * math.exp(-p.durability + 0.2 * p.opinion_sensitivity))
    st.month = 5
    move(st, JPN, KOR, "technology")
    move(st, KOR, JPN, "technology")
    end(m, "agreements")  # one agreement per area in force at a time
    assert sum(a["area"] == "technology" for a in ag.agreements) == 1


def test_agreements__off_changes_nothing():
    m, st = world(**{"mechanisms.agreements": False})
    move(st, JPN, KOR, "technology")
    move(st, KOR, JPN, "technology")
    for hook in m._end:
        hook(st)
    assert m.agreements == [] and st.agreements_in_force == 0


# History flare-ups, leader turnover, scheduled events ----------------------------------------
def test_history_flareups__a_flareup_is_a_protest_between_the_allies_that_sours_both_publics():
    m, st = world(**{"dynamics.history.base_rate": 1.0, "mechanisms.scheduled_events": False})
    a, b = rel(st, "opinion", JPN, KOR), rel(st, "opinion", KOR, JPN)
    st.month = 1
    m.components["history_flareups"].on_events(st)
    (row,) = st.event_log
    assert row[-1] == "history_flareup" and {row[2], row[3]} == {"JPN", "KOR"} and MOVES[row[4]].kind == "protest"
    assert rel(st, "opinion", JPN, KOR) < a and rel(st, "opinion", KOR, JPN) < b


def test_history_flareups__off_changes_nothing():
    m, _ = world(**{"dynamics.history.base_rate": 1.0, "mechanisms.history_flareups": False,
                    "mechanisms.scheduled_events": False})
    for _ in range(6):
        m.step()
    assert not any(e[-1] == "history_flareup" for e in m.event_log)


def test_leader_turnover__an_election_replaces_the_leader():
    m, st = world("leader_turnover")
    el = m.config.params.elections[0]
    comp = m.components["leader_turnover"]
    month = next(k for k, els in comp.schedule.items() if el in els)
    st.month = month
    comp.on_events(st)
    i = st.codes.index(el.state)
    assert st.leaders[i].name in {c.name for c in el.candidates}
    assert m.leader_log[-1][2:] == (el.state, st.leaders[i].name, "election")


def test_leader_turnover__off_changes_nothing():
    m, st = world("leader_turnover", **{"mechanisms.leader_turnover": False})
    before = list(st.leaders)
    m.run()
    assert all(how == "scheduled" for *_, how in m.leader_log)  # only dated leader changes, if any
    changed = {code for _, _, code, *_ in m.leader_log}
    kept = [i for i in range(st.n) if st.codes[i] not in changed]
    assert kept and [st.leaders[i].name for i in kept] == [before[i].name for i in kept]
    on = ThawModel("leader_turnover", rng=0).run()  # the same seed with elections: someone is replaced
    assert any(how == "election" for *_, how in on.leader_log)


def _new_leader(st, i: int, stance: float):
    from model.schema import Leader

    st.set_leader(i, Leader.model_construct(**{**st.leaders[i].model_dump(), "name": "new", "history_stance": stance}),
                  "test")


def test_leader_cue__a_new_leaders_stance_moves_its_own_publics_level_of_the_other_ally():
    """level += leader_cue · (old stance − new stance) for the leader's own public's view of the
    other ally; the reading follows only through the opinion mechanism's relaxation."""
    m, st = world()
    cue = m.config.params.dynamics.opinion.leader_cue
    comp = m.components["leader_cue"]
    old = st.leaders[KOR].history_stance
    level = rel(st, "opinion_level", KOR, JPN)
    levels = st.relations.matrix("opinion_level")
    opinion = rel(st, "opinion", KOR, JPN)
    _new_leader(st, KOR, old - 0.5)  # a leader who plays the past down
    comp.on_events(st)
    assert cue > 0 and rel(st, "opinion_level", KOR, JPN) == pytest.approx(level + cue * 0.5)
    assert rel(st, "opinion", KOR, JPN) == opinion  # the level moved, not the reading
    changed = [(i, j) for i in range(4) for j in range(4) if st.relations.matrix("opinion_level")[i][j] != levels[i][j]]
    assert changed == [(KOR, JPN)]  # only Korea's public, only of Japan
    comp.on_events(st)  # the same leader next month cues nothing more
    assert rel(st, "opinion_level", KOR, JPN) == pytest.approx(level + cue * 0.5)
    level_j = rel(st, "opinion_level", JPN, KOR)
    _new_leader(st, JPN, st.leaders[JPN].history_stance + 0.2)  # a revisionist: Japan's public cools on Korea
    comp.on_events(st)
    assert rel(st, "opinion_level", JPN, KOR) == pytest.approx(level_j - cue * 0.2)
    _new_leader(st, CHN, 0.0)  # the rival's and the patron's leaders cue no allied public
    _new_leader(st, USA, 1.0)
    before = st.relations.matrix("opinion_level")
    comp.on_events(st)
    assert st.relations.matrix("opinion_level") == before


def test_leader_cue__levels_stay_within_0_and_100():
    m, st = world(**{"dynamics.opinion.leader_cue": 50.0})
    comp = m.components["leader_cue"]
    _new_leader(st, KOR, st.leaders[KOR].history_stance - 1.0 if st.leaders[KOR].history_stance >= 1.0 else 0.0)
    st.relations.set("opinion_level", KOR, JPN, 99.0)
    comp.on_events(st)
    assert rel(st, "opinion_level", KOR, JPN) == 100.0
    _new_leader(st, KOR, 1.0)
    st.relations.set("opinion_level", KOR, JPN, 1.0)
    comp.on_events(st)
    assert rel(st, "opinion_level", KOR, JPN) == 0.0


def test_leader_cue__off_changes_nothing():
    m, st = world(**{"mechanisms.leader_cue": False, "mechanisms.norms": False})  # the norms move levels too
    before = st.relations.matrix("opinion_level")
    _new_leader(st, KOR, 0.0)
    for hook in m._events:
        hook(st)
    assert st.relations.matrix("opinion_level") == before


def test_norms__each_allied_public_closes_the_rate_share_of_its_gap_to_its_norm():
    """level ← level + rate · (norm − level) for each ally's view of the other ally, monthly; a
    public below its norm rises, one above it falls, and no other level moves."""
    m, st = world(**{"dynamics.norms.rate": 0.1, "dynamics.norms.level.KOR": 60.0, "dynamics.norms.level.JPN": 20.0})
    comp = m.components["norms"]
    st.relations.set("opinion_level", KOR, JPN, 30.0)
    st.relations.set("opinion_level", JPN, KOR, 40.0)
    before, reading = st.relations.matrix("opinion_level"), st.relations.matrix("opinion")
    comp.on_events(st)
    assert rel(st, "opinion_level", KOR, JPN) == pytest.approx(30.0 + 0.1 * 30.0)  # rises toward 60
    assert rel(st, "opinion_level", JPN, KOR) == pytest.approx(40.0 - 0.1 * 20.0)  # falls toward 20
    changed = {(i, j) for i in range(4) for j in range(4) if st.relations.matrix("opinion_level")[i][j] != before[i][j]}
    assert changed == {(KOR, JPN), (JPN, KOR)}
    assert st.relations.matrix("opinion") == reading  # the level moved, not the reading
    for _ in range(400):  # a geometric approach: it reaches the norm and never passes it
        comp.on_events(st)
        assert rel(st, "opinion_level", KOR, JPN) <= 60.0 and rel(st, "opinion_level", JPN, KOR) >= 20.0
    assert rel(st, "opinion_level", KOR, JPN) == pytest.approx(60.0, abs=1e-6)
    assert rel(st, "opinion_level", JPN, KOR) == pytest.approx(20.0, abs=1e-6)


def test_norms__the_drift_is_slow_beside_the_readings_relaxation():
    """The order of size docs/model.md states: at the shipped rate a gap closes over years, while
    the opinion mechanism's relaxation closes a reading's gap to its level within about two years."""
    p = load_scenario("baseline").params.dynamics
    assert 0.0 < p.norms.rate < p.opinion.relaxation
    assert (1.0 - p.norms.rate) ** 24 > 0.5  # less than half of a gap closes in two years


def test_norms__a_public_without_a_norm_does_not_drift_and_the_switch_off_changes_nothing():
    from model.components.norms import Norms

    m, st = world(**{"dynamics.norms.rate": 0.5})
    d = st.params.dynamics
    st.params = st.params.model_copy(update={"dynamics": d.model_copy(update={
        "norms": d.norms.model_copy(update={"level": {"JPN": 20.0}})})})  # Korea's public has no norm
    before = st.relations.matrix("opinion_level")
    Norms(st).on_events(st)
    assert rel(st, "opinion_level", KOR, JPN) == before[KOR][JPN]
    assert rel(st, "opinion_level", JPN, KOR) == pytest.approx(before[JPN][KOR] + 0.5 * (20.0 - before[JPN][KOR]))
    m, st = world(**{"mechanisms.norms": False, "dynamics.norms.rate": 0.5})
    before = st.relations.matrix("opinion_level")
    for hook in m._events:
        hook(st)
    assert st.relations.matrix("opinion_level") == before
    assert "norms" not in [h.__self__.name for h in m._events]


def test_scheduled_events__dated_moves_happen_in_their_month():
    m, st = world("china_coerces_japan", **{"mechanisms.history_flareups": False})
    comp = m.components["scheduled_events"]
    month = min(comp.schedule)
    st.month = month
    comp.on_events(st)
    assert [e[-1] for e in st.event_log] == ["scheduled"] * len(st.event_log) and st.event_log


def test_scheduled_events__off_changes_nothing():
    m, _ = world("china_coerces_japan", **{"mechanisms.scheduled_events": False})
    m.run()
    assert not any(e[-1] == "scheduled" for e in m.event_log)


# Decision ------------------------------------------------------------------------------------
def test_decision__utilities_follow_relations_threat_capital_and_doctrine():
    m, st = world()
    d = m.components["decision"]
    w = m.config.params.decision
    kinds = [o.kind for o in options_for(st.roles, JPN, KOR, True, tuple(w.base.items()), tuple(w.capital_cost.items()))]
    assert kinds == [o.kind for o in d.plans[JPN][KOR - 1][4]]
    u0 = d.utilities(JPN, KOR)
    st.relations.set("affinity", JPN, KOR, rel(st, "affinity", JPN, KOR) + 0.5)
    u1 = d.utilities(JPN, KOR)
    g = {o.kind: o.g for o in d.plans[JPN][KOR - 1][4]}
    for k, a, b in zip(kinds, u0, u1, strict=True):  # affinity favours moves of positive Goldstein sign
        assert b - a == pytest.approx(w.w_affinity * 0.5 * g[k])
    assert u1[kinds.index("cooperate")] > u0[kinds.index("cooperate")] and u1[kinds.index("protest")] < u0[kinds.index("protest")]
    st.relations.set("memory", JPN, KOR, -1.0)  # remembered hostility: tit for tat
    u2 = d.utilities(JPN, KOR)
    assert u2[kinds.index("protest")] > u1[kinds.index("protest")]
    st.relations.set("threat", JPN, CHN, 0.9)
    st.relations.set("threat", KOR, CHN, 0.9)  # a shared threat draws the allies together
    u3 = d.utilities(JPN, KOR)
    assert u3[kinds.index("cooperate")] > u2[kinds.index("cooperate")]
    st.capital[JPN] = 0.05
    st.relations.set("opinion", JPN, KOR, 10.0)
    u4 = d.utilities(JPN, KOR)
    st.capital[JPN] = 1.0
    u5 = d.utilities(JPN, KOR)
    assert u4[kinds.index("cooperate")] < u5[kinds.index("cooperate")]  # no capital, no unpopular cooperation
    co = m.components["coercion"]
    ck = [o.kind for o in d.plans[CHN][JPN][4]]
    c0 = d.utilities(CHN, JPN)[ck.index("coerce_econ")]
    co.provocation[JPN] = 3.0
    c1 = d.utilities(CHN, JPN)[ck.index("coerce_econ")]
    lev = rel(st, "exposure", JPN, CHN) / m.config.params.states.CHN.doctrine.leverage_scale
    assert c1 - c0 == pytest.approx(m.config.params.states.CHN.doctrine.sensitivity * 3.0 * lev) and c1 > c0


def test_decision__logit_choice_follows_utility_and_holds_at_minus_infinity():
    m, st = world(**{"decision.rationality": 5.0, "mechanisms.scheduled_events": False,
                     "mechanisms.history_flareups": False})
    d = m.components["decision"]
    base = {k: -50.0 for k in m.config.params.decision.base}
    d.plans = [[(p[0], p[1], p[2], p[3], tuple(o._replace(base=base[o.kind]) for o in p[4]), p[5]) for p in plans]
               for plans in d.plans]
    for s in range(4):
        d.decide(s)
    assert st.event_log == []  # every option far below holding: nobody moves
    d.plans = [[(p[0], p[1], p[2], p[3], tuple(o._replace(base=50.0 if o.kind == "reassure" else -50.0) for o in p[4]), p[5])
                for p in plans] for plans in d.plans]
    for s in range(4):
        d.decide(s)
    assert len(st.event_log) == 12 and all(MOVES[e[4]].kind == "reassure" for e in st.event_log)


# Rupture -------------------------------------------------------------------------------------
def test_rupture__the_four_parts_of_2019_within_the_window_make_a_rupture():
    """A trade measure, a security move, an agreement broken and a fall of opinion, all within
    rupture.months: a rupture. Any three alone: none. Outside the window: none."""
    m, st = world()
    p = m.config.params.dynamics.rupture
    r = m.components["rupture"]

    def month(k):
        st.month = k
        r.on_measure(st, st.out)
        return st.out["rupture"]

    assert not month(1)
    move(st, JPN, KOR, "export_controls")  # trade
    assert not month(2)
    move(st, KOR, JPN, "radar_lock")  # security
    assert not month(3)
    st.relations.set("opinion", KOR, JPN, rel(st, "opinion", KOR, JPN) - p.opinion_drop - 1)
    assert not month(4)  # no agreement broken yet
    move(st, KOR, JPN, "downgrade_ties")  # the GSOMIA notice: security and a break
    assert month(5) and r.rupture_month == 5 and r.starts == [5]
    assert month(6) and r.starts == [5]  # still ruptured, not a new start
    assert not month(5 + p.months + 1)  # the trade measure has left the window
    us = 0.5 * sum(rel(st, "affinity", a, b) for a, b in ((JPN, USA), (USA, JPN), (KOR, USA), (USA, KOR)))
    assert st.out["trilateral_cohesion"] == pytest.approx((us * st.credibility + st.out["jk_affinity"]) / 3)


def test_rupture__an_opinion_fall_short_of_opinion_drop_is_no_rupture():
    m, st = world(**{"mechanisms.opinion": False})  # the moves must not move opinion themselves here
    p = m.config.params.dynamics.rupture
    r = m.components["rupture"]
    st.month = 1
    r.on_measure(st, st.out)
    for name in ("export_controls", "radar_lock", "downgrade_ties"):
        move(st, JPN, KOR, name)
    st.relations.set("opinion", KOR, JPN, rel(st, "opinion", KOR, JPN) - p.opinion_drop + 0.5)
    st.month = 2
    r.on_measure(st, st.out)
    assert not st.out["rupture"] and r.rupture_month is None
    st.relations.set("opinion", KOR, JPN, rel(st, "opinion", KOR, JPN) - 1.0)
    st.month = 3
    r.on_measure(st, st.out)
    assert st.out["rupture"] and r.rupture_month == 3


def test_rupture__an_agreement_lapsing_counts_as_the_break():
    m, st = world()
    p = m.config.params.dynamics.rupture
    r = m.components["rupture"]
    st.month = 1
    r.on_measure(st, st.out)
    move(st, JPN, KOR, "export_controls")
    move(st, KOR, JPN, "radar_lock")
    st.relations.set("opinion", JPN, KOR, rel(st, "opinion", JPN, KOR) - p.opinion_drop)
    st.agreements_in_force -= 1  # GSOMIA lapsed at this month's end
    st.month = 2
    r.on_measure(st, st.out)
    assert st.out["rupture"]


def test_rupture__cooperation_index_sums_twelve_months_of_allied_goldstein():
    m, st = world()
    r = m.components["rupture"]
    for month in range(1, 15):
        st.month = month
        move(st, JPN, KOR, "summit")
        move(st, CHN, KOR, "summit")  # not between the allies: not counted
        r.on_measure(st, st.out)
    assert st.out["jk_cooperation"] == pytest.approx(12 * GOLDSTEIN[MOVES["summit"].cameo_code])


def test_decision__relations_follow_the_roles():
    from model.components.decision import (
        ALLY_TO_PATRON,
        ALLY_TO_RIVAL,
        FELLOW_ALLY,
        OTHER,
        PATRON_TO_ALLY,
        PATRON_TO_RIVAL,
        RIVAL_TO_ANY,
        relation_of,
    )
    from model.roles import Roles

    r = Roles.build(("JPN", "KOR", "CHN", "USA", "TWN"))
    TWN = 4
    expected = {(JPN, KOR): FELLOW_ALLY, (KOR, JPN): FELLOW_ALLY, (JPN, USA): ALLY_TO_PATRON,
                (KOR, CHN): ALLY_TO_RIVAL, (USA, CHN): PATRON_TO_RIVAL, (USA, KOR): PATRON_TO_ALLY,
                (CHN, JPN): RIVAL_TO_ANY, (CHN, TWN): RIVAL_TO_ANY, (JPN, TWN): OTHER, (USA, TWN): OTHER,
                (TWN, JPN): OTHER, (TWN, CHN): OTHER}
    assert {k: relation_of(r, *k) for k in expected} == expected
    m, st = world()
    d = m.components["decision"]
    assert [p[3] for p in d.plans[JPN]] == [FELLOW_ALLY, ALLY_TO_RIVAL, ALLY_TO_PATRON]
    assert [p[0] for p in d.plans[JPN]] == [KOR, CHN, USA] and all(p[5] == CHN for p in d.plans[JPN])
    assert d.plans[JPN][0][2] == ((JPN * 4 + CHN, KOR * 4 + CHN), (JPN * 4 + USA, KOR * 4 + USA))


def test_decision__alliance_terms_follow_credibility_and_commitment():
    m, st = world()
    d = m.components["decision"]
    w = m.config.params.decision.w_alliance
    ku = [o.kind for o in d.plans[JPN][2][4]]  # JPN -> USA
    a = d.utilities(JPN, USA)[ku.index("cooperate")]
    st.credibility += 0.1
    assert d.utilities(JPN, USA)[ku.index("cooperate")] - a == pytest.approx(w * 2 * 0.1)
    kp = [o.kind for o in d.plans[USA][0][4]]  # USA -> JPN
    b = d.utilities(USA, JPN)[kp.index("cooperate")]
    st.commitment -= 0.1
    assert d.utilities(USA, JPN)[kp.index("cooperate")] - b == pytest.approx(-w * 2 * 0.1)
    kc = [o.kind for o in d.plans[USA][2][4]]  # USA -> CHN: hawkishness favours protest
    st.leaders[USA] = st.leaders[USA].model_copy(update={"hawkishness": 0.0})
    p0 = d.utilities(USA, CHN)[kc.index("protest")]
    st.leaders[USA] = st.leaders[USA].model_copy(update={"hawkishness": 1.0})
    assert d.utilities(USA, CHN)[kc.index("protest")] - p0 == pytest.approx(m.config.params.decision.w_hawkishness)
    st.agreements_in_force = 2  # agreements in force draw the allies together
    kk = [o.kind for o in d.plans[JPN][0][4]]
    c0 = d.utilities(JPN, KOR)[kk.index("cooperate")]
    st.agreements_in_force = 3
    assert d.utilities(JPN, KOR)[kk.index("cooperate")] - c0 == pytest.approx(m.config.params.decision.w_agreement)


def test_summaries__each_component_reports_its_part_of_the_run_summary():
    m = ThawModel("china_coerces_japan", rng=6).run()
    s = m.summary()
    assert s["coercion_episodes"] == len(m.episodes) >= 1
    assert s["coercion_backfired"] == sum(1 for e in m.episodes if e["backfired"])
    assert s["agreements_formed"] == sum(1 for a in m.agreements if a["signed"] > 0)  # not GSOMIA, in force at the start
    assert m.agreements[0]["signed"] == 0 and m.agreements[0]["area"] == "intelligence_sharing"
    r = m.components["rupture"]
    assert s["months_to_rupture"] == r.rupture_month and s["thaw_survived"] == (r.rupture_month is None)
    assert s["ruptures"] == len(r.starts)
    assert s["moves"] == len(m.event_log) and s["months"] == 60 and s["scenario"] == "china_coerces_japan"
    assert list(s)[:9] == ["scenario", "months", "thaw_survived", "months_to_rupture", "ruptures",
                           "coercion_episodes", "coercion_backfired", "agreements_formed", "moves"]


def _event(st, **fields):
    from model.schema import Event

    return Event.model_validate({"date": "2025-11", "ref": "test", **fields})


def test_scheduled_events__each_kind_does_what_it_says():
    from model.components.scheduled_events import DOMESTIC_CRISIS_CAPITAL

    m, st = world()
    se = m.components["scheduled_events"]
    st.capital[KOR] = 0.9
    se.apply(st, _event(st, source="KOR", kind="domestic_crisis"))
    assert st.capital[KOR] == pytest.approx(0.9 + DOMESTIC_CRISIS_CAPITAL) and DOMESTIC_CRISIS_CAPITAL < 0
    se.apply(st, _event(st, source="KOR", kind="domestic_crisis", delta=-0.9))
    assert st.capital[KOR] == 0.0  # clipped
    se.apply(st, _event(st, source="JPN", kind="shock", variable="political_capital", delta=0.3))
    assert st.capital[JPN] == pytest.approx(min(1.0, m.config.params.states.JPN.political_capital + 0.3))
    c = st.credibility
    se.apply(st, _event(st, source="USA", kind="shock", variable="us_credibility", delta=-0.25))
    assert st.credibility == pytest.approx(c - 0.25)
    se.apply(st, _event(st, source="JPN", kind="leader_change",
                        leader={"name": "X", "ideology": 0.0, "hawkishness": 0.1, "history_stance": 0.2}))
    assert st.leaders[JPN].name == "X" and m.leader_log[-1][2:] == ("JPN", "X", "scheduled")
    se.apply(st, _event(st, source="CHN", target="JPN", kind="coerce", move="import_ban", intensity=0.5,
                        cameo_code="172"))
    row = st.event_log[-1]
    assert row[2:] == ("CHN", "JPN", "import_ban", "172", GOLDSTEIN["172"], 0.5, "scheduled")
    o = rel(st, "opinion", KOR, JPN), rel(st, "opinion", JPN, KOR)
    se.apply(st, _event(st, source="KOR", target="JPN", kind="history"))
    op = m.config.params.dynamics.opinion
    shock, share = op.history_shock, op.history_sensitivity
    assert 0 < share["KOR"] < 1
    assert rel(st, "opinion", KOR, JPN) == pytest.approx(o[0] - shock * share["KOR"] * o[0] / 50.0)  # its share, room-scaled
    # the target public: the move and its whole shock
    assert rel(st, "opinion", JPN, KOR) < o[1] - shock * share.get("JPN", 1.0) * o[1] / 50.0 + 1e-9
    assert st.event_log[-1][4] == "history_dispute"  # a history event without a move: the default


def test_scheduled_events__switches_elsewhere_are_respected():
    m, st = world(**{"mechanisms.coercion": False, "mechanisms.us_credibility": False})
    se = m.components["scheduled_events"]
    se.apply(st, _event(st, source="CHN", target="JPN", kind="coerce", move="import_ban"))
    c = st.credibility
    se.apply(st, _event(st, source="USA", kind="shock", variable="us_credibility", delta=-0.25))
    assert st.event_log == [] and st.credibility == c


class _Draws:
    """A stand-in for the model's generator that returns chosen numbers (choices: the first)."""

    def __init__(self, value: float):
        self.value = value

    def random(self) -> float:
        return self.value

    def choices(self, population, weights=None):
        return [population[0]]


def test_history_flareups__rate_rises_with_the_mean_history_stance():
    m, st = world(**{"dynamics.history.base_rate": 0.1, "dynamics.history.stance_scale": 2.0})
    fl = m.components["history_flareups"]
    st.leaders[JPN] = st.leaders[JPN].model_copy(update={"history_stance": 0.6})
    st.leaders[KOR] = st.leaders[KOR].model_copy(update={"history_stance": 0.2})
    rate = 0.1 * (1.0 + 2.0 * 0.5 * (0.6 + 0.2))  # 0.18
    for draw, happens in ((rate - 1e-9, True), (rate + 1e-9, False)):
        st.random = _Draws(draw)
        n = len(st.event_log)
        fl.on_events(st)
        assert (len(st.event_log) > n) == happens, draw
    assert st.event_log[-1][2:5] == ("JPN", "KOR", "shrine_visit")  # the first kind, driven by Japan's leader


def test_opinion__history_shock_follows_the_allies_whoever_they_are():
    from model.components.opinion import history_shock
    from model.roles import Roles

    m, st = world()
    st.roles = Roles.build(st.codes, ("KOR", "USA"), "JPN", "CHN")  # a recast: Korea and the US as the allies
    before = st.relations.matrix("opinion")
    history_shock(st, 1.0)
    after = st.relations.matrix("opinion")
    shock = m.config.params.dynamics.opinion.history_shock
    changed = {(i, j) for i in range(4) for j in range(4) if after[i][j] != before[i][j]}
    assert changed == {(KOR, USA), (USA, KOR)}
    share = m.config.params.dynamics.opinion.history_sensitivity.get("KOR", 1.0)
    assert after[KOR][USA] == pytest.approx(before[KOR][USA] - shock * share * before[KOR][USA] / 50.0)
    assert after[USA][KOR] == pytest.approx(before[USA][KOR] - shock * before[USA][KOR] / 50.0)  # none given: 1


def test_coercion__the_trigger_names_a_red_line_only_above_the_threshold():
    m, st = world()
    co = m.components["coercion"]
    d = m.config.params.states.CHN.doctrine
    co.last_red_line[JPN] = "taiwan_statement"
    co.provocation[JPN] = d.threshold
    assert co.choose(st, JPN, "coerce_mil", ("force_posture",))[2] == "doctrine"
    co.provocation[JPN] = d.threshold + 1e-6
    assert co.choose(st, JPN, "coerce_mil", ("force_posture",))[2] == "red_line:taiwan_statement"


def test_hedging__a_zero_threshold_means_no_hedging():
    m, _ = world(**{"dynamics.hedging.threshold": 0.0})
    assert m.components["hedging"].pressure(0.0) == 0.0


def test_trade__losses_add_up_over_cuts_and_coercers():
    m, st = world()
    tr = m.components["trade"]
    p = m.config.params.dynamics.trade
    move(st, CHN, KOR, "tourism_discouragement")
    move(st, CHN, KOR, "import_ban")
    move(st, JPN, KOR, "export_controls")
    E = st.relations
    share = {ch: p.channels[ch].share * p.channels[ch].bite for ch in ("tourism", "seafood", "inputs")}
    loss = tr.losses(st)
    assert loss[KOR] == pytest.approx(E.get("exposure", KOR, CHN) * (share["tourism"] + share["seafood"])
                                      + E.get("exposure", KOR, JPN) * share["inputs"])
    assert loss[CHN] == pytest.approx(E.get("exposure", CHN, KOR) * (share["tourism"] + share["seafood"])
                                      * p.coercer_cost_ratio)
    assert loss[JPN] == pytest.approx(E.get("exposure", JPN, KOR) * share["inputs"] * p.coercer_cost_ratio)


def test_scheduled_events__a_given_crisis_delta_is_used():
    m, st = world()
    st.capital[KOR] = 0.9
    m.components["scheduled_events"].apply(st, _event(st, source="KOR", kind="domestic_crisis", delta=-0.1))
    assert st.capital[KOR] == pytest.approx(0.8)


def test_rupture__the_summary_names_the_month_of_the_first_rupture():
    m = ThawModel("hindcast_2013_2025", rng=0).run()
    out = m.outcomes()
    assert out["rupture"].any()
    first = int(out.index[out["rupture"]][0]) + 1
    assert m.summary()["months_to_rupture"] == first and not m.summary()["thaw_survived"]


def test_history_flareups__kinds_are_weighted_by_their_drivers_stance():
    m, st = world(**{"dynamics.history.base_rate": 1.0})
    seen = {}

    class Recorder(_Draws):
        def choices(self, population, weights=None):
            seen["weights"] = weights
            return [population[2]]

    st.leaders[JPN] = st.leaders[JPN].model_copy(update={"history_stance": 0.5})
    st.leaders[KOR] = st.leaders[KOR].model_copy(update={"history_stance": 0.1})
    st.random = Recorder(0.0)
    m.components["history_flareups"].on_events(st)
    assert seen["weights"] == pytest.approx([0.75, 0.75, 0.35, 0.35])
    assert st.event_log[-1][2:5] == ("KOR", "JPN", "court_ruling")


@pytest.mark.parametrize(("public", "of"), [(JPN, KOR), (KOR, JPN)])
def test_opinion__history_shock_stops_at_zero_for_both_publics(public, of):
    """Room to move: a public near zero loses almost nothing more, and never goes below zero."""
    from model.components.opinion import history_shock

    m, st = world(**{"dynamics.opinion.history_shock": 49.0})
    st.relations.set("opinion", public, of, 0.5)
    history_shock(st, 1.0)
    assert 0.0 < rel(st, "opinion", public, of) < 0.5
    st.relations.set("opinion", public, of, 0.0)
    history_shock(st, 1.0)
    assert rel(st, "opinion", public, of) == 0.0


def test_scheduled_events__jumps_are_clipped_to_their_ranges():
    m, st = world()
    se = m.components["scheduled_events"]
    st.capital[KOR] = 0.9
    se.apply(st, _event(st, source="KOR", kind="shock", variable="political_capital", delta=0.3))
    assert st.capital[KOR] == 1.0
    se.apply(st, _event(st, source="KOR", kind="shock", variable="political_capital", delta=-0.4))
    assert st.capital[KOR] == pytest.approx(0.6)
    se.apply(st, _event(st, source="KOR", kind="domestic_crisis", delta=0.6))
    assert st.capital[KOR] == 1.0
    st.credibility = 0.9
    se.apply(st, _event(st, source="USA", kind="shock", variable="us_credibility", delta=0.3))
    assert st.credibility == 1.0
    se.apply(st, _event(st, source="USA", kind="shock", variable="us_credibility", delta=-1.0))
    assert st.credibility == 0.0


def test_trade__only_sanctions_relief_lifts_cuts_and_tiny_cuts_lapse():
    m, st = world()
    tr = m.components["trade"]
    move(st, CHN, JPN, "import_ban")
    move(st, CHN, JPN, "supply_chain")  # cooperation is not relief
    assert (CHN, JPN, "seafood") in tr.cuts
    move(st, CHN, KOR, "sanctions_relief")  # relief toward another state lifts nothing here
    assert (CHN, JPN, "seafood") in tr.cuts
    keep = tr.keep_of
    tr.cuts = {(CHN, JPN, "seafood"): 1.0e-4 / keep["seafood"] * 1.001,
               (CHN, KOR, "tourism"): 1.0e-4 / keep["tourism"] * 0.999}
    end(m, "trade")
    assert list(tr.cuts) == [(CHN, JPN, "seafood")]


def test_trade__a_channel_with_its_own_recovery_fades_at_its_own_pace():
    m, st = world(**{"dynamics.trade.channels.consumer.recovery_months": 6.0, "dynamics.trade.recovery_months": 30.0})
    tr = m.components["trade"]
    tr.cuts = {(KOR, JPN, "consumer"): 0.5, (CHN, JPN, "seafood"): 0.5}
    end(m, "trade")
    assert tr.cuts[(KOR, JPN, "consumer")] == pytest.approx(0.5 * math.exp(-1 / 6))
    assert tr.cuts[(CHN, JPN, "seafood")] == pytest.approx(0.5 * math.exp(-1 / 30))  # no own pace: the trade-wide one


def test_opinion__a_boycott_does_not_move_the_target_public_a_state_measure_does():
    m, st = world()
    ch = m.config.params.dynamics.trade.channels
    before = rel(st, "opinion", JPN, KOR)
    move(st, KOR, JPN, "boycott")
    assert ch["consumer"].grievance == 0 and rel(st, "opinion", JPN, KOR) == before
    move(st, KOR, JPN, "export_controls")
    assert ch["inputs"].grievance > 0 and rel(st, "opinion", JPN, KOR) < before


def test_decision__extreme_rationality_takes_the_overflow_path_and_still_picks_the_best():
    m, st = world(**{"decision.rationality": 100.0})
    d = m.components["decision"]
    d.plans = [[(p[0], p[1], p[2], p[3], tuple(o._replace(base=50.0 if o.kind == "reassure" else -50.0) for o in p[4]), p[5])
                for p in plans] for plans in d.plans]
    with pytest.raises(OverflowError):
        math.exp(100.0 * max(d.utilities(JPN, KOR)))
    for s in range(4):
        d.decide(s)
    assert len(st.event_log) == 12 and all(MOVES[e[4]].kind == "reassure" for e in st.event_log)


def test_opinion__favourability_stays_within_0_and_100():
    m, st = world(**{"dynamics.opinion.response": 50.0, "dynamics.opinion.negativity": 10.0})
    st.relations.set("opinion", JPN, CHN, 0.5)
    move(st, CHN, JPN, "import_ban")
    assert rel(st, "opinion", JPN, CHN) == 0.0
    st.relations.set("opinion", KOR, JPN, 99.9)
    move(st, JPN, KOR, "formal_agreement")
    assert 99.9 < rel(st, "opinion", KOR, JPN) <= 100.0  # room to move: a rise saturates below the bound


def test_decision__hedging_toward_the_rival_and_the_cost_of_attacking_the_liked():
    m, st = world()
    d = m.components["decision"]
    w, mix = m.config.params.decision, m.config.params.dynamics.hedging.mix
    kc = [o.kind for o in d.plans[JPN][1][4]]  # JPN -> CHN
    st.hedge = 0.0
    u0 = d.utilities(JPN, CHN)
    st.hedge = 1.0
    u1 = d.utilities(JPN, CHN)
    assert u1[kc.index("cooperate")] - u0[kc.index("cooperate")] == pytest.approx(w.w_hedging * (1 - mix))
    assert u1[kc.index("protest")] - u0[kc.index("protest")] == pytest.approx(-w.w_hedging * (1 - mix))
    ku = [o.kind for o in d.plans[JPN][2][4]]  # JPN -> USA, a liked state
    st.relations.set("opinion", JPN, USA, 80.0)
    st.capital[JPN] = 1.0
    p1 = d.utilities(JPN, USA)[ku.index("protest")]
    st.capital[JPN] = 0.5
    p2 = d.utilities(JPN, USA)[ku.index("protest")]
    cost = w.capital_cost["protest"]
    assert p1 - p2 == pytest.approx(cost * (w.w_capital / 0.5 - w.w_capital / 1.0) * (80 - 50) / 50) and p2 < p1


def test_coercion__monthly_tallies_sum_intensities_and_reset():
    m, st = world()
    co = m.components["coercion"]
    move(st, CHN, JPN, "import_ban", 0.5)
    move(st, CHN, KOR, "radar_lock", 0.25)
    co.on_measure(st, st.out)
    assert st.out["china_coercion"] == 2 and st.out["china_coercion_intensity"] == pytest.approx(0.75)
    co.on_measure(st, st.out)
    assert st.out["china_coercion"] == 0 and st.out["china_coercion_intensity"] == 0.0


def test_coercion__episodes_record_where_they_start_and_are_judged_after_a_year():
    from model.components.coercion import BACKFIRE_HORIZON

    m, st = world()
    co = m.components["coercion"]
    st.month = 1
    move(st, CHN, JPN, "import_ban")
    st.month = 14
    move(st, CHN, JPN, "import_ban")
    assert [e["start"] for e in co.episodes] == [1, 14]
    assert co.episodes[1]["affinity_start"] == rel(st, "affinity", JPN, KOR)
    st.relations.set("affinity", JPN, KOR, co.episodes[0]["affinity_start"] - 0.1)
    st.month = 1 + BACKFIRE_HORIZON - 1
    co.on_measure(st, st.out)
    assert co.episodes[0]["backfired"] is None  # not yet a year
    st.month = 1 + BACKFIRE_HORIZON
    co.on_measure(st, st.out)
    assert co.episodes[0]["backfired"] is False and co.episodes[1]["backfired"] is None


def test_coercion__a_zero_weight_is_no_red_line():
    m, st = world(**{"states.CHN.doctrine.red_lines.taiwan_statement": 0.0})
    co = m.components["coercion"]
    move(st, JPN, CHN, "taiwan_statement")
    assert co.provocation[JPN] == 0.0 and co.last_red_line[JPN] == ""


def test_measures__outcome_columns_read_the_right_cells():
    from model.roles import Roles

    m, st = world()
    move(st, CHN, KOR, "tourism_discouragement")
    move(st, JPN, USA, "export_controls")
    m._measure_month()
    out, tr = st.out, m.components["trade"]
    loss = tr.losses(st)
    assert (out["trade_loss_jpn"], out["trade_loss_kor"], out["trade_loss_chn"], out["trade_loss_usa"]) == \
        (loss[JPN], loss[KOR], loss[CHN], loss[USA])
    assert out["kor_threat_chn"] == rel(st, "threat", KOR, CHN) and out["jpn_threat_chn"] == rel(st, "threat", JPN, CHN)
    assert out["kor_threat_chn"] != out["jpn_threat_chn"]
    st.roles = Roles.build(st.codes, ("KOR", "JPN"), "USA", "CHN")  # recast: the columns follow the roles
    st.relations.set("affinity", KOR, JPN, 0.7)
    st.relations.set("affinity", JPN, KOR, -0.1)
    m.components["rupture"].on_measure(st, out)
    assert out["jk_affinity"] == pytest.approx(0.3) and out["kor_fav_jpn"] == rel(st, "opinion", JPN, KOR)


def test_rupture__month_zero_does_not_count():
    m, st = world(**{"dynamics.rupture.opinion_drop": 0.0})
    r = m.components["rupture"]
    for name in ("export_controls", "radar_lock", "downgrade_ties"):
        move(st, JPN, KOR, name)
    st.month = 0
    r.on_measure(st, st.out)
    assert r.rupture_month is None and not st.out["rupture"]  # the initial state is measured, but is not a month
    st.month = 1
    r.on_measure(st, st.out)
    assert r.rupture_month == 1


def test_agreements__both_sides_must_cooperate_within_the_window():
    m, st = world()
    none_in_force(m, st)
    ag = m.components["agreements"]
    window = m.config.params.dynamics.agreements.window
    st.month = 1
    move(st, JPN, KOR, "technology")
    end(m, "agreements")
    st.month = 1 + window
    move(st, KOR, JPN, "technology")
    end(m, "agreements")
    assert ag.agreements == []  # a window's length apart: too late
    st.month = 2 + window
    move(st, JPN, KOR, "technology")
    end(m, "agreements")
    assert [a["signed"] for a in ag.agreements] == [2 + window]


def test_decision__hedging_lowers_provoking_the_rival_and_unpopular_cooperation_costs_capital():
    m, st = world()
    d = m.components["decision"]
    w, mix = m.config.params.decision, m.config.params.dynamics.hedging.mix
    kc = [o.kind for o in d.plans[JPN][1][4]]  # JPN -> CHN
    st.hedge = 0.0
    u0 = d.utilities(JPN, CHN)
    st.hedge = 1.0
    u1 = d.utilities(JPN, CHN)
    for kind in ("align", "coerce_econ", "coerce_mil"):
        assert u1[kc.index(kind)] - u0[kc.index(kind)] == pytest.approx(-w.w_hedging * (1 - mix)), kind
    kk = [o.kind for o in d.plans[JPN][0][4]]  # JPN -> KOR, disliked
    st.relations.set("opinion", JPN, KOR, 20.0)
    st.capital[JPN] = 1.0
    c1 = d.utilities(JPN, KOR)[kk.index("cooperate")]
    st.capital[JPN] = 0.5
    c2 = d.utilities(JPN, KOR)[kk.index("cooperate")]
    assert c1 - c2 == pytest.approx(w.capital_cost["cooperate"] * (w.w_capital / 0.5 - w.w_capital) * (50 - 20) / 50)


def test_coercion__only_the_rivals_coercion_is_tallied():
    m, st = world()
    co = m.components["coercion"]
    move(st, JPN, KOR, "import_ban")
    move(st, CHN, JPN, "summit")
    move(st, USA, CHN, "boycott")
    assert co.month_count == 0 and co.episodes == []


def test_coercion__episodes_still_open_at_the_horizon_are_judged_then():
    m, st = world()
    co = m.components["coercion"]
    st.month = st.horizon - 3
    move(st, CHN, KOR, "import_ban")
    st.month = st.horizon - 1
    co.on_measure(st, st.out)
    assert co.episodes[0]["backfired"] is None
    st.month = st.horizon
    co.on_measure(st, st.out)
    assert co.episodes[0]["backfired"] is not None


def test_rupture__cooperation_index_counts_every_allied_move_and_starts_from_zero():
    m, st = world()
    r = m.components["rupture"]
    st.month = 1
    r.on_measure(st, st.out)
    assert st.out["jk_cooperation"] == 0.0
    st.month = 2
    move(st, JPN, KOR, "summit")
    move(st, KOR, JPN, "criticism")
    r.on_measure(st, st.out)
    both = GOLDSTEIN[MOVES["summit"].cameo_code] + GOLDSTEIN[MOVES["criticism"].cameo_code]
    assert st.out["jk_cooperation"] == pytest.approx(both)


def test_rupture__cohesion_follows_the_roles():
    from model.roles import Roles

    m, st = world()
    st.roles = Roles.build(st.codes, ("KOR", "USA"), "JPN", "CHN")
    r = m.components["rupture"]
    r.on_measure(st, st.out)
    A = lambda s, t: rel(st, "affinity", s, t)  # noqa: E731
    jk = 0.5 * (A(KOR, USA) + A(USA, KOR))
    ties = 0.5 * (A(KOR, JPN) + A(JPN, KOR) + A(USA, JPN) + A(JPN, USA)) * st.credibility
    assert st.out["trilateral_cohesion"] == pytest.approx((ties + jk) / 3)


def test_agreements__one_sided_cooperation_waits_for_the_other_side_within_the_window():
    m, st = world()
    none_in_force(m, st)
    ag = m.components["agreements"]
    st.month = 1
    move(st, JPN, KOR, "supply_chain")
    end(m, "agreements")
    st.month = 2
    end(m, "agreements")
    st.month = 3
    move(st, KOR, JPN, "supply_chain")
    end(m, "agreements")
    assert [a["signed"] for a in ag.agreements] == [3]


def test_affinity__the_movers_affinity_is_clipped_too():
    m, st = world()
    st.relations.set("affinity", JPN, KOR, 0.999)
    move(st, JPN, KOR, "intelligence_sharing")
    assert rel(st, "affinity", JPN, KOR) == 1.0


def test_decision__overflow_path_holds_almost_never_when_one_option_dominates():
    m, st = world(**{"decision.rationality": 100.0})
    d = m.components["decision"]
    d.plans = [[(p[0], p[1], p[2], p[3], tuple(o._replace(base=50.0 if o.kind == "reassure" else -50.0) for o in p[4]), p[5])
                for p in plans] for plans in d.plans]
    for _ in range(6):
        for s in range(4):
            d.decide(s)
    assert len(st.event_log) == 72  # hold weighs exp(-100 * top): nothing


def test_history_flareups__rate_scales_with_the_multiplier_and_is_a_probability():
    m, _ = world(**{"dynamics.history.rate_multiplier": 3.0})
    b, _ = world()
    h, base = m.components["history_flareups"], b.components["history_flareups"]
    assert h.rate([0.5, 0.5]) == pytest.approx(3.0 * base.rate([0.5, 0.5]))
    top, _ = world(**{"dynamics.history.rate_multiplier": 20.0, "dynamics.history.base_rate": 1.0})
    assert top.components["history_flareups"].rate([1.0, 1.0]) == 1.0  # capped: it is a monthly probability


# Disputes ------------------------------------------------------------------------------------
def test_disputes__a_measure_offends_the_target_by_its_weight_and_the_leaders_stance():
    """D[s,t] += escalation · stance_s · |G|/10 · i · (1 − D) for a coercive move from t; words do
    not count; the answering side spends the share relief of its own dispute."""
    m, st = world()
    p = m.config.params.dynamics.dispute
    stance = st.leaders[KOR].history_stance
    move(st, JPN, KOR, "export_controls", 0.5)
    d1 = p.escalation * stance * -g10("export_controls") * 0.5
    assert 0 < d1 < 1 and rel(st, "dispute", KOR, JPN) == pytest.approx(d1)
    assert rel(st, "dispute", JPN, KOR) == 0.0
    move(st, JPN, KOR, "criticism")  # routine words: nothing
    assert rel(st, "dispute", KOR, JPN) == pytest.approx(d1)
    move(st, CHN, KOR, "import_ban")  # only between the two allies
    assert rel(st, "dispute", KOR, CHN) == 0.0
    move(st, KOR, JPN, "boycott")  # Korea answers: Japan is offended, Korea's own grievance is spent
    assert rel(st, "dispute", KOR, JPN) == pytest.approx(d1 * (1 - p.relief))
    sj = st.leaders[JPN].history_stance
    assert rel(st, "dispute", JPN, KOR) == pytest.approx(min(1.0, p.escalation * sj * -g10("boycott")))
    end(m, "disputes")
    assert rel(st, "dispute", KOR, JPN) == pytest.approx(d1 * (1 - p.relief) * p.retention)


def test_disputes__saturate_below_one_and_a_harder_stance_escalates_faster():
    m, st = world(**{"states.KOR.leader.history_stance": 1.0})
    for _ in range(20):
        move(st, JPN, KOR, "export_controls")
    assert 0.99 < rel(st, "dispute", KOR, JPN) <= 1.0
    soft, _ = world(**{"states.KOR.leader.history_stance": 0.2})
    hard, _ = world(**{"states.KOR.leader.history_stance": 0.9})
    for w in (soft, hard):
        move(w.state, JPN, KOR, "export_controls")
    assert rel(soft.state, "dispute", KOR, JPN) < rel(hard.state, "dispute", KOR, JPN)


def test_disputes__a_history_flareup_offends_the_other_ally():
    from model.components.disputes import history_offence

    m, st = world()
    p = m.config.params.dynamics.dispute
    history_offence(st, KOR, JPN, 1.0)  # a Korean court ruling offends Japan
    assert rel(st, "dispute", JPN, KOR) == pytest.approx(p.flareup * st.leaders[JPN].history_stance)
    history_offence(st, CHN, JPN, 1.0)  # not between the allies: nothing
    assert rel(st, "dispute", JPN, CHN) == 0.0
    st.random = _Draws(0.0)  # a random flare-up: the first kind, Japan's shrine visit, offends Korea
    m.components["history_flareups"].on_events(st)
    assert rel(st, "dispute", KOR, JPN) == pytest.approx(p.flareup * st.leaders[KOR].history_stance)


def test_disputes__make_coercion_of_the_other_ally_likelier_by_w_dispute():
    m, st = world()
    d = m.components["decision"]
    kinds = [o.kind for o in d.plans[JPN][0][4]]  # JPN -> KOR
    u0 = d.utilities(JPN, KOR)
    st.relations.set("dispute", JPN, KOR, 0.5)
    u1 = d.utilities(JPN, KOR)
    w = m.config.params.decision.w_dispute
    for k, a, b in zip(kinds, u0, u1, strict=True):
        assert b - a == pytest.approx(0.5 * w if k in ("coerce_econ", "coerce_mil") else 0.0), k
    before = d.utilities(JPN, CHN)  # JPN -> CHN: only a fellow ally's dispute enters
    st.relations.set("dispute", JPN, CHN, 0.9)
    assert d.utilities(JPN, CHN) == before


def test_disputes__off_changes_nothing():
    from model.components.disputes import history_offence

    m, st = world(**{"mechanisms.disputes": False})
    move(st, JPN, KOR, "export_controls")
    history_offence(st, KOR, JPN, 1.0)
    for hook in m._end:
        hook(st)
    assert sum(st.relations.dispute) == 0.0


def test_disputes__between_allies_the_coercive_tools_are_those_of_2019():
    from model.catalogue import ALLY_TOOLS, tools_for

    m, st = world()
    assert tools_for(st.roles, JPN, KOR, "coerce_econ") == ALLY_TOOLS["coerce_econ"]
    assert "downgrade_ties" in ALLY_TOOLS["coerce_econ"] and "radar_lock" in ALLY_TOOLS["coerce_mil"]
    assert "downgrade_ties" not in tools_for(st.roles, CHN, JPN, "coerce_econ")


def _rupture_world(**overrides):
    m, st = world(**{"mechanisms.opinion": False, **overrides})  # moves must not move opinion here
    r = m.components["rupture"]
    st.month = 1
    r.on_measure(st, st.out)
    return m, st, r


def _drop(st, points: float) -> None:
    st.relations.set("opinion", KOR, JPN, rel(st, "opinion", KOR, JPN) - points)


def test_rupture__each_of_the_four_parts_is_needed():
    """Security, a break and a fall without a trade measure: none; a protest is no security move."""
    p = world()[0].config.params.dynamics.rupture
    m, st, r = _rupture_world()
    move(st, KOR, JPN, "radar_lock")
    st.agreements_in_force -= 1  # a lapse: the break
    _drop(st, p.opinion_drop + 1)
    st.month = 2
    r.on_measure(st, st.out)
    assert not st.out["rupture"]  # no trade measure
    m, st, r = _rupture_world()
    move(st, JPN, KOR, "export_controls")
    move(st, KOR, JPN, "criticism")  # words, not a security move
    st.agreements_in_force -= 1
    _drop(st, p.opinion_drop + 1)
    st.month = 2
    r.on_measure(st, st.out)
    assert not st.out["rupture"]


def test_rupture__window_and_drop_boundaries():
    """A part exactly ``months`` months old has left the window; a fall of exactly ``opinion_drop``
    counts."""
    m, st, r = _rupture_world()
    p = m.config.params.dynamics.rupture
    move(st, JPN, KOR, "export_controls")  # month 1
    move(st, KOR, JPN, "downgrade_ties")
    _drop(st, p.opinion_drop)  # exactly the drop
    st.month = 2
    r.on_measure(st, st.out)
    assert st.out["rupture"]
    st.month = 1 + p.months - 1
    r.on_measure(st, st.out)
    assert st.out["rupture"]  # months - 1 old: still inside
    st.month = 1 + p.months
    r.on_measure(st, st.out)
    assert not st.out["rupture"]  # exactly months old: outside


def test_rupture__a_new_start_needs_more_than_months_quiet_months():
    m, st, r = _rupture_world()
    p = m.config.params.dynamics.rupture
    move(st, JPN, KOR, "export_controls")
    move(st, KOR, JPN, "downgrade_ties")
    _drop(st, p.opinion_drop + 1)
    st.month = 2
    r.on_measure(st, st.out)
    assert r.starts == [2]
    k = 2 + p.months  # exactly `months` after the last ruptured month: the same spell
    st.month = k
    r.last_trade = r.last_security = r.last_break = k
    r.on_measure(st, st.out)
    assert st.out["rupture"] and r.starts == [2]
    r.last_rupture_month = 2
    st.month = k + 1  # more than `months` later: a new start
    r.last_trade = r.last_security = r.last_break = k + 1
    r.on_measure(st, st.out)
    assert r.starts == [2, k + 1]


def test_disputes__both_directions_fade_and_a_flareup_scales_with_its_intensity():
    from model.components.disputes import history_offence

    m, st = world()
    p = m.config.params.dynamics.dispute
    st.relations.set("dispute", JPN, KOR, 0.5)
    st.relations.set("dispute", KOR, JPN, 0.4)
    end(m, "disputes")
    assert rel(st, "dispute", JPN, KOR) == pytest.approx(0.5 * p.retention)
    assert rel(st, "dispute", KOR, JPN) == pytest.approx(0.4 * p.retention)
    m, st = world()
    history_offence(st, KOR, JPN, 0.5)  # half a flare-up: half the salience
    assert rel(st, "dispute", JPN, KOR) == pytest.approx(p.flareup * 0.5 * st.leaders[JPN].history_stance)


def test_rupture__the_opinion_fall_is_measured_within_the_window_only():
    """A fall that happened more than ``months`` months ago no longer counts: the high reading has
    left the window of ``months`` + 1 readings."""
    m, st, r = _rupture_world()
    p = m.config.params.dynamics.rupture
    _drop(st, p.opinion_drop + 1)  # the fall, at month 1 -> 2
    for k in range(2, 2 + p.months + 1):
        st.month = k
        r.on_measure(st, st.out)
    st.month = k + 1  # the pre-fall reading is now out of the window; the other three parts arrive
    move(st, JPN, KOR, "export_controls")
    move(st, KOR, JPN, "downgrade_ties")
    r.on_measure(st, st.out)
    assert not st.out["rupture"]
    m, st, r = _rupture_world()  # the same with the fall inside the window: a rupture
    for k in range(2, 2 + p.months - 1):
        st.month = k
        r.on_measure(st, st.out)
    _drop(st, p.opinion_drop + 1)
    st.month = k + 1
    move(st, JPN, KOR, "export_controls")
    move(st, KOR, JPN, "downgrade_ties")
    r.on_measure(st, st.out)
    assert st.out["rupture"]


def test_rupture__the_window_holds_exactly_months_plus_one_readings():
    """The boundary itself: a high reading exactly ``months`` months old still counts toward the
    fall, one month older it does not (mutation testing found a window one reading longer unpinned)."""
    m, st, r = _rupture_world()  # month 1: the high reading
    p = m.config.params.dynamics.rupture
    _drop(st, p.opinion_drop + 1)
    for k in range(2, 1 + p.months):
        st.month = k
        r.on_measure(st, st.out)
        assert not st.out["rupture"]  # a fall alone
    st.month = 1 + p.months  # the high reading is `months` months old: inside
    move(st, JPN, KOR, "export_controls")
    move(st, KOR, JPN, "downgrade_ties")
    r.on_measure(st, st.out)
    assert st.out["rupture"]
    st.month = 2 + p.months  # now `months` + 1 months old: outside, though the other parts are fresh
    r.on_measure(st, st.out)
    assert not st.out["rupture"]


# Gaps that mutation testing of opinion.py and spillover.py found (docs/testing.md) -----------
def test_opinion__an_impulse_falls_by_the_room_below_rises_by_the_room_above_and_splits_by_persistence():
    from model.components.opinion import impulse

    m, st = world()
    i = KOR * st.n + JPN
    st.relations.opinion[i], st.relations.opinion_shock[i] = 30.0, 0.0
    impulse(st, i, -5.0, 0.25)
    assert st.relations.opinion[i] == pytest.approx(30.0 - 5.0 * 30.0 / 50.0)  # 27: the room below
    assert st.relations.opinion_shock[i] == pytest.approx(-3.0 * 0.75)  # the rest of the change is shock
    impulse(st, i, 5.0, 0.25)
    assert st.relations.opinion[i] == pytest.approx(27.0 + 5.0 * 73.0 / 50.0)  # the room above
    assert st.relations.opinion_shock[i] == pytest.approx(-2.25 + 5.0 * 73.0 / 50.0 * 0.75)
    before = (st.relations.opinion[i], st.relations.opinion_shock[i])
    impulse(st, i, 0.0, 0.25)  # nothing to add: nothing moves, whichever room it is scaled by
    assert (st.relations.opinion[i], st.relations.opinion_shock[i]) == before
    st.relations.opinion[i], st.relations.opinion_shock[i] = 90.0, 0.0
    impulse(st, i, 80.0, 0.0)  # 90 + 80 · 10/50 = 106: clipped, and the shock holds what did happen
    assert st.relations.opinion[i] == 100.0 and st.relations.opinion_shock[i] == pytest.approx(10.0)
    st.relations.opinion[i], st.relations.opinion_shock[i] = 10.0, 0.0
    impulse(st, i, -80.0, 0.5)  # 10 − 80 · 10/50 = −6: clipped at zero, not at one
    assert st.relations.opinion[i] == 0.0 and st.relations.opinion_shock[i] == pytest.approx(-5.0)


def test_opinion__a_move_cannot_lift_favourability_past_100():
    m, st = world(**{"dynamics.opinion.response": 50.0, "dynamics.opinion.headline": 6.0,
                     "dynamics.opinion.visibility.reassure": 1.0})
    p = m.config.params.dynamics.opinion
    assert 95.0 + 50.0 * p.visibility["reassure"] * 6.0 * g10("summit") * 5.0 / 50.0 > 100.0
    st.relations.set("opinion", KOR, JPN, 95.0)
    move(st, JPN, KOR, "summit")
    assert rel(st, "opinion", KOR, JPN) == 100.0
    st.relations.set("opinion", KOR, JPN, 5.0)
    move(st, JPN, KOR, "radar_lock")
    assert rel(st, "opinion", KOR, JPN) == 0.0


@pytest.mark.parametrize("measures", [False, True], ids=["no measures", "measures in force"])
def test_opinion__month_end_clips_below_zero_on_both_paths(measures):
    """A large positive shock over a small reading: the anchor (O − shock) is negative, and what the
    shock keeps after its decay does not cover it; favourability ends at 0, not below (both the
    quick path of months without measures and the one with them)."""
    m, st = world(**{"dynamics.opinion.relaxation": 0.0, "dynamics.opinion.grievance": 0.0 if not measures else 1.0})
    i = KOR * st.n + JPN
    keep = 0.5 ** (1 / m.config.params.dynamics.opinion.shock_half_life)
    st.relations.opinion[i], st.relations.opinion_shock[i] = 0.5, 30.0
    if measures:
        st.relations.measures[JPN * st.n + CHN] = 0.5  # somebody's measures in force, not Korea's toward Japan
    assert 0.5 - 30.0 + 30.0 * keep < 0
    end(m, "opinion")
    assert st.relations.opinion[i] == 0.0
    assert st.relations.opinion_shock[i] == pytest.approx(30.0 * keep)


def test_opinion__grievance_drains_while_measures_stand_in_proportion_to_the_share_cut():
    m, st = world(**{"dynamics.opinion.grievance": 2.0})
    p = m.config.params.dynamics.opinion
    keep = 0.5 ** (1 / p.shock_half_life)
    i = KOR * st.n + JPN
    st.relations.opinion[i], st.relations.opinion_shock[i] = 40.0, 0.0
    level = st.relations.opinion_level[i]
    st.relations.measures[i] = 0.5  # half of Korea's channels with Japan cut by Japan's measures
    end(m, "opinion")
    shock = -2.0 * 0.5 * 40.0 / 50.0
    assert st.relations.opinion_shock[i] == pytest.approx(0.0 * keep + shock)
    assert st.relations.opinion[i] == pytest.approx(40.0 + p.relaxation * (level - 40.0) + shock)


def test_spillover__adds_to_what_is_there_for_either_ally_as_the_victim():
    """Korea coerced: Japan's solidarity with Korea and entrapment toward the coercer grow from
    what they were (they are sums of decaying responses), in Japan's row, not elsewhere."""
    m, st = world(**{"dynamics.spillover.balance": 0.8})
    p = m.config.params.dynamics.spillover
    st.relations.set("solidarity", JPN, KOR, 0.1)
    st.relations.set("entrapment", JPN, CHN, 0.05)
    move(st, CHN, KOR, "radar_lock", 0.5)
    assert rel(st, "solidarity", JPN, KOR) == pytest.approx(0.1 + p.solidarity * 0.5 * 0.6)
    assert rel(st, "entrapment", JPN, CHN) == pytest.approx(0.05 + p.solidarity * 0.5 * 0.2)
    assert sum(st.relations.solidarity) == pytest.approx(0.1 + p.solidarity * 0.5 * 0.6)
    assert sum(st.relations.entrapment) == pytest.approx(0.05 + p.solidarity * 0.5 * 0.2)


def test_spillover__acts_on_coercion_of_an_ally_by_anyone_but_the_other_ally():
    from model.components.spillover import Spillover

    m, st = world()
    acts = Spillover.acts_on
    roles = st.roles
    sp = m.components["spillover"]
    assert acts(sp, roles, CHN, JPN, "coerce_econ") and acts(sp, roles, USA, KOR, "coerce_mil")
    assert not acts(sp, roles, KOR, JPN, "coerce_econ")  # the fellow ally itself: no solidarity against itself
    assert not acts(sp, roles, CHN, USA, "coerce_econ")  # not an ally
    assert not acts(sp, roles, CHN, JPN, "protest")  # not coercion
    t0 = rel(st, "threat", KOR, CHN)
    move(st, CHN, JPN, "import_ban")  # through the model's hook table, worked out afresh
    assert rel(st, "threat", KOR, CHN) > t0


@pytest.mark.parametrize("measures", [False, True], ids=["no measures", "measures in force"])
def test_opinion__month_end_clips_at_exactly_0_and_100_and_keeps_what_is_between(measures):
    """Above 100 by less than a point is still clipped to 100; a reading below one point is kept."""
    m, st = world(**{"dynamics.opinion.relaxation": 0.0, "dynamics.opinion.grievance": 0.0 if not measures else 1.0})
    keep = 0.5 ** (1 / m.config.params.dynamics.opinion.shock_half_life)
    high, low = KOR * st.n + JPN, JPN * st.n + KOR
    if measures:
        st.relations.measures[CHN * st.n + USA] = 0.5  # somebody's measures in force, not between the allies
    st.relations.opinion[high], st.relations.opinion_shock[high] = 100.2, -0.3  # anchor 100.5
    st.relations.opinion[low], st.relations.opinion_shock[low] = 0.5, 0.0  # anchor 0.5, no shock
    end(m, "opinion")
    assert 100.0 < 100.5 - 0.3 * keep < 101.0 and st.relations.opinion[high] == 100.0
    assert st.relations.opinion[low] == pytest.approx(0.5)


def test_opinion__small_impulses_and_moves_keep_their_direction_and_their_clips():
    from model.components.opinion import impulse

    m, st = world()
    i = KOR * st.n + JPN
    st.relations.opinion[i], st.relations.opinion_shock[i] = 20.0, 0.0
    impulse(st, i, 0.5, 0.0)  # a rise below one point is still scaled by the room above
    assert st.relations.opinion[i] == pytest.approx(20.0 + 0.5 * 80.0 / 50.0)
    st.relations.opinion[i] = 99.9
    impulse(st, i, 20.0, 0.0)  # 99.9 + 20 · 0.1/50 = 99.94: kept, not clipped
    assert st.relations.opinion[i] == pytest.approx(99.9 + 20.0 * 0.1 / 50.0)
    st.relations.opinion[i] = 99.5
    impulse(st, i, 60.0, 0.0)  # 99.5 + 60 · 0.5/50 = 100.1: clipped however little it overshoots
    assert st.relations.opinion[i] == 100.0
    m, st = world(**{"dynamics.opinion.response": 50.0, "dynamics.opinion.headline": 6.0,
                     "dynamics.opinion.visibility.reassure": 1.0})
    p = m.config.params.dynamics.opinion
    rise = 99.5 + 50.0 * 6.0 * g10("summit") * 0.5 / 50.0
    assert 100.0 < rise < 101.0
    st.relations.set("opinion", KOR, JPN, 99.5)
    move(st, JPN, KOR, "summit")
    assert rel(st, "opinion", KOR, JPN) == 100.0  # clipped however little it overshoots
    st.relations.set("opinion", KOR, JPN, 0.6)
    move(st, JPN, KOR, "criticism")
    fall = 0.6 + p.response * p.visibility["protest"] * g10("criticism") * p.negativity * 0.6 / 50.0
    assert 0.0 < fall < 1.0 and rel(st, "opinion", KOR, JPN) == pytest.approx(fall)


# Gaps that mutation testing of decision.py, coercion.py and trade.py found after issue 9 ---------
def _options(m, s: int, t: int) -> tuple:
    """The options of ``s``'s decision toward ``t``, in the order ``utilities`` scores them."""
    return next(p for p in m.components["decision"].plans[s] if p[0] == t)[4]


def _kinds(m, s: int, t: int) -> list[str]:
    return [o.kind for o in _options(m, s, t)]


def test_decision__solidarity_adds_to_cooperation_in_proportion_to_its_weight():
    """Solidarity with the other ally makes cooperating with it more attractive, by exactly
    ``w_solidarity · solidarity · cw`` (a sign slip made it repel)."""
    m, st = world()
    d = m.components["decision"]
    kinds = _kinds(m, KOR, JPN)
    i = kinds.index("cooperate")
    u0 = d.utilities(KOR, JPN)
    st.relations.set("solidarity", KOR, JPN, rel(st, "solidarity", KOR, JPN) + 0.5)
    u1 = d.utilities(KOR, JPN)
    cw = _options(m, KOR, JPN)[i].cw
    assert u1[i] - u0[i] == pytest.approx(st.params.decision.w_solidarity * 0.5 * cw)
    assert u1[i] > u0[i]


def test_decision__opinion_enters_relations_as_its_distance_from_50_over_50():
    """Favourability 10 points above 50 adds ``w_opinion · 0.2 · g`` to an option's utility."""
    m, st = world(**{"decision.w_opinion": 2.0})
    d = m.components["decision"]
    kinds = _kinds(m, JPN, USA)
    i = kinds.index("cooperate")
    st.relations.set("opinion", JPN, USA, 50.0)
    u0 = d.utilities(JPN, USA)
    st.relations.set("opinion", JPN, USA, 60.0)
    u1 = d.utilities(JPN, USA)
    opt = _options(m, JPN, USA)[i]
    # at 50 and above cooperating costs no capital for unpopularity, so only the relations term moves
    assert u1[i] - u0[i] == pytest.approx(2.0 * (10.0 / 50.0) * opt.g)


def test_decision__aligning_against_the_rival_costs_a_fifth_of_capital_scarcity():
    """A Taiwan statement's capital term is ``cost · 0.2 · w_capital / capital`` whatever opinion is."""
    m, st = world()
    d = m.components["decision"]
    kinds = _kinds(m, JPN, CHN)
    i = kinds.index("align")
    opt = _options(m, JPN, CHN)[i]
    st.capital[JPN] = 0.5
    u_half = d.utilities(JPN, CHN)[i]
    st.capital[JPN] = 0.25
    u_quarter = d.utilities(JPN, CHN)[i]
    w = st.params.decision.w_capital
    assert u_half - u_quarter == pytest.approx(opt.cost * 0.2 * (w / 0.25 - w / 0.5))


def test_coercion__its_own_trade_at_stake_restrains_the_rival():
    """Doctrine utility falls by ``own_cost · exposure[rival, t] / 10``: more of China's own trade
    with the target, less appetite to coerce it."""
    m, st = world()
    co = m.components["coercion"]
    d = co.doctrine
    u0 = co.doctrine_utility(st, JPN)
    st.relations.set("exposure", CHN, JPN, rel(st, "exposure", CHN, JPN) + 2.0)
    u1 = co.doctrine_utility(st, JPN)
    assert u1 - u0 == pytest.approx(-d.own_cost * 2.0 / 10.0)
    assert u1 < u0


def test_coercion__intensity_grows_with_the_provocation_beyond_the_threshold():
    m, st = world()
    co = m.components["coercion"]
    d = co.doctrine
    co.provocation[JPN] = d.threshold + 0.4
    _, i, _ = co.choose(st, JPN, "coerce_mil", ("force_posture",))
    assert i == pytest.approx(min(1.0, max(0.1, d.intensity * co.leverage(st, JPN) * 1.4)))
    co.provocation[JPN] = d.threshold - 0.4  # below the threshold: no excess, not a negative one
    _, i0, _ = co.choose(st, JPN, "coerce_mil", ("force_posture",))
    assert i0 == pytest.approx(min(1.0, max(0.1, d.intensity * co.leverage(st, JPN))))
    assert i0 < 1.0 and i0 > 0.1  # inside the clip at the baseline: the scale above is what is tested


def test_coercion__the_rival_picks_its_economic_tools_by_the_doctrine_weights():
    """A tool of weight zero is never chosen."""
    m, st = world(**{"states.CHN.doctrine.tools.import_ban": 0.0})
    co = m.components["coercion"]
    picks = {co.choose(st, JPN, "coerce_econ", ("import_ban", "tourism_discouragement"))[0] for _ in range(200)}
    assert picks == {"tourism_discouragement"}


def test_coercion__an_align_move_off_the_red_lines_provokes_nothing():
    m, st = world()
    co = m.components["coercion"]
    co.red_lines.pop("join_framework")
    before = co.provocation[KOR]
    move(st, KOR, USA, "join_framework")
    assert co.provocation[KOR] == before


def test_coercion__the_summary_counts_each_backfired_episode_once():
    m, st = world()
    co = m.components["coercion"]
    co.episodes[:] = [{"target": "JPN", "start": 1, "affinity_start": 0.0, "backfired": True},
                      {"target": "KOR", "start": 9, "affinity_start": 0.0, "backfired": False},
                      {"target": "JPN", "start": 20, "affinity_start": 0.0, "backfired": True}]
    out: dict = {}
    co.summarise(out)
    assert out["coercion_episodes"] == 3 and out["coercion_backfired"] == 2


def test_trade__the_coercer_loses_its_own_share_in_its_own_cell():
    """Two cuts by the same coercer on two targets: each target's loss and the coercer's loss in its
    trade with each, ``exposure[c, t] · share · cut · ratio``, added, each in its own cell."""
    m, st = world()
    tr = m.components["trade"]
    p = m.config.params.dynamics.trade
    move(st, CHN, JPN, "import_ban")
    move(st, CHN, KOR, "import_ban")
    E, L, n = st.relations.exposure, st.relations.trade_lost, st.n
    cut = p.channels["seafood"].bite
    share = p.channels["seafood"].share * cut
    for t in (JPN, KOR):
        assert L[t * n + CHN] == pytest.approx(E[t * n + CHN] * share)
        assert L[CHN * n + t] == pytest.approx(E[CHN * n + t] * share * p.coercer_cost_ratio)
    assert sum(L) == pytest.approx(sum(L[i] for i in (JPN * n + CHN, KOR * n + CHN, CHN * n + JPN, CHN * n + KOR)))
    assert tr.cuts == {(CHN, JPN, "seafood"): cut, (CHN, KOR, "seafood"): cut}


def test_trade__one_coercer_cutting_two_channels_of_one_target_loses_on_both():
    m, st = world()
    p = m.config.params.dynamics.trade
    move(st, CHN, JPN, "import_ban")
    move(st, CHN, JPN, "tourism_discouragement")
    E, L, n = st.relations.exposure, st.relations.trade_lost, st.n
    shares = sum(p.channels[ch].share * p.channels[ch].bite for ch in ("seafood", "tourism"))
    assert L[JPN * n + CHN] == pytest.approx(E[JPN * n + CHN] * shares)
    assert L[CHN * n + JPN] == pytest.approx(E[CHN * n + JPN] * shares * p.coercer_cost_ratio)


def test_coercion__own_trade_restraint_reads_the_targets_own_cell():
    """The same check toward Korea (state 1): China's exposure to Korea, not to another state."""
    m, st = world()
    co = m.components["coercion"]
    u0 = co.doctrine_utility(st, KOR)
    st.relations.set("exposure", CHN, KOR, rel(st, "exposure", CHN, KOR) + 2.0)
    assert co.doctrine_utility(st, KOR) - u0 == pytest.approx(-co.doctrine.own_cost * 2.0 / 10.0)


def test_decision__the_allies_programme_and_their_own_coercion_rate_shift_only_their_intercepts():
    base = world()[0].components["decision"]
    m, st = world(**{"decision.ally_cooperation": 1.0, "decision.ally_coercion": -0.5})
    d = m.components["decision"]
    kinds = _kinds(m, JPN, KOR)
    for s, t, k, shift in ((JPN, KOR, "cooperate", 1.0 - base.state.params.decision.ally_cooperation),
                           (JPN, KOR, "coerce_econ", -0.5 - base.state.params.decision.ally_coercion),
                           (JPN, USA, "cooperate", 0.0)):
        i = _kinds(m, s, t).index(k)
        assert d.utilities(s, t)[i] - base.utilities(s, t)[i] == pytest.approx(shift)
    assert "coerce_econ" in kinds


# Gaps that the full mechanisms run found in the components issue 9 did not rewrite ----------------
class _Seq:
    """A stand-in generator returning the given numbers in turn."""

    def __init__(self, *values: float):
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


@pytest.mark.parametrize(("fav", "sour"), [(30.0, 0.4), (60.0, 0.0)])
def test_agreements__the_lapse_hazard_reads_how_sour_the_two_publics_are(fav, sour):
    """``sour`` = max(0, (50 − mean of the two favourabilities) / 50); GSOMIA lapses exactly when
    the month's draw is below base_hazard · exp(−durability · distance + opinion_sensitivity · sour)."""
    for below, lapses in ((True, True), (False, False)):
        m, st = world()
        ag = m.components["agreements"]
        st.relations.set("opinion", JPN, KOR, fav - 5.0)
        st.relations.set("opinion", KOR, JPN, fav + 5.0)
        x = ag.agreements[0]
        h = ag.hazard(x["distance"], sour)
        p = m.config.params.dynamics.agreements
        assert h == pytest.approx(p.base_hazard * math.exp(-p.durability * x["distance"] + p.opinion_sensitivity * sour))
        st.month = 1
        st.random = _Draws(h - 1e-9 if below else h + 1e-9)
        end(m, "agreements")
        assert (x["lapsed"] == 1) == lapses and st.agreements_in_force == (0 if lapses else 1)


def test_agreements__every_agreement_in_force_is_counted_past_a_lapsed_one():
    m, st = world()
    ag = m.components["agreements"]
    first = ag.agreements[0]
    ag.agreements += [dict(first, area="technology"), dict(first, area="supply_chain")]
    first["lapsed"] = 0  # already lapsed: skipped, not the end of the list
    st.month = 1
    st.random = _Seq(0.0, 1.0)  # the second lapses now, the third holds
    end(m, "agreements")
    assert [x["lapsed"] for x in ag.agreements] == [0, 1, None] and st.agreements_in_force == 1


def test_agreements__a_new_agreement_records_its_signers_distance_and_counts_from_month_one():
    m, st = world()
    ag = m.components["agreements"]
    st.leaders[JPN] = st.leaders[JPN].model_copy(update={"ideology": 0.6})
    st.leaders[KOR] = st.leaders[KOR].model_copy(update={"ideology": -0.3})
    st.month = 1
    move(st, JPN, KOR, "technology")
    move(st, KOR, JPN, "technology")
    st.random = _Draws(1.0)  # nothing lapses
    end(m, "agreements")
    new = ag.agreements[-1]
    assert new["signed"] == 1 and new["distance"] == pytest.approx(0.9)
    assert new["signers"] == f"{st.leaders[JPN].name} / {st.leaders[KOR].name}"
    gsomia = ag.agreements[0]  # in force at the start, signed by the leaders then in office
    assert gsomia["signers"] == f"{m.config.params.states.JPN.leader.name} / {m.config.params.states.KOR.leader.name}"
    out: dict = {}
    ag.summarise(out)
    assert out["agreements_formed"] == 1  # signed in month 1 counts; GSOMIA (month 0) does not


def test_affinity__clips_at_minus_one_and_plus_one_on_both_sides_of_a_move():
    m, st = world(**{"dynamics.affinity.response": 1.0})
    st.relations.set("affinity", KOR, JPN, -0.95)
    st.relations.set("affinity", JPN, KOR, -0.99)
    move(st, JPN, KOR, "export_controls")  # r = -0.8: the target's side by r, the source's by r / 2
    assert rel(st, "affinity", KOR, JPN) == -1.0 and rel(st, "affinity", JPN, KOR) == -1.0
    st.relations.set("affinity", KOR, USA, 0.95)
    st.relations.set("affinity", USA, KOR, 0.99)
    move(st, USA, KOR, "formal_agreement")
    assert rel(st, "affinity", KOR, USA) == 1.0 and rel(st, "affinity", USA, KOR) == 1.0


def test_us_credibility__only_the_patrons_cooperation_and_reassurance_of_an_ally_count():
    m, st = world()
    r = m.config.params.dynamics.us_credibility.response
    for s, t, name, counts in ((USA, JPN, "technology", True), (USA, KOR, "statement", True),
                               (USA, JPN, "criticism", False), (CHN, JPN, "technology", False),
                               (USA, CHN, "technology", False), (CHN, KOR, "import_ban", False)):
        st.credibility = 0.5
        move(st, s, t, name)
        assert st.credibility == pytest.approx(0.5 + r * 0.5 if counts else 0.5), (s, t, name)


def test_political_capital__spending_stops_at_zero():
    m, st = world(**{"decision.capital_cost.coerce_econ": 0.5})
    st.capital[JPN] = 0.01
    move(st, JPN, KOR, "export_controls")
    assert st.capital[JPN] == 0.0


def test_threat__reassurance_stops_at_zero():
    m, st = world(**{"dynamics.threat.reassurance": 0.5})
    st.relations.set("threat", JPN, CHN, 0.1)
    move(st, CHN, JPN, "statement")
    assert rel(st, "threat", JPN, CHN) == 0.0


def test_leader_turnover__the_winner_is_drawn_by_the_candidates_probabilities():
    """A candidate of probability 0 never wins (uniform choice would pick it half the time)."""
    m, st = world("leader_turnover")
    comp = m.components["leader_turnover"]
    month, els = next((k, els) for k, els in comp.schedule.items() if els)
    sure = els[0].candidates[-1].name
    el = els[0].model_copy(update={"candidates": [c.model_copy(update={"probability": float(c.name == sure)})
                                                  for c in els[0].candidates]})  # a copy: the scenario is shared
    comp.schedule[month] = [el]
    i = st.codes.index(el.state)
    st.month = month
    for _ in range(40):
        comp.on_events(st)
        assert st.leaders[i].name == sure


def test_scheduled_events__a_dated_history_event_offends_its_target():
    """The hindcast's 2018 court ruling (Korea → Japan) raises Japan's dispute salience toward Korea."""
    m, st = world("hindcast_2013_2025")
    se = m.components["scheduled_events"]
    month, e = next((k, e) for k, es in sorted(se.schedule.items()) for e in es if e.move == "court_ruling")
    st.relations.set("dispute", JPN, KOR, 0.0)
    st.month = month
    se.apply(st, e)
    assert rel(st, "dispute", JPN, KOR) > 0.0 and rel(st, "dispute", KOR, JPN) == 0.0


# Gaps that the loader-and-core run found after issue 9 (the loader's own are in test_loader.py) -------
def test_roles__the_coercion_map_limits_who_may_coerce_whom_and_only_for_the_states_it_names(tmp_path):
    from model.roles import Roles

    r = Roles.build(("JPN", "KOR", "CHN", "USA"), coercion={"CHN": ["JPN"], "KOR": []})
    assert r.coercible[CHN] == frozenset({JPN}) and r.coercible[KOR] == frozenset()
    assert r.coercible[JPN] == frozenset({KOR, CHN, USA}) and r.coercible[USA] == frozenset({JPN, KOR, CHN})
    m = ThawModel(child(tmp_path, '[roles.coercion]\nCHN = ["JPN"]\n'), rng=0)
    st = m.state
    assert st.roles.coercible[CHN] == frozenset({JPN})  # the scenario's map reaches the model
    kinds = {o.kind for o in next(p for p in m.components["decision"].plans[CHN] if p[0] == KOR)[4]}
    assert not kinds & {"coerce_econ", "coerce_mil"}


def test_model__rupture_starts_are_the_labels_of_the_months_they_started():
    m, st = world()
    r = m.components["rupture"]
    r.starts[:] = [1, 5]
    assert m.rupture_starts() == [m.labels[0], m.labels[4]]
    assert m.labels[0] == m.config.params.start[:7]  # month 1 is the start month



def test_state__a_moves_effects_do_not_depend_on_which_pairs_moved_before():
    """The per-pair hook cache: every ordered pair keeps its own slot. After every other pair has
    cooperated, China's cooperation with Korea must change every relation as it does alone."""
    _, alone = world()
    start = alone.relations.snapshot()
    move(alone, CHN, KOR, "technology")
    _, st = world()
    assert st.relations.snapshot() == start  # the two worlds start alike
    for a in range(4):
        for b in range(4):
            if a != b and (a, b) != (CHN, KOR):
                move(st, a, b, "technology")
    mid = st.relations.snapshot()
    move(st, CHN, KOR, "technology")
    after, solo = st.relations.snapshot(), alone.relations.snapshot()
    for name in after:
        for s in range(4):
            for t in range(4):
                assert after[name][s][t] - mid[name][s][t] == pytest.approx(solo[name][s][t] - start[name][s][t]), \
                    (name, s, t)


def test_agreements__the_sour_term_reads_both_publics_whichever_ally_is_listed_first(tmp_path):
    """Allies listed as (Korea, Japan): the first ally is state 1, so a slip in the reverse index
    (b·n − a instead of b·n + a) reads another pair."""
    m = ThawModel(child(tmp_path, '[roles]\nallies = ["KOR", "JPN"]\npatron = "USA"\nrival = "CHN"\n'), rng=0)
    st = m.state
    assert st.roles.allies == (KOR, JPN)
    ag = m.components["agreements"]
    st.relations.set("opinion", JPN, KOR, 25.0)
    st.relations.set("opinion", KOR, JPN, 35.0)
    st.relations.set("opinion", USA, CHN, 90.0)  # the cell a reversed index would read
    x = ag.agreements[0]
    h = ag.hazard(x["distance"], (50.0 - 30.0) / 50.0)
    st.month = 1
    st.random = _Draws(h - 1e-9)
    m.components["agreements"].on_end(st)
    assert x["lapsed"] == 1
