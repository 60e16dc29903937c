"""``thaw explore [DIR]``: the explorer as a web app on 127.0.0.1, served by Voilà, offline.

Voilà renders a one-cell notebook that builds the explorer. Its ``lab`` template links Font
Awesome from a CDN although the same font ships inside Voilà's own bundle; the ``thaw`` template
written here is that template without the CDN links, so the page loads nothing from outside the
machine (the browser test blocks every non-loopback request and fails on a console error).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = "thaw"


class ExploreError(Exception):
    """A problem to report in one paragraph with exit status 2."""


def notebook(results: Path | None) -> dict:
    code = ("from experiments.explorer import explore\n"
            f"explore({str(results) if results else None!r})")
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "explorer", "metadata": {},
                       "outputs": [], "source": code}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "title": "Thaw explorer"},
            "nbformat": 4, "nbformat_minor": 5}


def offline_template(root: Path) -> Path:
    """Write the ``thaw`` Voilà template under ``root`` (a JUPYTER_PATH entry); return its folder."""
    import voila

    lab = Path(voila.__file__).resolve().parents[3] / "share" / "jupyter" / "voila" / "templates" / "lab"
    if not (lab / "index.html.j2").exists():  # installed elsewhere: ask Jupyter where its data lives
        from jupyter_core.paths import jupyter_path

        found = [Path(p) / "voila" / "templates" / "lab" for p in jupyter_path()]
        lab = next((p for p in found if (p / "index.html.j2").exists()), lab)
    if not (lab / "index.html.j2").exists():
        raise ExploreError(f"cannot find Voilà's lab template (looked in {lab}); reinstall voila")
    text = (lab / "index.html.j2").read_text()
    kept = "\n".join(line for line in text.splitlines() if "://cdn." not in line)
    folder = root / "voila" / "templates" / TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html.j2").write_text(kept + "\n")
    (folder / "conf.json").write_text(json.dumps({"base_template": "lab"}))
    return folder


def command(results: Path | None, port: int, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """The Voilà command line and environment that serve the explorer from ``workdir``."""
    nb = workdir / "thaw_explorer.ipynb"
    nb.write_text(json.dumps(notebook(results)))
    offline_template(workdir / "jupyter")
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(filter(None, [str(workdir / "jupyter"),
                                                                       os.environ.get("JUPYTER_PATH")]))}
    cmd = [sys.executable, "-m", "voila", str(nb), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           f"--template={TEMPLATE}", "--theme=light", "--show_tracebacks=True"]
    return cmd, env


def serve(results: str | Path | None, port: int = 8866) -> int:
    """Serve until Ctrl-C; returns Voilà's exit status."""
    try:
        import voila  # noqa: F401
    except ImportError:
        raise ExploreError("the explorer needs Voilà and ipywidgets: pip install 'thaw-sim[explorer]' "
                           "(make test and make notebooks install them)") from None
    folder = None
    if results is not None:
        import experiments

        folder = Path(results).resolve()
        experiments.load(folder).manifest  # noqa: B018 - fail here, in one line, on a folder that is not results
    if not 1 <= port <= 65535:
        raise ExploreError(f"--port {port}: expected a TCP port, 1 … 65535")
    with tempfile.TemporaryDirectory(prefix="thaw-explore-") as tmp:
        cmd, env = command(folder, port, Path(tmp))
        print(f"Thaw explorer on http://127.0.0.1:{port}/ (offline; Ctrl-C to stop)", flush=True)
        try:
            return subprocess.run(cmd, env=env, cwd=tmp).returncode
        except KeyboardInterrupt:
            return 0
