"""Who plays which part: the two allies, their patron, their rival, and who may coerce whom.

The mechanisms speak of roles, not of countries, so that a scenario can add a fifth state (North
Korea as a player, Taiwan, ASEAN) or recast the parts without touching code. The defaults are the
founding article's cast: Japan and South Korea, the United States, China.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ALLIES = ("JPN", "KOR")
DEFAULT_PATRON = "USA"
DEFAULT_RIVAL = "CHN"


@dataclass(frozen=True, slots=True)
class Roles:
    """Indices into ``codes`` (the scenario's states, in file order)."""

    codes: tuple[str, ...]
    allies: tuple[int, int]
    patron: int
    rival: int
    #: ``coercible[s]``: the states ``s`` may coerce at all (military coercion inside the
    #: alliance is excluded by the catalogue on top of this).
    coercible: tuple[frozenset[int], ...]

    @property
    def n(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def other_ally(self, i: int) -> int | None:
        """The other ally, for spillover and hedging; ``None`` for every state but the two allies."""
        a, b = self.allies
        return b if i == a else a if i == b else None

    def is_ally_pair(self, s: int, t: int) -> bool:
        a, b = self.allies
        return (s == a and t == b) or (s == b and t == a)

    @classmethod
    def build(cls, codes: tuple[str, ...], allies: tuple[str, str] = DEFAULT_ALLIES, patron: str = DEFAULT_PATRON,
              rival: str = DEFAULT_RIVAL, coercion: dict[str, list[str]] | None = None) -> Roles:
        """Roles from codes; ``coercion`` maps a state to the states it may coerce (default: all others)."""
        ix = {c: i for i, c in enumerate(codes)}
        allowed = []
        for s, code in enumerate(codes):
            targets = coercion.get(code) if coercion is not None and code in coercion else None
            allowed.append(frozenset(ix[t] for t in targets) if targets is not None
                           else frozenset(t for t in range(len(codes)) if t != s))
        return cls(tuple(codes), (ix[allies[0]], ix[allies[1]]), ix[patron], ix[rival], tuple(allowed))


#: The founding article's four states in their usual order (tests and the catalogue's examples).
BASE_ROLES = Roles.build(("JPN", "KOR", "CHN", "USA"))
