"""What the calibration fits: the record's summary statistics and the distance to a simulation.

Three blocks, each the mean of squared standardised misses, summed, square-rooted:

- **polls**: every 2013–2025 reading of both favourability series (Genron NPO / EAI, with Gallup
  Korea as second readings), simulated through the measurement model (``model.observation``), each
  miss divided by that wave's measurement sd, so an online 2024–25 wave counts for less;
- **bites**: the measured cut of each coercion episode (``coercion_episodes.csv``), as the mean
  share of the channel cut over the calendar year, each miss divided by :data:`BITE_SCALE`;
- **counts**: the number of salient moves of each type over the window (``events.csv``), each
  miss divided by ``sqrt(observed + 1)``, a Poisson-sized tolerance. Only the move types that
  events.csv logs exhaustively are counted: coercion, China's coercion episodes, alignment moves.
  Routine cooperation, statements and criticism are in the model's log every month and in
  events.csv only when they made history, so their counts are no target. Two more counts in the
  block are the **ruptures**: spells of the ``rupture`` outcome starting in 2019–2020 (the record:
  one) and in any other year of the window (the record: none), with the same tolerance.

``Targets.upto(year)`` keeps only what was known by the end of ``year``: the backtest fits on it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np

from model.observation import Wave, load_waves

START_YEAR, END_YEAR = 2013, 2025
#: A 10-point miss on a measured cut counts like a one-sd miss on a poll (as in the point fit).
BITE_SCALE = 0.10
EPISODE_GAP = 6  # months: the model's rule for when Chinese coercion of a state opens a new episode


@dataclass(frozen=True)
class Episode:
    label: str
    coercer: str
    target: str
    channel: str
    year: int
    observed: float  # share of the flow cut over the year
    derivation: str


EPISODES = [
    Episode("THAAD tour ban 2017 (arrivals)", "CHN", "KOR", "tourism", 2017, 0.483,
            "coercion_episodes.csv: Chinese arrivals in Korea 8.07M (2016) -> 4.17M (2017)"),
    Episode("Korean boycott 2019 (arrivals)", "KOR", "JPN", "consumer", 2019, 0.259,
            "coercion_episodes.csv: Korean arrivals in Japan -25.9 % in 2019 on 2018"),
    Episode("Korean boycott 2019 (beer)", "KOR", "JPN", "consumer", 2019, 0.492,
            "coercion_episodes.csv: Japanese beer imports USD 78.3M (2018) -> 39.76M (2019)"),
    Episode("Korean boycott 2020 (beer)", "KOR", "JPN", "consumer", 2020, 0.928,
            "coercion_episodes.csv: Japanese beer imports USD 78.3M (2018) -> 5.67M (2020); arrivals are not "
            "used for 2020, when COVID closed the borders"),
    Episode("seafood ban 2023", "CHN", "JPN", "seafood", 2023, 0.300,
            "coercion_episodes.csv: Japan's seafood exports to China JPY 87.1bn (2022) -> 61.0bn (2023)"),
    Episode("seafood ban 2024", "CHN", "JPN", "seafood", 2024, 0.930,
            "coercion_episodes.csv: JPY 87.1bn (2022) -> 6.1bn (2024)"),
]


@dataclass(frozen=True)
class Count:
    """A move type counted in the model's event log and in events.csv."""

    label: str
    sources: frozenset[str]
    targets: frozenset[str] | None  # None: any target
    kinds: frozenset[str]  # catalogue kinds in the model's log
    record_kinds: frozenset[str]  # events.csv kinds
    episodes: bool = False  # count China's coercion episodes (6-month gap rule), not moves


ALLIES = frozenset({"JPN", "KOR"})
COERCIVE = frozenset({"coerce_econ", "coerce_mil"})
COUNTS = [
    Count("Chinese coercive moves", frozenset({"CHN"}), None, COERCIVE, frozenset({"coerce"})),
    Count("Chinese coercion episodes", frozenset({"CHN"}), ALLIES, COERCIVE, frozenset({"coerce"}), episodes=True),
    Count("Japan-Korea coercive moves", ALLIES, ALLIES, COERCIVE, frozenset({"coerce"})),
    Count("allies' alignment moves", ALLIES, None, frozenset({"align"}), frozenset({"alignment"})),
]


#: The record's ruptures: one, starting in 2019-2020 (docs/model.md, rupture), and none elsewhere.
RUPTURE_YEARS = ("2019", "2020")


def rupture_counts(starts: list[str], last_year: int) -> list[float]:
    """(ruptures starting in 2019-2020, ruptures starting in another year) up to ``last_year``, from
    the months (YYYY-MM) in which the model's rupture rule says a rupture started
    (``ThawModel.rupture_starts``): a spell that lapses for a month and resumes is one rupture there,
    and so it is here."""
    years = [d[:4] for d in starts if int(d[:4]) <= last_year]
    inside = sum(y in RUPTURE_YEARS for y in years)
    return [float(inside), float(len(years) - inside)]


def count_moves(rows: list[tuple[str, str, str, str]], c: Count, last_month: str) -> int:
    """``rows``: (YYYY-MM, source, target, kind). Moves of type ``c`` up to ``last_month``."""
    hits = sorted(r for r in rows if r[0] <= last_month and r[1] in c.sources and r[3] in c.kinds | c.record_kinds
                  and (c.targets is None or r[2] in c.targets))
    if not c.episodes:
        return len(hits)
    last: dict[str, int] = {}
    n = 0
    for month, _, target, _ in hits:
        k = int(month[:4]) * 12 + int(month[5:7])
        if k - last.get(target, -999) > EPISODE_GAP:
            n += 1
        last[target] = k
    return n


def record_rows() -> list[tuple[str, str, str, str]]:
    text = resources.files("model").joinpath("data/events.csv").read_text()
    rows = [r for r in csv.DictReader(text.splitlines()) if f"{START_YEAR}-01" <= r["date"][:7] <= f"{END_YEAR}-12"]
    return [(r["date"][:7], r["source"], r["target"], r["kind"]) for r in rows]


@dataclass(frozen=True)
class Targets:
    waves: list[Wave]
    episodes: list[Episode] = field(default_factory=lambda: list(EPISODES))
    counts: list[Count] = field(default_factory=lambda: list(COUNTS))
    last_year: int = END_YEAR

    @property
    def months(self) -> int:
        """Months the hindcast must run (from 2013-01) to cover every target."""
        return (self.last_year - START_YEAR + 1) * 12

    def upto(self, year: int) -> Targets:
        return replace(self, waves=[w for w in self.waves if w.year <= year],
                       episodes=[e for e in self.episodes if e.year <= year], last_year=year)

    def observed(self) -> dict[str, np.ndarray]:
        rows = record_rows()
        return {
            "polls": np.array([w.value for w in self.waves]),
            "bites": np.array([e.observed for e in self.episodes]),
            "counts": np.array([count_moves(rows, c, f"{self.last_year}-12") for c in self.counts]
                               + [1.0 if self.last_year >= int(RUPTURE_YEARS[0]) else 0.0, 0.0]),
        }

    def scales(self) -> dict[str, np.ndarray]:
        obs = self.observed()
        return {"polls": np.array([w.sd for w in self.waves]),
                "bites": np.full(len(self.episodes), BITE_SCALE),
                "counts": np.sqrt(obs["counts"] + 1.0)}


def all_targets() -> Targets:
    return Targets(load_waves(range(START_YEAR, END_YEAR + 1)))


def components(sim: dict[str, np.ndarray], obs: dict[str, np.ndarray], scales: dict[str, np.ndarray]) -> dict[str, float]:
    """Each block's mean squared standardised miss."""
    return {k: float(np.mean(((np.asarray(sim[k]) - obs[k]) / scales[k]) ** 2)) if len(obs[k]) else 0.0
            for k in ("polls", "bites", "counts")}


def make_distance(targets: Targets):
    """The ABC distance ``d(sim, obs) = sqrt(sum of the blocks' mean squared standardised misses)``."""
    scales = targets.scales()

    def distance(x: dict, x0: dict) -> float:
        return float(np.sqrt(sum(components(x, x0, scales).values())))

    return distance
