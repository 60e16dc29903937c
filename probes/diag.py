import sys, json, numpy as np, collections
import powell as P
from model import ThawModel
from model.components import opinion as OP
d = json.load(open(sys.argv[1]))["par"]
lo, hi = sys.argv[2], sys.argv[3]
PUB, OF = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else ("KOR", "JPN")
acc = collections.Counter()
KJ = None
orig_on_move = OP.Opinion.on_move
def on_move(self, state, s, t, st, ts, mv, g, gi, inten):
    i = ts; before = state.relations.opinion[i]
    orig_on_move(self, state, s, t, st, ts, mv, g, gi, inten)
    if lo <= state.date <= hi and state.codes[t] == PUB and state.codes[s] == OF:
        trig = state.log[-1][-1] if hasattr(state, "log") and state.log else "?"
        acc[("move", mv.kind, mv.name)] += state.relations.opinion[i] - before
OP.Opinion.on_move = on_move
orig_hist = OP.impulse
def impulse(state, i, x, p):
    b = state.relations.opinion[i]; orig_hist(state, i, x, p)
    if lo <= state.date <= hi and i == state.codes.index(PUB) * state.n + state.codes.index(OF):
        acc[("history",)] += state.relations.opinion[i] - b
OP.impulse = impulse
orig_end = OP.Opinion.on_end
def on_end(self, state):
    i = state.codes.index(PUB) * state.n + state.codes.index(OF)
    b = state.relations.opinion[i]; orig_end(self, state)
    if lo <= state.date <= hi:
        acc[("month_end",)] += state.relations.opinion[i] - b
OP.Opinion.on_end = on_end
N = 12
for s in range(N):
    seed = P.S.seeds(1000 + s)[0]
    ThawModel(P.BASE, rng=seed, months=P.TG.months, **d).run()
for k, v in sorted(acc.items(), key=lambda kv: kv[1]):
    print(f"{v / N:8.2f}  {k}")
