"""Roles come from the scenario file: a fifth state, or a recast, needs TOML and no code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from model import ScenarioError, ThawModel, load_scenario
from model.catalogue import COERCIVE_KINDS, MOVES
from model.schema import Mechanisms

GOLDEN = Path(__file__).resolve().parent / "golden"


def sourced(value: float, why: str = "test") -> str:
    return f'{{ value = {value}, source = "assumption: {why}" }}'


def fifth_state_toml(extra_roles: str = "") -> str:
    """The baseline plus Taiwan: its own table, a relation from each of the four toward it, and
    roles that leave the article's cast in place but forbid Taiwan to coerce anyone."""
    lines = ['name = "five_states"', 'extends = "baseline"', 'description = "baseline with Taiwan as a fifth state"',
             'article_passage = "remarks by Prime Minister Takaichi suggesting potential Japanese military involvement"',
             "", "[roles]", 'allies = ["JPN", "KOR"]', 'patron = "USA"', 'rival = "CHN"', extra_roles, ""]
    # What each of the four thinks of Taiwan: opinion, long-run opinion, threat, affinity, exposure.
    toward = {"JPN": (60.0, 0.0, 0.3, 1.2), "KOR": (55.0, 0.0, 0.2, 1.0), "CHN": (20.0, 0.2, -0.6, 1.5),
              "USA": (65.0, 0.0, 0.4, 0.6)}
    for code, (op, th, af, ex) in toward.items():
        for field, value in (("opinion", op), ("opinion_level", op), ("threat", th), ("affinity", af), ("exposure", ex)):
            lines += [f"[states.{code}.{field}]", f"TWN = {sourced(value)}"]
    lines += ["[states.TWN]", f"political_capital = {sourced(0.6)}", "[states.TWN.leader]", 'name = "Lai Ching-te"',
              f"ideology = {sourced(-0.3)}", f"hawkishness = {sourced(0.7)}", f"history_stance = {sourced(0.0)}"]
    of = {"JPN": (70.0, 0.0, 0.4, 8.0), "KOR": (55.0, 0.0, 0.2, 5.0), "CHN": (30.0, 0.8, -0.6, 20.0),
          "USA": (75.0, 0.0, 0.5, 7.0)}
    for field, i in (("opinion", 0), ("opinion_level", 0), ("threat", 1), ("affinity", 2), ("exposure", 3)):
        lines.append(f"[states.TWN.{field}]")
        lines += [f"{code} = {sourced(v[i])}" for code, v in of.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def five(scenario_dir: Path) -> Path:
    path = scenario_dir / "five_states.toml"
    path.write_text(fifth_state_toml('[roles.coercion]\nTWN = []'))
    return path


def test_fifth_state_scenario_from_toml_alone_runs_120_months_with_every_mechanism_on(five):
    sc = load_scenario(five)
    assert all(getattr(sc.params.mechanisms, name) for name in Mechanisms.model_fields)
    assert sc.roles.codes == ("JPN", "KOR", "CHN", "USA", "TWN")
    seen_source, seen_target = set(), set()
    for seed in range(3):
        m = ThawModel(sc, rng=seed, months=120).run()
        out, ev = m.outcomes(), m.events()
        assert len(out) == 120 and m.month == 120
        assert out["jk_affinity"].between(-1, 1).all() and out["us_credibility"].between(0, 1).all()
        assert out[["kor_fav_jpn", "jpn_fav_kor"]].stack().between(0, 100).all()
        assert (out[["trade_loss_jpn", "trade_loss_kor", "trade_loss_chn", "trade_loss_usa"]] >= 0).all().all()
        seen_source |= set(ev["source"])
        seen_target |= set(ev["target"])
        twn = ev[ev["source"] == "TWN"]
        assert not twn["move"].map(lambda x: MOVES[x].kind in COERCIVE_KINDS).any(), "roles.coercion: TWN = [] was ignored"
        assert not ev[(ev["source"] == "TWN") & ev["move"].map(lambda x: MOVES[x].kind == "align")].shape[0]
        rel = m.state.relations
        assert all(0.0 <= x <= 1.0 for x in rel.threat) and all(-1.0 <= x <= 1.0 for x in rel.affinity)
    assert "TWN" in seen_source and "TWN" in seen_target  # the fifth state acts and is acted upon
    cuts = m.trade_cuts()
    assert set(cuts["coercer"]) <= {"JPN", "KOR", "CHN", "USA"}


def test_fifth_state_is_coerced_by_the_rival_when_it_has_leverage(five):
    """China's doctrine reads its leverage over Taiwan from the new exposure row: China may coerce
    Taiwan, the utility of doing so moves with Taiwan's exposure to China as the doctrine says
    (sensitivity · (provocation − threshold) · leverage), and provoked enough it does coerce."""
    m = ThawModel(five, rng=0, months=120)
    st, d, co = m.state, m.components["decision"], m.components["coercion"]
    twn, chn = st.codes.index("TWN"), st.codes.index("CHN")
    plan = next(p for p in d.plans[chn] if p[0] == twn)
    kinds = [o.kind for o in plan[4]]
    assert "coerce_econ" in kinds and "coerce_mil" in kinds
    doc = m.config.params.states.CHN.doctrine
    i = kinds.index("coerce_econ")
    co.provocation[twn] = doc.threshold + 1.0  # provoked: more leverage makes coercion likelier
    u0 = d.utilities(chn, twn)[i]
    st.relations.exposure[twn * st.n + chn] += doc.leverage_scale  # one unit more leverage
    assert d.utilities(chn, twn)[i] - u0 == pytest.approx(doc.sensitivity * 1.0)
    hits = 0
    for seed in range(4):
        m = ThawModel(five, rng=seed, months=120, **{"states.CHN.doctrine.threshold": 0.0})
        m.run()
        ev = m.events()
        hits += int(((ev["source"] == "CHN") & (ev["target"] == "TWN")
                     & ev["move"].map(lambda x: MOVES[x].kind in COERCIVE_KINDS)).sum())
    assert hits > 0


def test_default_roles_written_out_reproduce_the_golden_log(scenario_dir):
    """A ``[roles]`` table with the defaults means what a file without one means."""
    path = scenario_dir / "with_roles.toml"
    path.write_text('name = "with_roles"\nextends = "baseline"\ndescription = "t"\narticle_passage = "t"\n'
                    '[roles]\nallies = ["JPN", "KOR"]\npatron = "USA"\nrival = "CHN"\n')
    got = ThawModel(path, rng=2025).run().events()
    expected = pd.read_csv(GOLDEN / "baseline_seed2025.csv", dtype={"cameo_code": str})
    assert list(got["move"]) == list(expected["move"]) and list(got["source"]) == list(expected["source"])


def test_recast_roles_change_who_is_studied(scenario_dir):
    """Swapping the allies' order swaps which public is `kor_fav_jpn`: the columns follow the roles."""
    path = scenario_dir / "swapped.toml"
    path.write_text('name = "swapped"\nextends = "baseline"\ndescription = "t"\narticle_passage = "t"\n'
                    '[roles]\nallies = ["KOR", "JPN"]\n')
    a = ThawModel("baseline", rng=1, months=1, **{"mechanisms.opinion": False}).run().outcomes().iloc[0]
    b = ThawModel(path, rng=1, months=1, **{"mechanisms.opinion": False}).run().outcomes().iloc[0]
    assert a["kor_fav_jpn"] == b["jpn_fav_kor"] and a["jpn_fav_kor"] == b["kor_fav_jpn"]


@pytest.mark.parametrize(("body", "key", "words"), [
    ('[roles]\nrival = "PRK"\n', "roles.rival", "PRK"),
    ('[roles]\nallies = ["JPN", "JPN"]\n', "roles", "four different states"),
    ('[roles]\npatron = "CHN"\nrival = "USA"\n', "states.CHN.commitment", "patron"),
    ('[roles.coercion]\nCHN = ["XYZ"]\n', "roles.coercion.CHN", "XYZ"),
])
def test_bad_roles_name_the_key(scenario_dir, body, key, words):
    path = scenario_dir / "bad.toml"
    path.write_text('name = "bad"\nextends = "baseline"\ndescription = "t"\narticle_passage = "t"\n' + body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == key and words in str(err.value)
    assert str(path) in str(err.value) or "baseline" in str(err.value)


def test_a_fifth_state_missing_from_a_partner_table_is_named(scenario_dir):
    text = fifth_state_toml().replace('[states.KOR.exposure]\nTWN = { value = 1.0, source = "assumption: test" }\n', "")
    path = scenario_dir / "five_missing.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.KOR.exposure" and "TWN" in str(err.value)
