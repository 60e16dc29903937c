"""The ensemble explorer: results mode (a batch's ensembles, down to one run) and what-if mode
(change parameters, rerun on common seeds, see paired differences), on ipywidgets.

Heavy work runs in a background thread that drives the project's process executor, so the
widgets stay responsive and a progress bar moves while the runs go.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from experiments import plots
from experiments.explorer import figures, whatif
from experiments.explorer.knobs import Knob, knobs
from experiments.labels import short_name

ALL = "(all — pooled)"
SMALL = "font-size: 11px; color: #555; line-height: 1.3"


def _image(cls: str) -> w.Image:
    img = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto", align_self="flex-start"))
    img.add_class(cls)
    img.observe(_hide_when_empty, names="value")
    _hide_when_empty({"owner": img, "new": img.value})
    return img


def _hide_when_empty(change: dict) -> None:
    """An empty image would show as a broken-image icon: take it out of the layout instead."""
    change["owner"].layout.display = None if change["new"] else "none"


# ---------------------------------------------------------------------------------------------
class ResultsPanel:
    """Pick scenario, design point (or pool over parameters: a slice of a grid) and outcome; see
    the fan chart, the survival curve and the distribution at the horizon; open one run."""

    def __init__(self, path: str | Path | None = None):
        self.path = w.Text(value=str(path or ""), description="results", placeholder="a thaw batch --out folder",
                           layout=w.Layout(width="60%"))
        self.open = w.Button(description="Open", button_style="info")
        self.open.add_class("thaw-open")
        self.message = w.HTML()
        self.controls = w.VBox()
        self.fan, self.survival, self.horizon = _image("thaw-fan"), _image("thaw-survival"), _image("thaw-horizon")
        self.fan.value = figures.placeholder("Open a results folder (written by thaw batch --out DIR) to see its ensembles.",
                                             height=1.2)
        self.run_pick = w.Dropdown(description="run", layout=w.Layout(width="60%"))
        self.run_pick.add_class("thaw-run-pick")
        self.show_run = w.Button(description="Show run", button_style="info")
        self.show_run.add_class("thaw-show-run")
        self.timeline = _image("thaw-timeline")
        self.timeline.value = figures.placeholder("Pick a run above and press Show run: its event timeline appears here.",
                                                  height=1.2)
        self.table = w.HTML()
        self.open.on_click(lambda _: self.load())
        self.show_run.on_click(lambda _: self.draw_run())
        self.widget = w.VBox([w.HBox([self.path, self.open]), self.message, self.controls,
                              w.HBox([self.fan, self.survival]), self.horizon,
                              w.HTML("<b>One run</b>: its event timeline and monthly outcomes"),
                              w.HBox([self.run_pick, self.show_run]), self.timeline, self.table])
        self.res = None
        if path:
            self.load()

    def load(self) -> None:
        import experiments

        try:
            res = experiments.load(self.path.value.strip())
            runs = res.runs
            if runs.empty:
                raise ValueError("no finished runs in this folder")
        except (ValueError, OSError) as exc:
            self.message.value = f"<span style='color:#b2182b'>{exc}</span>"
            return
        self.res = res
        self.outcomes = res.outcomes
        self.events = res.events
        self.params = plots.design_columns(runs)
        self.scenario = w.Dropdown(options=list(dict.fromkeys(runs["scenario"])), description="scenario")
        self.point = {p: w.Dropdown(options=[ALL, *sorted(runs[p].dropna().unique())], description=short_name(p),
                                    style={"description_width": "initial"}) for p in self.params}
        names = [c for c in plots.OUTCOME_LABELS if not self.outcomes.empty and c in self.outcomes]
        self.outcome = w.Dropdown(options=[(plots.OUTCOME_LABELS[c][0], c) for c in names] or [("—", None)],
                                  description="outcome")
        for widget in (self.scenario, self.outcome, *self.point.values()):
            widget.observe(lambda _: self.draw(), names="value")
        experiment = res.manifest.get("experiment", {})
        self.horizon_months = experiment.get("content", {}).get("months")
        self.message.value = (f"<span style='{SMALL}'>{len(runs)} runs of experiment <b>{experiment.get('name', '?')}</b>; "
                              f"design {res.manifest['design']['kind']} over {', '.join(self.params) or 'no parameters'}; "
                              f"{'monthly outcomes kept' if not self.outcomes.empty else 'no monthly outcomes'}, "
                              f"{'event log kept' if not self.events.empty else 'no event log (a run is replayed from its seed)'}"
                              "</span>")
        self.controls.children = [w.HBox([self.scenario, self.outcome]), w.HBox(list(self.point.values()))]
        self.draw()

    def selection(self) -> tuple[pd.DataFrame, list[str]]:
        runs = self.res.runs
        sel = runs[(runs["scenario"] == self.scenario.value) & (runs["status"] == "ok")]
        pooled = []
        for p, dd in self.point.items():
            if dd.value == ALL:
                pooled.append(p)
            else:
                sel = sel[sel[p] == dd.value]
        return sel, pooled

    def draw(self) -> None:
        sel, pooled = self.selection()
        if sel.empty:
            self.fan.value = figures.placeholder("no successful runs at this selection")
            self.survival.value = self.horizon.value = b""
            return
        months = int(self.horizon_months or (self.outcomes["month"].max() if not self.outcomes.empty else 60))
        if self.outcome.value is not None:
            fig = plots.fan_chart(self.outcomes, sel, self.outcome.value, pool=True)
            self.fan.value = figures.png(fig)
        else:
            self.fan.value = figures.placeholder("this experiment kept no monthly outcomes, so no fan chart "
                                                 "([outputs] outcomes = true keeps them)")
        where = ", ".join(f"{short_name(p)} {dd.value:g}" for p, dd in self.point.items() if dd.value != ALL)
        pooled_text = f"; pooled over {', '.join(short_name(p) for p in pooled)}" if pooled else ""
        label = f"{self.scenario.value}{' · ' + where if where else ''}{pooled_text}"
        fig = plots.survival_curve(sel, months, label=label)
        self.survival.value = figures.png(fig)
        final = f"final_{self.outcome.value}" if f"final_{self.outcome.value}" in sel else "final_jk_affinity"
        self.horizon.value = figures.png(plots.horizon_distribution(sel, final))
        options = [(f"run {r.run_id} · seed {r.seed} · {'survived' if r.thaw_survived else 'ruptured'}", int(r.run_id))
                   for r in sel.head(500).itertuples()]
        self.run_pick.options = options
        self.run_pick.value = options[0][1]

    def draw_run(self) -> None:
        if self.run_pick.value is None:
            return
        run = self.res.runs.set_index("run_id").loc[self.run_pick.value]
        info = {"run_id": int(self.run_pick.value), "scenario": run["scenario"], "seed": int(run["seed"])}
        events = self.events[self.events["run_id"] == info["run_id"]] if not self.events.empty else pd.DataFrame()
        outcomes = self.outcomes[self.outcomes["run_id"] == info["run_id"]] if not self.outcomes.empty else pd.DataFrame()
        if events.empty or outcomes.empty:  # not kept: replay the run, which its seed and parameters fix
            from model import ThawModel

            overrides = {p: run[p].item() if hasattr(run[p], "item") else run[p] for p in self.res.parameters if p in run}
            model = ThawModel(run["scenario"], rng=info["seed"], months=self.horizon_months, **overrides).run()
            events, outcomes = model.events(), model.outcomes()
        self.run_outcomes = outcomes
        self.timeline.value = figures.png(plots.event_timeline(events, outcomes, run=info))
        self.table.value = figures.run_outcomes(outcomes, ["jk_affinity", "kor_fav_jpn", "jpn_fav_kor",
                                                           "trilateral_cohesion", "us_credibility", "china_coercion",
                                                           "rupture"])


# ---------------------------------------------------------------------------------------------
class WhatIfPanel:
    """Sliders and switches for the parameters users tweak most; Run compares the changed scenario
    with the unchanged one on the same seeds, in the background."""

    def __init__(self, scenario: str = "baseline", replications: int = 50, months: int = 60, executor: str = "auto"):
        from model import list_scenarios

        self.executor = executor
        from experiments.executors import prestart

        if executor == "processes":
            prestart(executor)  # the fork server imports the model now, not when the user presses Run
        threading.Thread(target=lambda: __import__("scipy.stats"), daemon=True).start()  # the intervals' import, off the Run
        self.scenario = w.Dropdown(options=list(list_scenarios()), value=scenario, description="scenario")
        self.replications = w.BoundedIntText(value=replications, min=2, max=2000, description="replications")
        self.months = w.BoundedIntText(value=months, min=6, max=240, description="months")
        self.run = w.Button(description="Run", button_style="primary", icon="play")
        self.run.add_class("thaw-run")
        self.reset = w.Button(description="Reset to scenario")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="runs", layout=w.Layout(width="40%"))
        self.status = w.HTML()
        self.status.add_class("thaw-status")
        self.overview, self.diff = _image("thaw-whatif-overview"), _image("thaw-whatif-diff")
        self.overview.value = figures.placeholder("Change a parameter on the left, then press Run: both versions run "
                                                  "on the same seeds and their paired differences appear here.")
        self.sections = w.Accordion()
        self.inputs: dict[str, w.ValueWidget] = {}
        self.defaults: dict[str, Any] = {}
        self._cache: dict[tuple, whatif.Arm] = {}
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.prefetching: threading.Thread | None = None
        self.completed = 0  # answers shown so far: a page (or a test) can tell a new answer from the last
        self.scenario.observe(lambda _: self.build_knobs(), names="value")
        for widget in (self.replications, self.months):
            widget.observe(lambda _: self.prefetch(), names="value")
        self.run.on_click(lambda _: self.start())
        self.reset.on_click(lambda _: self.build_knobs())
        self.build_knobs()
        left = w.VBox([self.scenario, self.replications, self.months, self.sections], layout=w.Layout(width="38%"))
        right = w.VBox([w.HBox([self.run, self.reset, self.progress]), self.status, self.overview, self.diff],
                       layout=w.Layout(width="62%"))
        self.widget = w.HBox([left, right])

    def _input(self, k: Knob) -> w.Widget:
        if k.kind == "bool":
            widget = w.Checkbox(value=bool(k.default), description=k.label, indent=False)
        elif k.kind == "int":
            widget = w.IntSlider(value=int(k.default), min=int(k.lo), max=int(k.hi), description=k.label)
        else:
            widget = w.FloatSlider(value=float(k.default), min=k.lo, max=k.hi, step=k.step, description=k.label,
                                   readout_format=".2f", continuous_update=False)
        widget.style = {"description_width": "initial"} if k.kind == "bool" else {"description_width": "45%"}
        widget.layout = w.Layout(width="98%")
        widget.description_allow_html = False
        widget.tooltip = f"{k.key}: {k.meaning}"
        widget.add_class("thaw-knob")
        widget.add_class("thaw-knob-" + k.key.replace(".", "-"))
        self.inputs[k.key] = widget
        self.defaults[k.key] = k.default
        note = w.HTML(f"<div style='{SMALL}'><code>{k.key}</code> — {k.meaning}<br><i>source:</i> {k.source}</div>")
        return w.VBox([widget, note])

    def build_knobs(self) -> None:
        self.inputs.clear()
        self.defaults.clear()
        groups = knobs(self.scenario.value)
        self.sections.children = [w.VBox([self._input(k) for k in ks]) for ks in groups.values()]
        for i, title in enumerate(groups):
            self.sections.set_title(i, title)
        self.sections.selected_index = 0
        self.prefetch()

    def overrides(self) -> dict[str, Any]:
        out = {}
        for key, widget in self.inputs.items():
            v, d = widget.value, self.defaults[key]
            if isinstance(d, bool) and v != d or not isinstance(d, bool) and abs(float(v) - float(d)) > 1e-12:
                out[key] = bool(v) if isinstance(d, bool) else type(d)(v)
        return out

    def _key(self) -> tuple:
        return (self.scenario.value, self.replications.value, self.months.value)

    def _base(self, key: tuple, progress=None) -> whatif.Arm:
        """The unchanged arm, run once per (scenario, replications, months) and then reused."""
        with self._lock:  # a prefetch still running is waited for, not duplicated
            if key not in self._cache:
                self._cache[key] = whatif.run_arm(key[0], {}, key[1], key[2], executor=self.executor, progress=progress)
            return self._cache[key]

    def prefetch(self) -> None:
        """Run the unchanged arm now, in the background, so the first Run only runs the changed one."""
        key = self._key()

        def job() -> None:
            with contextlib.suppress(Exception):  # Run reruns it and shows the error where it is read
                self._base(key)

        if key not in self._cache:
            self.prefetching = threading.Thread(target=job, daemon=True)
            self.prefetching.start()

    def start(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            return
        self.run.disabled = True
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self) -> None:
        scenario, n, months, changes = self.scenario.value, self.replications.value, self.months.value, self.overrides()
        key = (scenario, n, months)
        cached = key in self._cache or self.prefetching is not None and self.prefetching.is_alive()
        self.progress.max, self.progress.value = n * (1 if cached else 2), 0
        self.progress.bar_style = ""
        self.status.value = f"running {n} replications × {months} months{' (unchanged arm cached)' if cached else ''} …"
        t0 = time.perf_counter()

        def step(k: int) -> None:
            self.progress.value = min(self.progress.max, self.progress.value + k)

        try:
            base = self._base(key, progress=step)
            changed = whatif.run_arm(scenario, changes, n, months, executor=self.executor, progress=step)
            diff = whatif.paired_differences(base.runs, changed.runs)
            title = f"{scenario}: {whatif.describe_change(changes, self.defaults)}"
            self.overview.value = figures.png(figures.arms_overview(base.runs, base.outcomes, changed.runs,
                                                                    changed.outcomes, months, title))
            self.diff.value = figures.png(plots.paired_differences(diff, title))
            seconds = time.perf_counter() - t0
            self.progress.bar_style = "success"
            self.completed += 1
            self.status.value = (f"<span class='thaw-done thaw-done-{self.completed}'>"
                                 f"{n} replications × {months} months answered in "
                                 f"<b>{seconds:.1f} s</b> ({'changed arm only; unchanged arm cached' if cached else 'both arms'})"
                                 "</span>")
        except Exception as exc:  # noqa: BLE001 - shown in the panel: a bad value must not kill the explorer
            self.progress.bar_style = "danger"
            self.status.value = f"<span style='color:#b2182b'>failed: {exc}</span>"
        finally:
            self.run.disabled = False


# ---------------------------------------------------------------------------------------------
class Explorer:
    def __init__(self, results: str | Path | None = None, scenario: str = "baseline", replications: int = 50,
                 months: int = 60, executor: str = "auto"):
        self.results = ResultsPanel(results)
        self.whatif = WhatIfPanel(scenario, replications, months, executor)
        self.widget = w.Tab(children=[self.results.widget, self.whatif.widget])
        self.widget.set_title(0, "Results")
        self.widget.set_title(1, "What-if")
        self.widget.add_class("thaw-explorer")
        self.widget.selected_index = 0 if results else 1
