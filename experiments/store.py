"""The results directory: a manifest and one folder of Parquet files per finished chunk.

Crash safety comes from the file system rather than from care: a chunk is written into a hidden
temporary folder and renamed into place in one atomic step, so after a SIGKILL at any moment a
chunk is either wholly there or not there at all. Resuming deletes leftover temporary folders and
runs exactly the run ids that no finished chunk holds.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from experiments.spec import ExperimentError
from experiments.worker import ChunkResult

MANIFEST = "manifest.json"
PARTS = "parts"
TABLES = ("runs", "outcomes", "events")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


class ResultsStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.parts = self.root / PARTS

    # ------------------------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ExperimentError(path, None, f"is not a readable manifest ({exc})") from None

    def save_manifest(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.root / MANIFEST, data)

    def open(self, identity: str, experiment_name: str, resume: bool) -> set[int]:
        """Prepare the folder; return the run ids already done. Refuses a folder that holds a
        different experiment, or results of this one without ``resume``."""
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExperimentError(self.root, None, f"cannot be created as a results folder ({exc.strerror})") from None
        old = self.manifest()
        if old is not None and old.get("experiment", {}).get("identity") != identity:
            raise ExperimentError(
                self.root, None,
                f"holds results of a different experiment ({old.get('experiment', {}).get('name')!r}, "
                f"identity {old.get('experiment', {}).get('identity')}); expected an empty folder or one "
                f"made by {experiment_name!r} as it is now. Choose another --out folder",
            )
        for tmp in self.parts.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)
        done = self.done_run_ids()
        if done and not resume:
            raise ExperimentError(
                self.root, None,
                f"already holds {len(done)} finished runs of this experiment; pass --resume to run only the "
                "missing ones, or choose another --out folder",
            )
        return done

    def chunk_dirs(self) -> list[Path]:
        return sorted(p for p in self.parts.glob("chunk-*") if (p / "runs.parquet").exists())

    def done_run_ids(self) -> set[int]:
        done: set[int] = set()
        for part in self.chunk_dirs():
            done.update(pq.read_table(part / "runs.parquet", columns=["run_id"]).column("run_id").to_pylist())
        return done

    def counts(self) -> tuple[int, int]:
        """(runs done, runs failed) over every finished chunk."""
        done = failed = 0
        for part in self.chunk_dirs():
            status = pq.read_table(part / "runs.parquet", columns=["status"]).column("status").to_pylist()
            done += len(status)
            failed += sum(s == "failed" for s in status)
        return done, failed

    def write_chunk(self, result: ChunkResult) -> None:
        first = int(result.runs["run_id"].min())
        tag = uuid.uuid4().hex[:8]
        tmp = self.parts / f".tmp-{tag}"
        tmp.mkdir()
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        if result.outcomes is not None:
            result.outcomes.to_parquet(tmp / "outcomes.parquet", index=False)
        if result.events is not None:
            result.events.to_parquet(tmp / "events.parquet", index=False)
        if result.trade_cuts is not None:
            result.trade_cuts.to_parquet(tmp / "trade_cuts.parquet", index=False)
        os.rename(tmp, self.parts / f"chunk-{first:09d}-{tag}")
