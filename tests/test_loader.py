"""The loader's small parts, one behaviour each: error messages (file, key, what was expected),
``extends`` merging, overrides and their cache, the file cache, the search path, the parameter
table. Written against the survivors of mutation testing (docs/testing.md)."""

from __future__ import annotations

import os
import pickle
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import ScenarioError, load_scenario
from model import scenario as sc
from model.parameters import Parameter, _bounds, _num, field_spec, markdown_table, parameter_table
from model.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
HEADER = 'name = "{name}"\nextends = "baseline"\ndescription = "test"\narticle_passage = "test"\n'


def child(folder: Path, body: str, name: str = "child", parent: str = "baseline") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(HEADER.format(name=name).replace('"baseline"', f'"{parent}"') + body)
    return path


def refused(path_or_name, **kw) -> ScenarioError:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path_or_name, **kw)
    return err.value


# --------------------------------------------------------------------------------------------
# ScenarioError: the message names the file, the key and what was expected
def test_error_message_names_file_key_and_expectation():
    e = ScenarioError("a.toml", "states.USA.commitment", "a number")
    assert str(e) == "a.toml: key `states.USA.commitment`: a number"
    assert (e.file, e.key, e.expected) == ("a.toml", "states.USA.commitment", "a number")
    assert str(ScenarioError(Path("b.toml"), None, "broken")) == "b.toml: broken"
    assert ScenarioError(Path("b.toml"), None, "x").file == "b.toml"


def test_error_without_a_file_says_scenario_and_options_stand_alone():
    assert str(ScenarioError(None, "months", "an integer")) == "scenario: key `months`: an integer"
    assert str(ScenarioError(None, None, "nothing")) == "scenario: nothing"
    e = ScenarioError(None, "--set", "KEY=VALUE")
    assert str(e) == "--set: KEY=VALUE" and e.file is None and e.key == "--set"
    # a file's key that happens to start with dashes is still reported with its file
    assert str(ScenarioError("f.toml", "--x", "y")) == "f.toml: key `--x`: y"


# --------------------------------------------------------------------------------------------
# LoadedScenario
def test_loaded_scenario_name_value_hash_and_roles():
    base = load_scenario("baseline")
    assert base.name == "baseline"
    assert base.value("states.USA.commitment") == base.params.states.USA.commitment
    assert base.value("dynamics.rupture.months") == 12
    assert len(base.hash) == 16 and int(base.hash, 16) >= 0
    again = load_scenario(ROOT / "scenarios" / "baseline.toml")
    assert again.hash == base.hash
    other = base.with_overrides({"states.USA.commitment": 0.31})
    assert other.hash != base.hash
    assert base.roles is base.roles  # built once, then kept
    r, codes = base.roles, list(base.params.state_map())
    assert r.codes == tuple(codes)
    assert [codes[i] for i in r.allies] == list(base.params.roles.allies)
    assert codes[r.patron] == base.params.roles.patron and codes[r.rival] == base.params.roles.rival


def test_pickling_drops_the_variant_cache_but_keeps_everything_else():
    base = load_scenario("baseline")
    base.with_overrides({"states.USA.commitment": 0.32})
    assert base._variants
    copy = pickle.loads(pickle.dumps(base))
    assert copy._variants == {}
    assert copy.params == base.params and copy.sources == base.sources and copy.files == base.files
    assert copy.raw == base.raw


def test_overrides_empty_cached_and_typed():
    base = load_scenario("baseline")
    assert base.with_overrides({}) is base
    a = base.with_overrides({"states.USA.commitment": 0.33})
    assert base.with_overrides({"states.USA.commitment": 0.33}) is a  # the same design point: validated once
    assert a.value("states.USA.commitment") == 0.33
    assert a.sources["states.USA.commitment"] == "override"
    b = base.with_overrides({"states.USA.commitment": 0.33}, source="design point 3")
    assert b is not a and b.sources["states.USA.commitment"] == "design point 3"
    # the source of everything else is unchanged
    assert {k: v for k, v in b.sources.items() if k != "states.USA.commitment"} == {
        k: v for k, v in base.sources.items() if k != "states.USA.commitment"}
    assert base.value("states.USA.commitment") != 0.33  # the original is untouched


def test_unhashable_override_values_are_judged_by_the_validator():
    base = load_scenario("baseline")
    e = refused(base, overrides={"states.USA.commitment": [0.3]})
    assert e.key == "states.USA.commitment"
    assert "(with override states.USA.commitment=[0.3])" in e.file


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_override_names_the_file_and_key(value):
    e = refused("baseline", overrides={"states.USA.commitment": value})
    assert e.key == "states.USA.commitment"
    assert e.file == f"{ROOT / 'scenarios' / 'baseline.toml'} (override)"
    assert e.expected == f"a finite number, not {value}"


def test_override_of_an_unknown_key_lists_the_keys_there():
    e = refused("baseline", overrides={"states.USA.nope": 1.0})
    assert e.key == "states.USA.nope" and e.file.endswith("baseline.toml (override)")
    assert e.expected.startswith("no such parameter; values under states.USA: ")
    assert "commitment" in e.expected and "credibility" in e.expected
    assert "leader" not in e.expected  # a table, not a value
    e = refused("baseline", overrides={"states.XXX.commitment": 1.0})
    assert e.expected.startswith("no such parameter; keys under states: ")
    assert "JPN, KOR, CHN, USA" in e.expected
    e = refused("baseline", overrides={"nowhere.commitment": 1.0})
    assert e.expected.startswith("no such parameter; keys under the top level: ")
    e = refused("baseline", overrides={"nope": 1.0})
    assert e.expected.startswith("no such parameter; values under the top level: ")
    assert "months" in e.expected and "states" not in e.expected
    e = refused("baseline", overrides={"months.x": 1.0})  # through a value, not a table
    assert e.expected == "no such parameter; values under months: "
    e = refused("baseline", overrides={"states.USA": 1.0})  # a table is not a value
    assert e.expected.startswith("no such parameter; values under states: ")


def test_override_validation_error_names_the_override():
    e = refused("baseline", overrides={"states.USA.commitment": 1.5})
    assert e.key == "states.USA.commitment"
    assert e.file.endswith("baseline.toml (with override states.USA.commitment=1.5)")
    assert "less than or equal to 1" in e.expected
    # a problem elsewhere is not blamed on the override of a key that merely shares a prefix
    e = refused("baseline", overrides={"dynamics.rupture.months": -1})
    assert "(with override dynamics.rupture.months=-1)" in e.file


# --------------------------------------------------------------------------------------------
# Files: reading, extends, merging
def test_unreadable_and_undecodable_files(tmp_path):
    bad = tmp_path / "bin.toml"
    bad.write_bytes(b'name = "\xff\xfe"\n')
    e = refused(bad)
    assert e.file == str(bad.resolve()) and e.key is None
    assert e.expected.startswith("not UTF-8 text, as TOML must be (") and "at byte" in e.expected
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(ScenarioError) as err:
        sc._read_toml(folder)
    assert err.value.expected.startswith("cannot be read (") and err.value.file == str(folder)
    broken = tmp_path / "broken.toml"
    broken.write_text("a = = 1\n")
    with pytest.raises(ScenarioError) as err:
        sc._read_toml(broken)
    assert err.value.expected.startswith("not valid TOML (") and err.value.key is None


def test_read_toml_returns_the_document(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text('a = 1\n[b]\nc = "d"\n')
    assert sc._read_toml(p) == {"a": 1, "b": {"c": "d"}}


def test_deep_nesting_is_refused_by_name(tmp_path):
    p = tmp_path / "deep.toml"
    p.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    e = refused(p)
    assert e.file == str(p.resolve()) and "nested too deeply" in e.expected


@pytest.mark.parametrize("body, key, expected", [
    ('[states.USA]\ncommitment = { value = 0.4 }\n', "states.USA.commitment",
     'expected exactly { value = …, source = "…" }'),
    ('[states.USA]\ncommitment = { source = "s" }\n', "states.USA.commitment",
     'expected exactly { value = …, source = "…" }'),
    ('[states.USA]\ncommitment = { value = 0.4, source = "s", note = "n" }\n', "states.USA.commitment",
     'expected exactly { value = …, source = "…" }'),
    ('[states.USA]\ncommitment = { value = 0.4, source = 3 }\n', "states.USA.commitment.source",
     "a non-empty text naming where the value comes from"),
    ('[states.USA]\ncommitment = { value = 0.4, source = "" }\n', "states.USA.commitment.source",
     "a non-empty text naming where the value comes from"),
    ('[states.USA]\ncommitment = { value = nan, source = "s" }\n', "states.USA.commitment.value",
     "a finite number, not nan"),
    ('[states.USA]\ncommitment = { value = inf, source = "s" }\n', "states.USA.commitment.value",
     "a finite number, not inf"),
    ("[states.USA]\ncommitment = nan\n", "states.USA.commitment", "a finite number, not nan"),
    ("[states.USA]\ncommitment = 0.4\n", "states.USA.commitment",
     'expected { value = 0.4, source = "…" }: every number needs its source'),
    ("[states.USA]\ncommitment = true\n", "states.USA.commitment",
     'expected { value = True, source = "…" }: every number needs its source'),
])
def test_every_malformed_value_names_file_key_and_form(scenario_dir, body, key, expected):
    path = child(scenario_dir, body)
    e = refused(path)
    assert (e.file, e.key, e.expected) == (str(path.resolve()), key, expected)
    assert str(e) == f"{path.resolve()}: key `{key}`: {expected}"


def test_split_sources_keeps_values_sources_and_text(tmp_path):
    sources, origin = {}, {}
    node = {"a": {"value": 1.5, "source": "s1"}, "b": {"c": {"value": 2, "source": "s2"}}, "name": "text"}
    out = sc._split_sources(node, "dynamics", tmp_path, sources, origin)
    assert out == {"a": 1.5, "b": {"c": 2}, "name": "text"}
    assert sources == {"dynamics.a": "s1", "dynamics.b.c": "s2"}
    assert origin == {"dynamics.a": tmp_path, "dynamics.b.c": tmp_path, "dynamics.name": tmp_path}


def test_merge_nests_appends_schedules_and_replaces_the_rest():
    base = {"a": {"x": 1, "y": 2}, "events": [1], "elections": [2], "other": [3], "s": "p"}
    over = {"a": {"y": 20, "z": 30}, "events": [4], "elections": [5], "other": [6], "s": "c", "n": 1}
    merged = sc._merge(base, over)
    assert merged == {"a": {"x": 1, "y": 20, "z": 30}, "events": [1, 4], "elections": [2, 5], "other": [6],
                      "s": "c", "n": 1}
    assert base == {"a": {"x": 1, "y": 2}, "events": [1], "elections": [2], "other": [3], "s": "p"}
    assert sc._merge({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}  # a table replaces a value
    assert sc._merge({"a": {"b": 2}}, {"a": 1}) == {"a": 1}
    assert sc._merge({"events": "x"}, {"events": [1]}) == {"events": [1]}


def test_a_child_appends_events_unless_it_has_its_own_schedule(scenario_dir):
    base = load_scenario("baseline")
    ev = '[[events]]\ndate = "2026-03"\nsource = "KOR"\ntarget = "JPN"\nkind = "history"\nref = "t"\n'
    kept = load_scenario(child(scenario_dir, ev, name="kept"))
    assert len(kept.params.events) == len(base.params.events) + 1
    assert kept.params.events[-1].date == "2026-03"
    assert len(kept.params.elections) == len(base.params.elections)
    own = load_scenario(child(scenario_dir, "inherit_schedule = false\n" + ev, name="own"))
    assert len(own.params.events) == 1 and own.params.elections == []
    assert kept.files == (scenario_dir / "kept.toml", (scenario_dir / "baseline.toml").resolve())


def test_three_link_chain_merges_in_order_and_keeps_each_source_file(scenario_dir):
    child(scenario_dir, '[states.USA]\ncommitment = { value = 0.41, source = "mid" }\n'
                              'credibility = { value = 0.42, source = "mid" }\n', name="mid")
    top = child(scenario_dir, '[states.USA]\ncommitment = { value = 0.51, source = "top" }\n', name="top",
                parent="mid")
    loaded = load_scenario(top)
    assert loaded.value("states.USA.commitment") == 0.51 and loaded.value("states.USA.credibility") == 0.42
    assert loaded.sources["states.USA.commitment"] == "top" and loaded.sources["states.USA.credibility"] == "mid"
    assert [p.name for p in loaded.files] == ["top.toml", "mid.toml", "baseline.toml"]
    assert loaded.name == "top"


def test_extends_must_be_text_and_chains_are_bounded(scenario_dir):
    p = scenario_dir / "num.toml"
    p.write_text('name = "num"\nextends = 3\n')
    e = refused(p)
    assert (e.key, e.expected) == ("extends", "the name or path of another scenario, as text")
    assert e.file == str(p.resolve())
    prev = "baseline"
    for i in range(sc.MAX_EXTENDS):
        child(scenario_dir, "", name=f"link{i}", parent=prev)
        prev = f"link{i}"
    # MAX_EXTENDS files above the baseline: one too many
    e = refused(scenario_dir / f"link{sc.MAX_EXTENDS - 1}.toml")
    assert e.key == "extends" and f"a chain of at most {sc.MAX_EXTENDS} files" in e.expected
    assert e.file == str((scenario_dir / f"link{sc.MAX_EXTENDS - 1}.toml").resolve())
    assert "(via baseline.toml)" in e.expected
    ok = load_scenario(scenario_dir / f"link{sc.MAX_EXTENDS - 2}.toml")  # exactly MAX_EXTENDS files
    assert len(ok.files) == sc.MAX_EXTENDS


def test_circular_extends_names_the_loop(tmp_path):
    (tmp_path / "a.toml").write_text('name = "a"\nextends = "b"\n')
    (tmp_path / "b.toml").write_text('name = "b"\nextends = "a"\n')
    e = refused(tmp_path / "a.toml")
    assert e.file == str((tmp_path / "b.toml").resolve())
    assert e.expected == "a scenario it does not already extend (circular: a.toml -> b.toml -> a.toml)"


def test_a_longer_circular_extends_names_the_file_that_closes_the_loop(tmp_path):
    for a, b in (("a", "b"), ("b", "c"), ("c", "a")):
        (tmp_path / f"{a}.toml").write_text(f'name = "{a}"\nextends = "{b}"\n')
    e = refused(tmp_path / "a.toml")
    assert e.file == str((tmp_path / "c.toml").resolve())  # c extends a: the file to mend
    assert e.expected.endswith("(circular: a.toml -> b.toml -> c.toml -> a.toml)")


def test_missing_parent_names_the_child(scenario_dir):
    p = child(scenario_dir, "", parent="nowhere")
    e = refused(p)
    assert (e.file, e.key, e.expected) == (str(p.resolve()), "extends", "an existing scenario; 'nowhere' was not found")


# --------------------------------------------------------------------------------------------
# Finding files
def test_find_scenario_by_name_path_and_relative_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = sc.find_scenario("baseline")
    assert base.name == "baseline.toml" and base.is_absolute()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.toml").write_text("x = 1")
    assert sc.find_scenario("mine", relative_to=tmp_path / "sub") == (tmp_path / "sub" / "mine.toml").resolve()
    assert sc.find_scenario("mine.toml", relative_to=tmp_path / "sub") == (tmp_path / "sub" / "mine.toml").resolve()
    assert sc.find_scenario("sub/mine.toml") == (tmp_path / "sub" / "mine.toml").resolve()
    with pytest.raises(ScenarioError) as err:
        sc.find_scenario("mine")  # not on the search path
    assert err.value.file == "mine" and err.value.key is None
    assert err.value.expected.startswith("no such scenario file; known scenarios: baseline, ")


def test_find_scenario_refinds_a_file_that_moved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "s.toml").write_text("x = 1")
    monkeypatch.setenv("THAW_SCENARIO_PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert sc.find_scenario("s") == (tmp_path / "a" / "s.toml").resolve()
    (tmp_path / "b" / "s.toml").write_text("x = 2")
    (tmp_path / "a" / "s.toml").unlink()
    assert sc.find_scenario("s") == (tmp_path / "b" / "s.toml").resolve()


def test_search_path_order_and_no_duplicates(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "baseline.toml").write_text("x = 1")
    (b / "only_b.toml").write_text("x = 1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THAW_SCENARIO_PATH", os.pathsep.join([str(a), "", str(b), str(a), str(tmp_path / "none")]))
    dirs = sc.scenario_dirs()
    assert dirs[:2] == [a.resolve(), b.resolve()]
    assert len(dirs) == len(set(dirs))
    assert (tmp_path / "none").resolve() not in dirs
    found = sc.list_scenarios()
    assert found["baseline"] == a / "baseline.toml"  # the first folder wins
    assert found["only_b"] == b / "only_b.toml"
    assert "china_coerces_japan" in found  # the shipped ones are still there
    monkeypatch.delenv("THAW_SCENARIO_PATH")
    shipped = sc.shipped_scenario_dir()
    assert shipped is not None and (shipped / "baseline.toml").is_file()
    assert shipped in sc.scenario_dirs()


# --------------------------------------------------------------------------------------------
# Validation errors in words
def test_several_errors_are_listed_after_the_first(scenario_dir):
    body = "[states.USA]\n" + "".join(f'commitment{i} = {{ value = 0.4, source = "s" }}\n' for i in range(7))
    e = refused(child(scenario_dir, body))
    assert e.key == "states.USA.commitment0"
    assert e.expected.startswith("unknown key; expected one of: ")
    assert ". Also `states.USA.commitment1`: unknown key" in e.expected
    assert "commitment4" in e.expected and "commitment5" not in e.expected  # four more, then an ellipsis
    assert e.expected.endswith(" …")
    e = refused(child(scenario_dir, "[states.USA]\n" + "".join(
        f'commitment{i} = {{ value = 0.4, source = "s" }}\n' for i in range(5)), name="five"))
    assert "commitment4" in e.expected and not e.expected.endswith("…")
    e = refused(child(scenario_dir, '[states.USA]\ncommitmnet = { value = 0.4, source = "s" }\n', name="one"))
    assert "Also" not in e.expected


def test_error_is_blamed_on_the_file_that_set_the_key(scenario_dir):
    mid = child(scenario_dir, '[states.USA]\ncommitment = { value = 1.5, source = "mid" }\n', name="mid")
    top = child(scenario_dir, '[states.USA]\ncredibility = { value = 0.5, source = "top" }\n', name="top",
                parent="mid")
    e = refused(top)
    assert e.key == "states.USA.commitment" and e.file == str(mid.resolve())


def test_origin_of_takes_the_longest_known_prefix(tmp_path):
    a, b, top = tmp_path / "a", tmp_path / "b", tmp_path / "top"
    origin = {"states": a, "states.USA": b}
    assert sc._origin_of("states.USA.commitment", origin, top) == b
    assert sc._origin_of("states.JPN.x", origin, top) == a
    assert sc._origin_of("dynamics.x", origin, top) == top
    assert sc._origin_of("states.USA", origin, top) == b


def test_explain_in_words():
    loc_extra = {"type": "extra_forbidden", "loc": ("states", "USA", "x"), "msg": "Extra inputs are not permitted",
                 "input": 1}
    key, expected = sc.explain(loc_extra)
    assert key == "states.USA.x" and expected.startswith("unknown key; expected one of: leader, ")
    key, expected = sc.explain({"type": "extra_forbidden", "loc": ("nope", "x"), "msg": "m", "input": 1})
    assert (key, expected) == ("nope.x", "unknown key")
    key, expected = sc.explain({"type": "missing", "loc": ("events", 2, "date"), "msg": "Field required"})
    assert key == "events[2].date"
    assert expected == "missing; give it here or `extends` a scenario that has it"
    key, expected = sc.explain({"type": "literal_error", "loc": ("x", "[key]"), "msg": "Input should be 'A' or 'B'"})
    assert (key, expected) == ("x", "unknown key; input should be 'a' or 'b'")
    key, expected = sc.explain({"type": "float_type", "loc": ("months",), "msg": "Input should be a number",
                                "input": "x"})
    assert (key, expected) == ("months", "Input should be a number (got 'x')")
    key, expected = sc.explain({"type": "model_type", "loc": ("roles",), "msg": "Input should be a table",
                                "input": 3})
    assert expected == "Input should be a table"
    key, expected = sc.explain({"type": "dict_type", "loc": ("roles",), "msg": "Input should be a table", "input": 3})
    assert expected == "Input should be a table"
    key, expected = sc.explain({"type": "x", "loc": ("roles",), "msg": "no input"})
    assert expected == "no input"


def test_fields_at_follows_tables_keyed_by_state():
    usa = sc._fields_at(("states", "USA"))
    assert usa[:2] == ["leader", "opinion"] and "commitment" in usa
    assert sc._fields_at(("states", "USA", "leader")) == ["name", "ideology", "hawkishness", "history_stance"]
    assert sc._fields_at(("events", 0)) == sc._fields_at(("events",))
    assert "date" in sc._fields_at(("events", 0))
    assert sc._fields_at(("nope",)) == []
    assert sc._fields_at(("months",)) == []
    assert sc._fields_at(()) == list(Scenario.model_fields)


def test_model_in_finds_the_model_inside_optional_and_lists():
    from model.schema import Leader
    assert sc._model_in(Leader) is Leader
    assert sc._model_in(Leader | None) is Leader
    assert sc._model_in(list[Leader]) is Leader
    assert sc._model_in(dict[str, Leader]) is Leader
    assert sc._model_in(float) is None
    assert sc._model_in(int | None) is None


# --------------------------------------------------------------------------------------------
# The file cache
def test_file_cache_serves_the_same_object_until_a_file_of_the_chain_changes(scenario_dir):
    p = child(scenario_dir, '[states.USA]\ncommitment = { value = 0.44, source = "c" }\n')
    first = load_scenario(p)
    assert load_scenario(p) is first
    base = scenario_dir / "baseline.toml"
    text = base.read_text().replace("[states.USA]\n", '[states.USA]\n', 1)
    base.write_text(text)
    os.utime(base, ns=(base.stat().st_atime_ns, base.stat().st_mtime_ns + 10_000_000))
    second = load_scenario(p)
    assert second is not first and second.params == first.params
    assert sc._mtimes((p, scenario_dir / "gone.toml"))[1] == -1
    assert sc._mtimes((p,)) == (p.stat().st_mtime_ns,)


def test_resolved_parameters_are_every_sourced_value_in_schema_order():
    base = load_scenario("baseline")
    rows = sc.resolved_parameters(base)
    keys = [k for k, _, _ in rows]
    assert len(keys) == len(set(keys)) == len(base.sources)
    assert all(base.value(k) == v and base.sources[k] == s for k, v, s in rows)
    sections = [k.split(".")[0] for k in keys]
    assert sections == sorted(sections, key=["decision", "dynamics", "states"].index)
    raw = tomllib.loads((ROOT / "scenarios" / "baseline.toml").read_text())
    assert rows[0][0] == "decision." + next(iter(raw["decision"]))


# --------------------------------------------------------------------------------------------
# The parameter table
def test_bounds_and_number_format():
    from annotated_types import Ge, Gt, Le, Lt
    assert _bounds([]) == (-float("inf"), float("inf"), False, False)
    assert _bounds([Ge(0.0), Le(1.0)]) == (0.0, 1.0, False, False)
    assert _bounds([Gt(0.0), Lt(2.0)]) == (0.0, 2.0, True, True)
    assert _num(float("inf")) == "∞" and _num(-float("inf")) == "∞" and _num(0.25) == "0.25" and _num(1e6) == "1e+06"
    p = Parameter("k", "m", 0.5, 0.0, 1.0, True, False, "s")
    assert p.range == "(0, 1]"
    assert Parameter("k", "m", 0.5, 0.0, float("inf"), False, True, "s").range == "[0, ∞)"


def test_field_spec_reads_meaning_bounds_and_type():
    meaning, bounds, typ = field_spec("states.USA.commitment")
    assert meaning.startswith("US commitment to its allies") and bounds == (0.0, 1.0, False, False) and typ is float
    meaning, bounds, typ = field_spec("states.JPN.opinion.KOR")
    assert meaning.endswith(": KOR") and "favourability" in meaning and bounds == (0.0, 100.0, False, False)
    meaning, bounds, typ = field_spec("states.JPN.leader.ideology")
    assert "ideology" in meaning and bounds == (-1.0, 1.0, False, False)
    meaning, bounds, typ = field_spec("states.CHN.doctrine.leverage_scale")
    assert bounds == (0.0, 100.0, True, False)
    meaning, bounds, typ = field_spec("dynamics.rupture.months")
    assert typ is int
    meaning, bounds, typ = field_spec("dynamics.trade.channels.tourism.share")
    assert meaning.startswith("share of the bilateral exposure") and typ is float
    meaning, bounds, typ = field_spec("states.CHN.doctrine.red_lines.taiwan_statement")
    assert meaning.endswith(": taiwan_statement") and bounds == (0.0, 5.0, False, False)
    with pytest.raises(KeyError):
        field_spec("dynamics.nope")


def test_parameter_table_matches_the_schema_and_the_file():
    rows = parameter_table("baseline")
    base = load_scenario("baseline")
    assert [r.name for r in rows] == [k for k, _, _ in sc.resolved_parameters(base)]
    for r in rows:
        assert r.default == base.value(r.name) and r.source == base.sources[r.name]
        if not isinstance(r.default, bool | list):
            assert r.lo <= r.default <= r.hi
    text = markdown_table(rows)
    lines = text.splitlines()
    assert lines[0] == "| name | meaning | default | range | source |" and lines[1] == "| --- | --- | --- | --- | --- |"
    assert len(lines) == len(rows) + 2
    usa = next(line for line in lines if line.startswith("| `states.USA.commitment` |"))
    assert f"| {base.value('states.USA.commitment'):g} | [0, 1] |" in usa
    assert markdown_table([Parameter("a", "x|y\nz", 1.5, 0.0, 2.0, False, False, "p|q")]).splitlines()[2] == \
        "| `a` | x\\|y z | 1.5 | [0, 2] | p\\|q |"


@settings(max_examples=40, deadline=None)
@given(value=st.floats(0.0, 1.0, allow_nan=False))
def test_any_override_in_range_round_trips_with_its_source(value):
    loaded = load_scenario("baseline", overrides={"states.USA.commitment": value})
    assert loaded.value("states.USA.commitment") == value
    assert loaded.sources["states.USA.commitment"] == "override"


# --------------------------------------------------------------------------------------------
# From the loaded scenario to the model's core: schema helpers, Goldstein table, relations, views
def test_schema_range_helpers_say_what_a_valid_value_is():
    from annotated_types import Ge, Le

    from model.schema import signed, unit, weight
    for field, lo, hi in ((unit("u"), 0.0, 1.0), (signed("s"), -1.0, 1.0), (weight("w"), 0.0, 20.0),
                          (weight("w", 5.0), 0.0, 5.0)):
        assert field.metadata == [Ge(lo), Le(hi)]
        assert field.description in ("u", "s", "w")
        assert _bounds(field.metadata) == (lo, hi, False, False)


def test_goldstein_table_is_the_shipped_csv():
    import csv

    from model.catalogue import GOLDSTEIN, _load_goldstein
    with open(ROOT / "model" / "data" / "goldstein_cameo.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = {r["cameo_code"]: float(r["goldstein"]) for r in rows}
    assert _load_goldstein() == expected == GOLDSTEIN
    assert len(expected) == len(rows) > 10


def test_keyed_value_error_and_state_tables_by_attribute():
    from model.schema import KeyedValueError
    e = KeyedValueError("roles.patron", "a state of the scenario")
    assert str(e) == "roles.patron: a state of the scenario" and (e.key, e.expected) == ("roles.patron",
                                                                                           "a state of the scenario")
    states = load_scenario("baseline").params.states
    assert states.USA is states["USA"] and len(states) == 4 and list(states) == ["JPN", "KOR", "CHN", "USA"]
    with pytest.raises(AttributeError, match="PRK"):
        states.PRK  # noqa: B018


def test_relations_flat_storage_and_views():
    from model.state import Relations
    r = Relations(3, opinion=[[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert r.n == 3 and r.opinion == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert r.matrix("opinion") == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
    assert r.get("opinion", 1, 2) == 6.0 and r.get("opinion", 2, 0) == 7.0
    assert r.affinity == [0.0] * 9  # relations not given start at zero
    r.set("threat", 0, 2, 0.5)
    assert r.matrix("threat")[0] == [0.0, 0.0, 0.5] and r.threat[2] == 0.5
    snap = r.snapshot()
    assert list(snap) == list(Relations.FIELDS) and snap["opinion"] == r.matrix("opinion")
    with pytest.raises(KeyError, match=r"no relation 'fondness'; relations are opinion, opinion_level, threat"):
        r.get("fondness", 0, 1)
    with pytest.raises(KeyError, match=r"no relation fondness, zeal; relations are opinion, opinion_level"):
        Relations(2, fondness=[[0, 0], [0, 0]], zeal=[[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="Relations.opinion must be 2×2"):
        Relations(2, opinion=[[0, 0], [0]])
    with pytest.raises(ValueError, match="Relations.opinion must be 2×2"):
        Relations(2, opinion=[[0, 0]])


def test_relations_from_a_scenario_read_each_states_row():
    from model.state import Relations
    base = load_scenario("baseline")
    codes = tuple(base.params.state_map())
    r = Relations.from_states(codes, base.params.state_map())
    jpn, kor = codes.index("JPN"), codes.index("KOR")
    assert r.get("opinion", jpn, kor) == base.value("states.JPN.opinion.KOR")
    assert r.get("opinion_level", jpn, kor) == base.value("states.JPN.opinion_level.KOR")
    assert r.get("threat", kor, jpn) == base.value("states.KOR.threat.JPN") == r.get("threat_level", kor, jpn)
    assert r.get("affinity", kor, jpn) == base.value("states.KOR.affinity.JPN")
    assert r.get("exposure", jpn, kor) == base.value("states.JPN.exposure.KOR")
    assert r.get("opinion", jpn, jpn) == r.get("opinion_level", kor, kor) == 50.0  # the diagonal's neutral fill
    assert r.get("affinity", jpn, jpn) == 0.0
    assert r.memory == [0.0] * 16 and r.threat is not r.threat_level


def test_model_views_outcomes_and_hedging_pressure():
    from model import ThawModel
    from model.outcomes import EVENT_COLUMNS, OUTCOME_COLUMNS
    m = ThawModel("baseline", rng=5, months=3, **{"states.USA.credibility": 0.2})
    h = m.components["hedging"]
    assert h.active() and m.hedging_pressure() == h.pressure(m.credibility) > 0
    assert m.hedging_pressure() == pytest.approx((0.5 - 0.2) / 0.5)
    off = ThawModel("baseline", rng=5, months=3, **{"states.USA.credibility": 0.2, "mechanisms.hedging": False})
    assert off.hedging_pressure() == 0.0
    assert m.date == "2025-11" and m.month == 0  # before the first month, the start month
    assert [(a.code, a.idx) for a in m.states.values()] == [(c, i) for i, c in enumerate(m.state.codes)]
    m.run()
    assert m.datacollector._collection_steps == [1, 2, 3]  # what mesa.batch_run reads the months by
    out = m.outcomes()
    assert list(out.columns) == OUTCOME_COLUMNS and list(out.index) == [0, 1, 2]
    assert list(out["month"]) == [1, 2, 3] and list(out["date"]) == ["2025-11", "2025-12", "2026-01"]
    assert list(m.events().columns) == EVENT_COLUMNS and len(m.events()) == len(m.event_log)
    assert (m.month, m.date, m.horizon) == (3, "2026-01", 3)
    assert repr(m) == "ThawModel('baseline', month=3/3, date=2026-01)"


def test_scenarios_folder_of_the_working_directory_and_unusable_entries(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "local_only.toml").write_text("x = 1")
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("THAW_SCENARIO_PATH", raising=False)
    assert sc.scenario_dirs()[0] == (tmp_path / "scenarios").resolve()
    assert sc.list_scenarios()["local_only"] == (tmp_path / "scenarios" / "local_only.toml").resolve()
    # a name too long for the file system is skipped, and the folders after it are still searched
    monkeypatch.setenv("THAW_SCENARIO_PATH", os.pathsep.join(["x" * 5000, str(other)]))
    assert sc.scenario_dirs()[0] == other.resolve()


def test_partner_maps_must_name_each_other_state_once(scenario_dir):
    import copy
    base = load_scenario("baseline")
    e = refused(child(scenario_dir, '[states.JPN.opinion]\nJPN = { value = 10.0, source = "t" }\n', name="self"))
    assert (e.key, e.expected) == ("states.JPN.opinion.JPN", "cannot name the state itself (JPN)")
    e = refused(child(scenario_dir, '[states.JPN.threat]\nPRK = { value = 0.1, source = "t" }\n', name="prk"))
    assert (e.key, e.expected) == ("states.JPN.threat.PRK", "unknown state; the scenario's states are JPN, KOR, CHN, USA")
    raw = copy.deepcopy(base.raw)
    del raw["states"]["KOR"]["affinity"]["JPN"], raw["states"]["KOR"]["affinity"]["USA"]
    with pytest.raises(ScenarioError) as err:
        sc._validate(raw, Path("x.toml"), {})
    assert err.value.key == "states.KOR.affinity"
    assert err.value.expected == "needs a value for each of JPN, CHN, USA; missing JPN, USA"


def test_the_summary_ends_with_each_outcomes_last_month():
    from model import ThawModel
    from model.outcomes import OUTCOME_COLUMNS, SUMMARY_KEYS
    m = ThawModel("china_coerces_japan", rng=2, months=4).run()
    s, out = m.summary(), m.outcomes()
    assert list(s)[:3] == list(SUMMARY_KEYS[:3]) and s["scenario"] == "china_coerces_japan" and s["months"] == 4
    assert s["moves"] == len(m.event_log)
    finals = [k for k in s if k.startswith("final_")]
    assert finals == [f"final_{c}" for c in OUTCOME_COLUMNS if c not in ("month", "date")]
    for c in finals:
        assert s[c] == out[c.removeprefix("final_")].iloc[-1]


def _recast(**roles):
    p = load_scenario("baseline").params
    return p.model_copy(update={"roles": p.roles.model_copy(update=roles)})


KNOWN = "one of the scenario's states (JPN, KOR, CHN, USA)"


@pytest.mark.parametrize("roles, problems", [
    ({"allies": ["PRK", "KOR"]}, [("roles.allies[0]", f"{KNOWN}, not 'PRK'")]),
    ({"allies": ["JPN", "PRK"]}, [("roles.allies[1]", f"{KNOWN}, not 'PRK'")]),
    ({"patron": "PRK"}, [("roles.patron", f"{KNOWN}, not 'PRK'")]),
    ({"rival": "TWN"}, [("roles.rival", f"{KNOWN}, not 'TWN'")]),
    ({"rival": "USA"}, [("roles", "two allies, a patron and a rival that are four different states, not "
                                  "['JPN', 'KOR', 'USA', 'USA']")]),
    ({"coercion": {"CHN": ["JPN", "PRK"]}}, [("roles.coercion.CHN", f"{KNOWN}, not 'PRK'")]),
    ({"patron": "CHN", "rival": "USA"}, [
        ("states.CHN.commitment", "missing: the patron (CHN) needs its commitment"),
        ("states.CHN.credibility", "missing: the patron (CHN) needs its credibility"),
        ("states.USA.doctrine", "missing: the rival (USA) needs its doctrine"),
        ("states.CHN.doctrine", "a doctrine belongs to the rival (USA) only"),
        ("states.USA", "commitment and credibility belong to the patron (CHN) only")]),
])
def test_roster_problems_name_the_key_and_what_was_expected(roles, problems):
    assert _recast(**roles).roster_problems() == problems


def test_only_the_patron_holds_commitment_or_credibility():
    p = load_scenario("baseline").params
    jpn = p.states["JPN"].model_copy(update={"credibility": 0.5})
    states = p.states.model_copy(update={"root": {**p.states.root, "JPN": jpn}})
    assert p.model_copy(update={"states": states}).roster_problems() == [
        ("states.JPN", "commitment and credibility belong to the patron (USA) only")]
    assert p.roster_problems() == []


def test_override_errors_name_the_deepest_known_table(tmp_path):
    base_file = f"{ROOT / 'scenarios' / 'baseline.toml'} (override)"
    e = refused("baseline", overrides={"states.USA.leader.nope.x": 1.0})
    assert (e.file, e.key) == (base_file, "states.USA.leader.nope.x")
    assert e.expected == "no such parameter; keys under states.USA.leader: name, ideology, hawkishness, history_stance"
    e = refused("baseline", overrides={"months.x.y": 1.0})
    assert e.expected == "no such parameter; keys under months: none"
    e = refused("baseline", overrides={"states.USA.leader.nope": 1.0})
    assert e.expected == "no such parameter; values under states.USA.leader: name, ideology, hawkishness, history_stance"


def test_parameter_rows_carry_the_schemas_meaning_and_bounds():
    rows = parameter_table()
    assert rows == parameter_table("baseline")
    for r in rows:
        meaning, bounds, _ = field_spec(r.name)
        assert r.meaning == meaning and (r.lo, r.hi, r.lo_open, r.hi_open) == bounds
    with pytest.raises(KeyError, match="states.USA.leader"):
        field_spec("states.USA.leader")  # a table, not a parameter


def test_roles_index_and_other_ally():
    from model.roles import BASE_ROLES, Roles
    assert [BASE_ROLES.index(c) for c in ("JPN", "KOR", "CHN", "USA")] == [0, 1, 2, 3]
    r = Roles.build(("USA", "KOR", "JPN", "CHN"), allies=("JPN", "KOR"))
    assert r.index("JPN") == 2 and r.allies == (2, 1) and r.other_ally(2) == 1 and r.other_ally(0) is None


@pytest.mark.parametrize("start, month, label", [("2025-11", 1, "2025-11"), ("2025-11", 3, "2026-01"),
                                                 ("2019-12", 14, "2021-01"), ("2013-01", 156, "2025-12"),
                                                 ("0999-10", 4, "1000-01")])
def test_month_labels_count_calendar_months_from_the_start(start, month, label):
    from model.thaw import month_label, month_labels
    assert month_label(start, month) == label
    month_labels.cache_clear()  # the cache would hide the computation from a changed month_label
    assert month_labels(start, month)[-1] == label and len(month_labels(start, month)) == month


def test_the_model_fixes_the_hedging_pressure_at_the_start_of_each_month():
    from model import ThawModel
    m = ThawModel(rng=1, months=2, **{"states.USA.credibility": 0.2})
    assert m.config.name == "baseline"  # the default scenario
    h = m.components["hedging"]
    c0 = m.credibility
    m.step()
    assert m.state.hedge == h.pressure(c0) > 0  # hedging's start phase ran before the decisions
    with pytest.raises(ValueError, match="months must be at least 1, not 0"):
        ThawModel(months=0)


def test_a_name_is_looked_up_again_when_the_search_path_changes(tmp_path, monkeypatch):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "s.toml").write_text("x = 1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THAW_SCENARIO_PATH", str(tmp_path / "a"))
    assert sc.find_scenario("s") == (tmp_path / "a" / "s.toml").resolve()
    monkeypatch.setenv("THAW_SCENARIO_PATH", str(tmp_path / "b"))
    assert sc.find_scenario("s") == (tmp_path / "b" / "s.toml").resolve()
    monkeypatch.delenv("THAW_SCENARIO_PATH")
    with pytest.raises(ScenarioError):
        sc.find_scenario("s")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    (tmp_path / "sub" / "scenarios").mkdir()
    (tmp_path / "sub" / "scenarios" / "s.toml").write_text("x = 2")
    assert sc.find_scenario("s") == (tmp_path / "sub" / "scenarios" / "s.toml").resolve()  # per working folder


def test_overrides_chain_keep_the_files_and_the_raw_values():
    base = load_scenario("baseline")
    once = base.with_overrides({"states.USA.commitment": 0.35})
    assert once.files == base.files and once.raw["states"]["USA"]["commitment"] == 0.35
    twice = once.with_overrides({"states.USA.credibility": 0.45})
    assert twice.value("states.USA.commitment") == 0.35 and twice.value("states.USA.credibility") == 0.45
    e = refused(base, overrides={"states.USA.credibility": 0.5, "states.USA.commitment": 1.5})
    assert e.file.endswith("(with override states.USA.commitment=1.5)")


def test_a_parents_bad_top_level_value_is_blamed_on_the_parent(scenario_dir):
    parent = scenario_dir / "parent.toml"
    parent.write_text(HEADER.format(name="parent") + "months = 0\n")
    top = child(scenario_dir, "", name="top", parent="parent")
    e = refused(top)
    assert e.key == "months" and e.file == str(parent.resolve())


def test_bare_toml_dates_are_read_as_text(scenario_dir):
    p = child(scenario_dir, '[[events]]\ndate = 2026-03-15\nsource = "KOR"\ntarget = "JPN"\nkind = "history"\n'
                            'ref = "t"\n', name="dated")
    assert load_scenario(p).params.events[-1].date == "2026-03-15"


# Found by mutation testing of the loader after issue 9 (docs/testing.md) ----------------------------
@pytest.mark.parametrize(("field", "value"), [("source", "XYZ"), ("target", "ABC")])
def test_an_event_naming_an_unknown_state_is_refused_by_key(tmp_path, field, value):
    ev = {"date": "2026-04", "source": "KOR", "target": "JPN", "kind": "history", "move": "court_ruling",
          "description": "test", "ref": "test", field: value}
    body = "[[events]]\n" + "".join(f'{k} = "{v}"\n' for k, v in ev.items())
    text = str(refused(child(tmp_path, body)))
    assert f".{field}" in text and "events[" in text and repr(value) in text and "JPN, KOR, CHN, USA" in text


def test_an_election_in_an_unknown_state_is_refused_by_key(tmp_path):
    body = ('[[elections]]\nstate = "XYZ"\ndate = "2027-09"\nref = "test"\ncandidates = [\n'
            '  { name = "A", ideology = 0.1, hawkishness = 0.1, history_stance = 0.1, probability = 1.0 },\n]\n')
    text = str(refused(child(tmp_path, body)))
    assert "elections[" in text and "'XYZ'" in text


def test_a_keyed_table_missing_a_key_names_every_expected_key_and_the_missing_one():
    from pydantic import ValidationError

    from model.schema import OpinionDyn

    p = load_scenario("baseline").params.dynamics.opinion.model_dump()
    del p["visibility"]["coerce_mil"]
    with pytest.raises(ValidationError) as err:
        OpinionDyn.model_validate(p)
    text = str(err.value)
    assert "visibility needs a value for each of cooperate, reassure, protest, align, coerce_econ, coerce_mil" in text
    assert "missing coerce_mil" in text


def test_a_norm_for_a_state_that_is_not_an_ally_is_refused_by_key(scenario_dir):
    """The norms act on the two allies only: a norm for China was silently ignored before."""
    e = refused(child(scenario_dir, '[dynamics.norms.level]\nCHN = { value = 40.0, source = "t" }\n', name="chn"))
    assert e.key == "dynamics.norms.level.CHN"
    assert e.expected.startswith("one of the two allies (JPN, KOR), not 'CHN'")
    assert "chn.toml" in str(e)
