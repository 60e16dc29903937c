"""The scenario loader: what it accepts, what it refuses, and how it says so."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import ScenarioError, list_scenarios, load_scenario
from model.parameters import field_spec, parameter_table
from model.scenario import resolved_parameters

SHIPPED = ["baseline", "china_coerces_japan", "china_coerces_both", "us_retrenchment", "history_flareup",
           "leader_turnover", "quad_squad_inclusion", "tech_partnership"]
PARAMS = parameter_table("baseline")
NUMERIC = [p for p in PARAMS if not isinstance(p.default, bool | list)]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def child(folder: Path, body: str, name: str = "child") -> Path:
    header = f'name = "{name}"\nextends = "baseline"\ndescription = "test"\narticle_passage = "test"\n'
    return write(folder, name, header + body)


# --------------------------------------------------------------------------------------------
# Shipped scenarios
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_loads_with_every_value_sourced(name):
    sc = load_scenario(name)
    p = sc.params
    assert p.start == "2025-11" and p.months == 60
    assert p.description and p.article_passage
    rows = resolved_parameters(sc)
    assert len(rows) == len(PARAMS)  # every sourced leaf of the schema, no more, no less
    assert all(src.strip() for _, _, src in rows)
    for e in p.events:
        assert e.ref.strip()


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@pytest.mark.parametrize("name", SHIPPED)
def test_each_scenario_quotes_the_article(name):
    """The passage a scenario explores is quoted from the founding article (a copy in docs/)."""
    article = _letters((Path(__file__).resolve().parents[1] / "docs" / "article.txt").read_text())
    passage = _letters(load_scenario(name).params.article_passage)
    assert len(passage) > 40 and passage[:80] in article


def test_list_scenarios_finds_all_shipped():
    assert set(SHIPPED) <= set(list_scenarios())


def test_sources_say_where_values_come_from():
    prefixes = ("article", "data", "derived", "assumption", "override", "calibrated")
    for p in PARAMS:
        assert p.source.lower().startswith(prefixes), p


def test_child_inherits_and_overrides_only_what_differs():
    base, child_ = load_scenario("baseline"), load_scenario("us_retrenchment")
    assert child_.params.states.USA.commitment == 0.25
    assert child_.params.decision == base.params.decision
    assert len(child_.params.events) == len(base.params.events) + 1  # events are appended
    assert child_.sources["states.USA.commitment"].startswith("assumption")


def test_overrides_record_their_source():
    sc = load_scenario("baseline", {"states.USA.commitment": 0.3})
    assert sc.params.states.USA.commitment == 0.3
    assert sc.sources["states.USA.commitment"] == "override"
    assert sc.hash != load_scenario("baseline").hash


# --------------------------------------------------------------------------------------------
# Property tests: in-range values are accepted, out-of-range ones refused with the key named
def _in_range(p) -> st.SearchStrategy[float]:
    lo = p.lo if math.isfinite(p.lo) else -1e6
    hi = p.hi if math.isfinite(p.hi) else 1e6
    _, _, typ = field_spec(p.name)
    if typ is int:
        return st.integers(int(math.ceil(lo)) + p.lo_open, int(hi) - p.hi_open)
    return st.floats(lo, hi, exclude_min=p.lo_open, exclude_max=p.hi_open, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_in_range_value_is_accepted(data):
    p = data.draw(st.sampled_from(NUMERIC))
    value = data.draw(_in_range(p))
    sc = load_scenario("baseline", {p.name: value})
    assert sc.value(p.name) == value


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_out_of_range_value_is_refused_naming_the_key(data):
    bounded = [p for p in NUMERIC if math.isfinite(p.hi)]
    p = data.draw(st.sampled_from(bounded))
    value = data.draw(st.floats(p.hi + 1e-6, p.hi + 1e6, allow_nan=False) | st.floats(-1e6, p.lo - 1e-6))
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {p.name: value})
    assert err.value.key == p.name
    assert p.name in str(err.value)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_wrong_types_are_refused_naming_the_key(data):
    p = data.draw(st.sampled_from(NUMERIC))
    value = data.draw(st.text(max_size=5) | st.booleans() | st.lists(st.integers(), max_size=2))
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {p.name: value})
    assert err.value.key == p.name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.from_regex(r"[a-z_]{1,12}", fullmatch=True), section=st.sampled_from(
    ["decision", "dynamics.opinion", "states.JPN", "states.CHN.doctrine", "dynamics.trade"]))
def test_unknown_keys_in_files_are_refused_naming_them(tmp_path_factory, key, section):
    from model.schema import Scenario  # noqa: F401  (the schema is what decides)

    known = {p.name for p in PARAMS} | {f"{section}.{k}" for k in _fields(section)}
    if f"{section}.{key}" in known or any(n.startswith(f"{section}.{key}.") for n in known) or key in (
            "value", "source"):
        return
    folder = tmp_path_factory.mktemp("s")
    write(folder, "baseline", (Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml").read_text())
    path = child(folder, f'[{section}]\n{key} = {{ value = 1.0, source = "test" }}\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == f"{section}.{key}"
    assert "unknown key" in str(err.value)
    assert str(path) in str(err.value)


def _fields(section: str) -> list[str]:
    from model.scenario import _fields_at

    return _fields_at(tuple(section.split(".")))


# --------------------------------------------------------------------------------------------
# The catalogue of bad inputs: each names the file, the key and what was expected
def test_malformed_toml(scenario_dir):
    path = write(scenario_dir, "bad", 'name = "bad"\nstart = "2025-11\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and "not valid TOML" in str(err.value)


def test_unknown_key(scenario_dir):
    path = child(scenario_dir, '[states.USA]\ncommitmnet = { value = 0.4, source = "typo" }\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.USA.commitmnet"
    assert "unknown key" in str(err.value) and "commitment" in str(err.value)
    assert err.value.file == str(path)


def test_unknown_state(scenario_dir):
    path = child(scenario_dir, '[states.JPN.opinion]\nPRK = { value = 10.0, source = "test" }\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.JPN.opinion.PRK"


def test_wrong_type(scenario_dir):
    path = child(scenario_dir, '[states.USA]\ncommitment = { value = "high", source = "test" }\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.USA.commitment" and "number" in str(err.value)


def test_out_of_range(scenario_dir):
    path = child(scenario_dir, '[states.USA]\ncommitment = { value = 1.5, source = "test" }\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.USA.commitment" and "less than or equal to 1" in str(err.value)
    assert err.value.file == str(path)


def test_number_without_source(scenario_dir):
    path = child(scenario_dir, "[states.USA]\ncommitment = 0.4\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.USA.commitment" and "source" in str(err.value)


def test_empty_source(scenario_dir):
    path = child(scenario_dir, '[states.USA]\ncommitment = { value = 0.4, source = " " }\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "states.USA.commitment.source"


def test_missing_file():
    with pytest.raises(ScenarioError) as err:
        load_scenario("/nonexistent/thing.toml")
    assert "no such scenario" in str(err.value) and "baseline" in str(err.value)


def test_missing_parent(scenario_dir):
    path = write(scenario_dir, "orphan", 'name = "orphan"\nextends = "nowhere"\ndescription = "x"\narticle_passage = "x"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "extends" and "nowhere" in str(err.value)


def test_circular_extends(tmp_path):
    write(tmp_path, "a", 'name = "a"\nextends = "b"\n')
    write(tmp_path, "b", 'name = "b"\nextends = "a"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "a.toml")
    assert "circular" in str(err.value) and err.value.key == "extends"


def test_missing_parameters_without_extends(tmp_path):
    path = write(tmp_path, "bare", 'name = "bare"\ndescription = "x"\narticle_passage = "x"\nstart = "2025-11"\nmonths = 60\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "missing" in str(err.value)


def test_bad_event(scenario_dir):
    path = child(scenario_dir, '[[events]]\ndate = "2026-01"\nsource = "CHN"\ntarget = "JPN"\nkind = "coerce"\n'
                               'move = "summit"\nref = "test"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "events" in err.value.key and "reassure move" in str(err.value)


def test_event_before_start(scenario_dir):
    path = child(scenario_dir, '[[events]]\ndate = "2020-01"\nsource = "KOR"\ntarget = "JPN"\nkind = "history"\n'
                               'ref = "test"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "before the scenario start" in str(err.value)


def test_bad_month(scenario_dir):
    path = child(scenario_dir, 'start = "2025-13"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.key == "start"


def test_election_probabilities_must_sum_to_one(scenario_dir):
    path = child(scenario_dir, '[[elections]]\nstate = "KOR"\ndate = "2027-01"\nref = "t"\ncandidates = [\n'
                               '{ name = "x", ideology = 0.1, hawkishness = 0.1, history_stance = 0.1, probability = 0.5 },\n]\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "sum to 1" in str(err.value)


def test_unknown_override_key():
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {"states.USA.comitment": 0.4})
    assert err.value.key == "states.USA.comitment" and "commitment" in str(err.value)


def test_file_is_reread_when_it_changes(scenario_dir):
    path = child(scenario_dir, '[states.USA]\ncommitment = { value = 0.4, source = "test" }\n')
    assert load_scenario(path).params.states.USA.commitment == 0.4
    import os
    import time

    path.write_text(path.read_text().replace("0.4", "0.5"))
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert load_scenario(path).params.states.USA.commitment == 0.5


def test_cached_override_variants_respect_value_types():
    """True == 1.0 in Python; a cached 1.0 must not let a boolean through (found by hypothesis)."""
    assert load_scenario("baseline", {"dynamics.trade.channels.seafood.share": 1.0}).params is not None
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", {"dynamics.trade.channels.seafood.share": True})
    assert err.value.key == "dynamics.trade.channels.seafood.share"


# --- scenarios do what their descriptions say (issue 9, item 0) -----------------------------
def test_leader_turnover_keeps_no_later_japanese_election():
    """The early 2027 change replaces the baseline's 2027-09 election, which could bring Takaichi back."""
    from model import ThawModel

    p = load_scenario("leader_turnover").params
    assert "no later Japanese election" in p.description
    assert [e.date for e in p.elections if e.state == "JPN"] == ["2027-01"]
    assert [e.date for e in p.elections if e.state == "KOR"] == ["2030-06"]  # replaced, not doubled
    for seed in range(20):
        m = ThawModel("leader_turnover", rng=seed).run()
        assert all(row[1] <= "2027-01" for row in m.leader_log if row[2] == "JPN")


def test_an_election_can_only_replace_one_that_exists(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('name = "bad"\nextends = "baseline"\ndescription = "x"\narticle_passage = "x"\n\n'
                 '[[elections]]\nstate = "JPN"\ndate = "2026-05"\nreplaces = "2026-06"\nref = "test"\n'
                 'candidates = [{ name = "A", ideology = 0.0, hawkishness = 0.0, history_stance = 0.0, probability = 1.0 }]\n')
    with pytest.raises(ScenarioError, match="nothing to replace at JPN 2026-06"):
        load_scenario(f)


def test_history_flareup_is_exactly_twice_as_likely():
    from model import ThawModel

    assert "twice as likely" in load_scenario("history_flareup").params.description
    a = ThawModel("history_flareup", rng=0).components["history_flareups"]
    b = ThawModel("baseline", rng=0).components["history_flareups"]
    for stance in ([0.7, 0.6], [0.0, 0.0], [0.2, 0.9]):
        assert a.rate(stance) == pytest.approx(2 * b.rate(stance))


def test_tech_partnership_cuts_cooperation_costs_for_japan_and_korea_only():
    from model.components.decision import options_for

    JPN, KOR, CHN, USA = range(4)
    assert "Japan and Korea (only)" in load_scenario("tech_partnership").params.description
    tech, base = load_scenario("tech_partnership"), load_scenario("baseline")

    def coop_base(sc, s, t):
        d = sc.params.decision
        opts = options_for(sc.roles, s, t, True, tuple(d.base.items()), tuple(d.capital_cost.items()), d.ally_cooperation)
        return next(o.base for o in opts if o.kind == "cooperate")

    assert coop_base(tech, JPN, KOR) == pytest.approx(coop_base(base, JPN, KOR) + 0.2)
    assert coop_base(tech, KOR, JPN) == pytest.approx(coop_base(base, KOR, JPN) + 0.2)
    for s, t in ((JPN, USA), (KOR, CHN), (USA, KOR), (CHN, JPN)):
        assert coop_base(tech, s, t) == coop_base(base, s, t)
