import sys, json, numpy as np
import powell as P
d = json.load(open(sys.argv[1]))["par"]
for k, v in json.loads(sys.argv[2]).items() if len(sys.argv) > 2 else []:
    d[k] = v
lats = []; ds = []; comps = []
for s in range(12):
    x = P.S.simulate(d, 1000 + s, P.TG, P.BASE); lats.append(x["latent"]); ds.append(P.DIST(x, P.OBS)); comps.append(P.T.components(x, P.OBS, P.TG.scales())); last = x
lat = np.median(lats, axis=0)
comp = P.T.components(x, P.OBS, P.TG.scales())
print({k: round(float(np.mean([c[k] for c in comps])), 2) for k in comps[0]}); print("counts sim", last["counts"], "obs", P.OBS["counts"]); print("bites", last["bites"], P.OBS["bites"]); print("dist", np.mean(ds), "fall", np.median([l[P.K19]-l[P.K20] for l in lats]))
for i, w in enumerate(P.W):
    print(f"{w.series:20s} {w.fieldwork} rec {w.value:5.1f} model {lat[i]:5.1f}  sd {w.sd:.1f}")
