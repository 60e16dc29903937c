"""How a poll reads a public's latent opinion: the measurement model of the favourability waves.

A model month holds each public's *latent* favourability (per cent). A poll wave is that value
plus measurement error, and the calibration, the hindcast and the backtest compare the record with
*simulated readings*, never with the latent value, so that neither the fit nor the bands chase
noise that is in the instrument rather than in the public:

- **Sampling error.** A proportion ``p`` estimated from ``n`` respondents has standard deviation
  ``sqrt(deff * p (1 - p) / n)``; at ``n`` = 1,000 and ``p`` = 30 % that is 1.45 points, a 95 %
  margin of about ±3 points, the figure pollsters print. ``n`` comes from the data's ``n`` column
  when a row has one; the shipped table has none, so :data:`DEFAULT_N` is used (Genron NPO and the
  East Asia Institute each survey about 1,000 adults per country).
- **Mode and partner.** The 2024 and 2025 Korean waves were fielded online (EAI alone in 2024, with
  new partners in 2025), and the 2025 Japanese wave online by a new partner (API). A change of
  mode shifts answers by an amount the record cannot separate from a change of opinion, and whose
  sign we do not know, so it enters as an extra, zero-mean noise term :data:`MODE_SD` rather than as
  a fitted offset: the fit is told that an online wave is a weaker reading of the public.
- **House.** Gallup Korea asks a different question by telephone; its points are second readings
  with a house term :data:`HOUSE_SD`. The Japan Cabinet Office asks about "affinity", a different
  question whose level runs 5–10 points above Genron's, and changed method in 2020: it is not used.

Nothing here imports the simulation: it maps latent values to readings and back to likelihoods.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

#: Respondents per wave when the data give none (assumption: the Genron NPO / EAI reports give
#: about 1,000 adults per country; Gallup Korea's omnibus polls about 1,000 too).
DEFAULT_N = 1000
#: Design effect of the samples (assumption: 1, i.e. simple random sampling; quota and online
#: panels are less efficient, which the mode term below absorbs for the online waves).
DESIGN_EFFECT = 1.0
#: Extra measurement sd, in points, of a wave fielded online after years face to face. Assumption,
#: sized from the record: Gallup Korea (telephone) read 38 % in August 2025, the EAI online wave of
#: the same month 52.4 %, a 14-point gap between two readings of one public in one month; an sd of
#: 8 points makes such a gap a 1.3-sd event for the difference of a mode and a house term.
MODE_SD = {"online": 8.0}
#: Extra sd, in points, of a second pollster's reading against the target series (assumption:
#: Gallup Korea 17 % in February 2015 against Genron/EAI 15.7 % in May 2015).
HOUSE_SD = {"Gallup Korea": 3.0}
#: Record series read as the model's series: (model series, role).
SERIES = {
    "kor_fav_jpn": ("kor_fav_jpn", "target"),
    "jpn_fav_kor": ("jpn_fav_kor", "target"),
    "kor_fav_jpn_gallup": ("kor_fav_jpn", "second"),
}


@dataclass(frozen=True, slots=True)
class Wave:
    """One poll reading of one public, with what is known about how it was taken."""

    series: str  # the model's outcome column this reads (kor_fav_jpn, jpn_fav_kor)
    source_series: str  # the row's series in opinion_polls.csv
    year: int
    fieldwork: str  # YYYY-MM
    value: float  # per cent
    pollster: str
    n: int
    mode: str  # face-to-face, online, telephone
    role: str  # target (Genron NPO / EAI) or second (another pollster)

    @property
    def sd(self) -> float:
        """This wave's measurement sd at its own observed value (points)."""
        return measurement_sd(self.value, self)


def mode_of(measure: str, pollster: str) -> str:
    """The survey mode a row's description states; Genron/EAI waves before 2024 were face to face."""
    if "online" in measure.lower():
        return "online"
    if pollster.startswith("Gallup"):
        return "telephone"
    return "face-to-face"


def load_waves(years: range | None = None, rows: list[dict[str, str]] | None = None) -> list[Wave]:
    """The readings of the shipped poll table that the model's series can be scored on."""
    if rows is None:
        text = resources.files("model").joinpath("data/opinion_polls.csv").read_text()
        rows = list(csv.DictReader(text.splitlines()))
    out = []
    for r in rows:
        if r["series"] not in SERIES:
            continue
        year = int(r["year"])
        if years is not None and year not in years:
            continue
        series, role = SERIES[r["series"]]
        n = int(r["n"]) if r.get("n") not in (None, "") else DEFAULT_N
        out.append(Wave(series, r["series"], year, r["fieldwork"], float(r["value_pct"]), r["pollster"], n,
                        mode_of(r["measure"], r["pollster"]), role))
    return sorted(out, key=lambda w: (w.role != "target", w.series, w.fieldwork))


def sampling_sd(latent_pct: float | np.ndarray, n: int = DEFAULT_N, deff: float = DESIGN_EFFECT) -> float | np.ndarray:
    """Sampling sd in points of a share ``latent_pct`` estimated from ``n`` respondents."""
    p = np.clip(np.asarray(latent_pct, dtype=float) / 100.0, 0.0, 1.0)
    sd = 100.0 * np.sqrt(deff * p * (1.0 - p) / n)
    return float(sd) if sd.ndim == 0 else sd


def extra_sd(wave: Wave) -> float:
    """Mode and house terms of one wave, in points (added in quadrature to sampling error)."""
    return math.hypot(MODE_SD.get(wave.mode, 0.0), HOUSE_SD.get(wave.pollster, 0.0))


def measurement_sd(latent_pct: float | np.ndarray, wave: Wave) -> float | np.ndarray:
    """Total measurement sd of ``wave`` if the public's latent favourability is ``latent_pct``."""
    s = sampling_sd(latent_pct, wave.n)
    return np.sqrt(np.asarray(s) ** 2 + extra_sd(wave) ** 2) if np.ndim(s) else math.hypot(s, extra_sd(wave))


def observe(latent_pct: float | np.ndarray, wave: Wave, rng: np.random.Generator) -> float | np.ndarray:
    """Simulated readings of ``wave`` given latent values: latent + measurement error, in [0, 100]."""
    latent = np.asarray(latent_pct, dtype=float)
    noise = rng.normal(0.0, 1.0, size=latent.shape) * measurement_sd(latent, wave)
    out = np.clip(latent + noise, 0.0, 100.0)
    return float(out) if out.ndim == 0 else out


__all__ = ["Wave", "load_waves", "sampling_sd", "measurement_sd", "extra_sd", "observe", "mode_of",
           "DEFAULT_N", "MODE_SD", "HOUSE_SD"]
