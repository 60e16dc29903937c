"""The founding article's four states: the codes the shipped scenarios use.

Which state plays which part is in ``model/roles.py`` (from the scenario's ``[roles]`` table);
this module only names the default cast.
"""

from typing import Literal

Country = Literal["JPN", "KOR", "CHN", "USA"]
CODES: tuple[str, ...] = ("JPN", "KOR", "CHN", "USA")
