"""Powell on the mean ABC distance over six fixed seeds, in prior-normalised coordinates."""
import json, sys, time
import numpy as np
from scipy.optimize import minimize
from experiments.calibration import priors, targets as T, simulator as S
from experiments.calibration.posterior import load
from model import load_scenario

EXTRA = [priors.Prior("dynamics.opinion.leader_cue", 0.0, 30.0, "probe"),
         priors.Prior("dynamics.opinion.visibility.protest", 0.01, 1.0, "probe"),
         priors.Prior("dynamics.opinion.visibility.cooperate", 0.01, 1.0, "probe"),
         priors.Prior("dynamics.opinion.visibility.reassure", 0.01, 1.0, "probe"),
         priors.Prior("dynamics.opinion.history_sensitivity.KOR", 0.0, 1.0, "probe"),
         priors.Prior("dynamics.trade.channels.consumer.recovery_months", 3.0, 48.0, "probe")]
PR = priors.PARAMETERS + EXTRA
TG = T.all_targets(); OBS = TG.observed(); DIST = T.make_distance(TG); BASE = load_scenario(S.SCENARIO)
W = TG.waves
K19 = next(i for i, w in enumerate(W) if w.series == "kor_fav_jpn" and w.year == 2019)
K20 = next(i for i, w in enumerate(W) if w.series == "kor_fav_jpn" and w.year == 2020)

def to_par(z):
    z = np.clip(z, 0, 1)
    return {p.key: p.low + float(v) * (p.high - p.low) for p, v in zip(PR, z)}

def evaluate(par, seeds=range(6)):
    ds, falls = [], []
    for s in seeds:
        x = S.simulate(par, 1000 + s, TG, BASE)
        ds.append(DIST(x, OBS)); falls.append(x["latent"][K19] - x["latent"][K20])
    return float(np.mean(ds)), float(np.median(falls)), x

def main():
    start, maxfev, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    keys, vals, w = load()
    if start.startswith("draw"):
        d = dict(zip(keys, vals[int(start[4:])]))
    else:
        d = json.load(open(start))["par"]
    d.setdefault("dynamics.opinion.leader_cue", 10.0)
    d.setdefault("dynamics.opinion.history_sensitivity.KOR", float(sys.argv[4]) if len(sys.argv) > 4 else 1.0)
    d.setdefault("dynamics.trade.channels.consumer.recovery_months", 12.0)
    if len(sys.argv) > 5: d.update(json.loads(sys.argv[5]))
    for k, v in (("protest", 0.3), ("cooperate", 0.1), ("reassure", 0.3)):
        d.setdefault(f"dynamics.opinion.visibility.{k}", v)
    z0 = np.array([(d[p.key] - p.low) / (p.high - p.low) for p in PR])
    best = [1e9, None, None]
    t0 = time.time()
    def f(z):
        par = to_par(z); dist, fall, _ = evaluate(par)
        if dist < best[0]:
            best[:] = [dist, fall, par]
            json.dump({"distance": dist, "fall": fall, "par": par}, open(out, "w"), indent=1)
            print(f"{time.time()-t0:6.0f}s  d={dist:.3f} fall={fall:.1f}", flush=True)
        return dist + 10 * float(np.sum(np.clip(z - 1, 0, None) + np.clip(-z, 0, None)))
    print("start", evaluate(to_par(z0))[:2], flush=True)
    minimize(f, z0, method="Powell", options={"maxfev": maxfev, "xtol": 1e-3, "ftol": 1e-4})
    print("done", best[:2])

if __name__ == "__main__":
    main()
