"""Reading scenario files: TOML, ``extends`` chains, per-value sources, overrides and clear errors.

A scenario file writes every number of the ``decision``, ``dynamics`` and ``states`` tables as
``{ value = …, source = "…" }``. The loader merges a file over the one it ``extends``, splits the
values from their sources, validates the values against :mod:`model.schema` and keeps the sources
beside them, so that ``thaw show`` can print where each number comes from.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError

from model.roles import Roles
from model.schema import SOURCED_SECTIONS, KeyedValueError, Scenario

#: Arrays that a child scenario appends to its parent's instead of replacing.
APPENDED_ARRAYS = ("events", "elections")
OVERRIDE_SOURCE = "override"
#: Longest ``extends`` chain accepted; real scenarios use two or three links.
MAX_EXTENDS = 32


class ScenarioError(ValueError):
    """A scenario could not be loaded; the message names the file, the key and what was expected."""

    def __init__(self, file: str | Path | None, key: str | None, expected: str):
        self.file = str(file) if file is not None else None
        self.key = key
        self.expected = expected
        if self.file is None and key and key.startswith("--"):  # a command-line option, not a file's key
            super().__init__(f"{key}: {expected}")
            return
        where = self.file or "scenario"
        super().__init__(f"{where}: {'key `' + key + '`: ' if key else ''}{expected}")


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the source of every parameter value and the files it came from."""

    params: Scenario
    sources: dict[str, str]
    files: tuple[Path, ...]
    raw: dict[str, Any] = field(repr=False)
    _variants: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.params.name

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to ship to a worker) without the cache of validated variants."""
        return {**self.__dict__, "_variants": {}}

    @property
    def roles(self) -> Roles:
        """Who plays which part (allies, patron, rival, who may coerce whom)."""
        found = self._variants.get("roles")
        if found is None:
            found = self._variants["roles"] = roles_of(self.params)
        return found

    @property
    def hash(self) -> str:
        """Content hash of the resolved scenario: equal hashes mean equal inputs to the model.
        Worked out once per object, like ``roles`` (the validated parameters are not changed)."""
        found = self._variants.get("hash")
        if found is None:
            blob = json.dumps(self.params.model_dump(mode="json"), sort_keys=True).encode()
            found = self._variants["hash"] = hashlib.sha256(blob).hexdigest()[:16]
        return found

    def value(self, key: str) -> Any:
        """The resolved value at a dotted key, e.g. ``states.USA.commitment``."""
        node: Any = self.params.model_dump()
        for part in key.split("."):
            node = node[part]
        return node

    def with_overrides(self, overrides: dict[str, Any], source: str = OVERRIDE_SOURCE) -> LoadedScenario:
        """A copy with dotted-path values replaced, revalidated, each override's source recorded."""
        if not overrides:
            return self
        try:  # a batch builds the same design point once per replication: validate it once
            # the type is part of the key: True == 1 == 1.0 in Python, but not to the schema
            cache_key = (tuple(sorted((k, type(v).__name__, v) for k, v in overrides.items())), source)
            cached = self._variants.get(cache_key)
        except TypeError:  # unhashable override values: nothing to cache, the validator will judge
            cache_key, cached = None, None
        if cached is not None:
            return cached
        raw = copy.deepcopy(self.raw)
        sources = dict(self.sources)
        for key, value in overrides.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ScenarioError(f"{self.files[0]} (override)", key, f"a finite number, not {value}")
            _set_path(raw, key, value, self.files[0])
            sources[key] = source
        params = _validate(raw, self.files[0], origin={k: self.files[0] for k in overrides}, overrides=overrides)
        variant = LoadedScenario(params, sources, self.files, raw)
        if cache_key is not None and len(self._variants) < 10_000:
            self._variants[cache_key] = variant
        return variant


# ---------------------------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------------------------
def shipped_scenario_dir() -> Path | None:
    """The scenarios shipped with the package (``model/scenarios``, the project's ``scenarios/`` in
    a checkout), found through importlib.resources so that a wheel install has them too."""
    from importlib import resources

    try:
        d = Path(str(resources.files("model").joinpath("scenarios")))
    except (ModuleNotFoundError, TypeError):
        return None
    return d.resolve() if d.is_dir() else None


def scenario_dirs() -> list[Path]:
    """Where scenario names are looked up: ``$THAW_SCENARIO_PATH``, ``./scenarios``, the shipped ones."""
    dirs = [Path(p) for p in os.environ.get("THAW_SCENARIO_PATH", "").split(os.pathsep) if p]
    dirs += [Path.cwd() / "scenarios"]
    shipped = shipped_scenario_dir()
    if shipped is not None:
        dirs.append(shipped)
    seen: list[Path] = []
    for d in dirs:
        try:
            if d.is_dir() and d.resolve() not in seen:
                seen.append(d.resolve())
        except (OSError, ValueError):
            continue
    return seen


def list_scenarios() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in scenario_dirs():
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def find_scenario(spec: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario file from a path or a bare name (remembered per working folder and search path)."""
    key = (str(spec), str(relative_to), os.getcwd(), os.environ.get("THAW_SCENARIO_PATH", ""))
    found = _FOUND.get(key)
    if found is not None and found.is_file():
        return found
    found = _find_scenario(spec, relative_to)
    _FOUND[key] = found
    return found


_FOUND: dict[tuple[str, ...], Path] = {}


def _find_scenario(spec: str | Path, relative_to: Path | None) -> Path:
    path = Path(spec)
    if path.suffix == ".toml" or path.parent != Path("."):
        candidates = [path] if path.is_absolute() or relative_to is None else [relative_to / path, path]
    else:
        candidates = ([relative_to / f"{spec}.toml"] if relative_to else []) + [
            d / f"{spec}.toml" for d in scenario_dirs()
        ]
    for c in candidates:
        try:
            if c.is_file():
                return c.resolve()
        except (OSError, ValueError):  # too long a name, a NUL byte: not a file we can open
            continue
    known = ", ".join(list_scenarios()) or "none found"
    raise ScenarioError(spec, None, f"no such scenario file; known scenarios: {known}")


# ---------------------------------------------------------------------------------------------
# Reading, merging and splitting values from sources
# ---------------------------------------------------------------------------------------------
def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, None, f"not UTF-8 text, as TOML must be ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise ScenarioError(path, None, "nested too deeply to be a scenario file") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot be read ({exc.strerror})") from None


def _split_sources(node: Any, prefix: str, path: Path, sources: dict[str, str], origin: dict[str, Path]) -> Any:
    """Replace every ``{value, source}`` table by its value, recording the source by dotted key."""
    if isinstance(node, dict):
        if "value" in node or "source" in node:
            extra = set(node) - {"value", "source"}
            if extra or "value" not in node or "source" not in node:
                raise ScenarioError(path, prefix, 'expected exactly { value = …, source = "…" }')
            if not isinstance(node["source"], str) or not node["source"].strip():
                raise ScenarioError(path, prefix + ".source", "a non-empty text naming where the value comes from")
            sources[prefix] = node["source"]
            origin[prefix] = path
            if isinstance(node["value"], float) and not math.isfinite(node["value"]):
                raise ScenarioError(path, prefix + ".value", f"a finite number, not {node['value']}")
            return node["value"]
        return {k: _split_sources(v, f"{prefix}.{k}", path, sources, origin) for k, v in node.items()}
    if isinstance(node, str):  # names, not numbers: no source needed
        origin[prefix] = path
        return node
    if isinstance(node, float) and not math.isfinite(node):
        raise ScenarioError(path, prefix, f"a finite number, not {node}")
    raise ScenarioError(path, prefix, f'expected {{ value = {node!r}, source = "…" }}: every number needs its source')


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key in APPENDED_ARRAYS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + value
        else:
            out[key] = value
    return out


def _read_chain(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict[str, str], dict[str, Path], tuple[Path, ...]]:
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(chain[-1], "extends", f"a scenario it does not already extend (circular: {loop})")
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(chain[0], "extends", f"a chain of at most {MAX_EXTENDS} files, not longer (via {path.name})")
    data = _read_toml(path)
    sources: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for section in SOURCED_SECTIONS:
        if section in data:
            data[section] = _split_sources(data[section], section, path, sources, origin)
    for key in data:
        origin.setdefault(key, path)
    parent = data.get("extends")
    if parent is None:
        return data, sources, origin, (path,)
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "the name or path of another scenario, as text")
    try:
        parent_path = find_scenario(parent, relative_to=path.parent)
    except ScenarioError:
        raise ScenarioError(path, "extends", f"an existing scenario; {parent!r} was not found") from None
    pdata, psources, porigin, pfiles = _read_chain(parent_path, (*chain, path))
    if data.get("inherit_schedule") is False:  # a replay with its own dated record
        pdata = {k: v for k, v in pdata.items() if k not in APPENDED_ARRAYS}
    merged = _merge(pdata, data)
    return merged, {**psources, **sources}, {**porigin, **origin}, (path, *pfiles)


# ---------------------------------------------------------------------------------------------
# Validation errors, told plainly
# ---------------------------------------------------------------------------------------------
def _fields_at(loc: tuple, root: type[BaseModel] = Scenario) -> list[str]:
    """Field names valid at a location in the schema, to list what a misspelt key could be."""
    cls: Any = root
    for part in loc:
        if isinstance(part, int) or cls is None:
            continue
        if isinstance(cls, type) and issubclass(cls, RootModel):  # a table keyed by state code
            cls = _model_in(cls.model_fields["root"].annotation)
            continue
        fields = getattr(cls, "model_fields", {})
        if part not in fields:
            return []
        ann = fields[part].annotation
        cls = _model_in(ann)
    return list(getattr(cls, "model_fields", {})) if cls else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found:
            return found
    return None


def explain(err: dict[str, Any], root: type[BaseModel] = Scenario) -> tuple[str, str]:
    """A pydantic error as (dotted key, what was expected), in words a user can act on."""
    error = err.get("ctx", {}).get("error")
    if isinstance(error, KeyedValueError):
        return error.key, error.expected
    loc = tuple(p for p in err["loc"] if p != "[key]")
    key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1], root)
        return key, "unknown key" + (f"; expected one of: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return key, "missing; give it here or `extends` a scenario that has it"
    if kind == "literal_error" and "[key]" in err["loc"]:
        return key, f"unknown key; {err['msg'].lower()}"
    msg = err["msg"]
    if "input" in err and kind not in ("model_type", "dict_type"):
        msg += f" (got {err['input']!r})"
    return key, msg


def _validate(raw: dict[str, Any], top: Path, origin: dict[str, Path], overrides: dict | None = None) -> Scenario:
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        errors = [explain(e) for e in exc.errors(include_url=False)]
        key, expected = errors[0]
        file = _origin_of(key, origin, top)
        if overrides and any(key == k or key.startswith(k + ".") for k in overrides):
            file = f"{top} (with override {key}={overrides.get(key)!r})"
        more = "; ".join(f"`{k}`: {e}" for k, e in errors[1:5])
        if more:
            expected += f". Also {more}" + (" …" if len(errors) > 5 else "")
        raise ScenarioError(file, key, expected) from None


def _origin_of(key: str, origin: dict[str, Path], top: Path) -> Path:
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        found = origin.get(".".join(parts[:n]))
        if found:
            return found
    return top


def _set_path(raw: dict[str, Any], key: str, value: Any, file: Path) -> None:
    parts = key.split(".")
    node = raw
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            here = ".".join(parts[:i]) or "the top level"
            keys = ", ".join(node) if isinstance(node, dict) else "none"
            raise ScenarioError(f"{file} (override)", key, f"no such parameter; keys under {here}: {keys}")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node or isinstance(node[parts[-1]], dict | list):
        where = ".".join(parts[:-1]) or "the top level"
        keys = ", ".join(k for k, v in node.items() if not isinstance(v, dict | list)) if isinstance(node, dict) else ""
        raise ScenarioError(f"{file} (override)", key, f"no such parameter; values under {where}: {keys}")
    node[parts[-1]] = value


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------
_CACHE: dict[Path, tuple[LoadedScenario, tuple[int, ...]]] = {}


def _mtimes(files: tuple[Path, ...]) -> tuple[int, ...]:
    return tuple(f.stat().st_mtime_ns if f.exists() else -1 for f in files)


def load_scenario(spec: str | Path | LoadedScenario, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Load a scenario by name, path or already-loaded object, then apply dotted-path overrides.

    Files are cached by path and modification time, so that building thousands of models from the
    same scenario reads and validates the file once.
    """
    if isinstance(spec, LoadedScenario):
        loaded = spec
    else:
        path = find_scenario(spec)
        cached = _CACHE.get(path)
        if cached and _mtimes(cached[0].files) == cached[1]:
            loaded = cached[0]
        else:
            try:
                raw, sources, origin, files = _read_chain(path, ())
                params = _validate(raw, path, origin)
            except RecursionError:
                raise ScenarioError(path, None, "nested too deeply to be a scenario") from None
            loaded = LoadedScenario(params, sources, files, raw)
            _CACHE[path] = (loaded, _mtimes(files))
    return loaded.with_overrides(overrides or {})


def resolved_parameters(loaded: LoadedScenario) -> list[tuple[str, Any, str]]:
    """Every sourced parameter as (dotted key, value, source), in schema order."""
    rows: list[tuple[str, Any, str]] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{prefix}.{k}")
        elif prefix in loaded.sources:
            rows.append((prefix, node, loaded.sources[prefix]))

    dumped = loaded.params.model_dump()
    for section in SOURCED_SECTIONS:
        walk(dumped[section], section)
    return rows


def roles_of(params: Scenario) -> Roles:
    r = params.roles
    return Roles.build(tuple(params.state_map()), (r.allies[0], r.allies[1]), r.patron, r.rival, r.coercion)
