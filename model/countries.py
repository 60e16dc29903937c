"""The four states and the alliance structure the mechanisms need to know about."""

from typing import Literal

Country = Literal["JPN", "KOR", "CHN", "USA"]
CODES: tuple[str, ...] = ("JPN", "KOR", "CHN", "USA")
INDEX: dict[str, int] = {c: i for i, c in enumerate(CODES)}
JPN, KOR, CHN, USA = range(4)

#: The two US allies whose relationship is the object of study.
ALLIES: tuple[int, int] = (JPN, KOR)


def other_ally(i: int) -> int | None:
    """The other US ally, for spillover and hedging; ``None`` for China and the US."""
    if i == JPN:
        return KOR
    if i == KOR:
        return JPN
    return None


def others(code: str) -> tuple[str, ...]:
    return tuple(c for c in CODES if c != code)
