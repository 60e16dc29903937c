"""``python -m model.components`` prints docs/model.md's process overview."""

from model.components import process_overview

print(process_overview())
