"""``thaw show NAME --diff``: only what a scenario changes against the scenario it extends."""

from __future__ import annotations

from typing import Any

from model import load_scenario


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: node}


def scenario_diff(spec: str, overrides: dict[str, Any] | None = None) -> tuple[str, str | None, list[tuple[str, Any, Any, str]]]:
    """(scenario, parent or None, [(key, parent value, value, source)]) for every resolved value
    that differs from the parent's; events and elections count as one key each."""
    child = load_scenario(spec, overrides)
    if len(child.files) < 2:
        return child.name, None, []
    parent = load_scenario(child.files[1])
    a, b = _flat(parent.params.model_dump(mode="json")), _flat(child.params.model_dump(mode="json"))
    skip = {"name", "description", "article_passage", "extends"}
    rows = []
    for key in b:
        if key.split(".")[0] in skip or a.get(key) == b[key]:
            continue
        rows.append((key, a.get(key), b[key], child.sources.get(key, "")))
    for key in (k for k in a if k not in b and k.split(".")[0] not in skip):
        rows.append((key, a[key], None, ""))
    return child.name, parent.name, rows


def format_diff(spec: str, overrides: dict[str, Any] | None = None) -> str:
    name, parent, rows = scenario_diff(spec, overrides)
    if parent is None:
        return f"{name} extends no other scenario: nothing to compare (thaw show {name} prints every value)"
    if not rows:
        return f"{name} changes nothing against {parent}"
    width = max(len(k) for k, *_ in rows)
    lines = [f"{name} against {parent}: {len(rows)} value(s) differ"]
    for key, old, new, source in rows:
        if isinstance(old, list) or isinstance(new, list):
            old, new = old or [], new or []
            lines.append(f"  {key:<{width}}  {len(old):>10} -> {len(new):<10}  entries")
            lines += [f"  {'':<{width}}  + {_entry(e)}" for e in new if e not in old]
            lines += [f"  {'':<{width}}  - {_entry(e)}" for e in old if e not in new]
        else:
            lines.append(f"  {key:<{width}}  {old!s:>10} -> {new!s:<10}  {source}")
    return "\n".join(lines)


def _entry(e: Any) -> str:
    """A scheduled event or election on one line: its date, who, what."""
    if not isinstance(e, dict):
        return str(e)
    who = "->".join(str(e[k]) for k in ("source", "target") if e.get(k)) or str(e.get("state", ""))
    what = e.get("move") or e.get("kind") or ", ".join(c.get("name", "") for c in e.get("candidates", []))
    return f"{e.get('date', '')} {who} {what} {e.get('description', '')}".strip()
