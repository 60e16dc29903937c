"""Probe: mean ABC distance over fixed seeds and the median 2019-06 -> 2020-10 KOR fall, and a Powell search."""
import json, sys, time
import numpy as np
from experiments.calibration import priors, targets as T, simulator as S
from experiments.calibration.posterior import load
from model import load_scenario

TG = T.all_targets()
OBS = TG.observed()
DIST = T.make_distance(TG)
BASE = load_scenario(S.SCENARIO)
W = TG.waves
i19 = next(i for i, w in enumerate(W) if w.series.startswith("kor") and w.year == 2019) if any(w.series.startswith("kor") for w in W) else None

def idx(series_pred, year):
    return next(i for i, w in enumerate(W) if series_pred(w.series) and w.year == year)

def evaluate(par, seeds=range(6)):
    ds, falls, lat = [], [], []
    for s in seeds:
        try:
            x = S.simulate(par, 1000 + s, TG, BASE)
        except Exception as e:
            return 1e9, 0.0, None
        ds.append(DIST(x, OBS))
        lat.append(x["latent"])
    lat = np.array(lat)
    return float(np.mean(ds)), lat

def main():
    keys, vals, w = load()
    print([ (i,w.series,w.year,w.value) for i,w in enumerate(W)][:40])
if __name__ == "__main__":
    main()
