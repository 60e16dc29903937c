"""The results folder: a manifest, one Parquet dataset per table, and an index entry per chunk.

```
DIR/manifest.json                  what the batch is (experiment, resolved scenarios, identity, sessions)
DIR/runs/chunk-<first>-<tag>.parquet       one file per chunk and table; every folder is a plain
DIR/outcomes/chunk-<first>-<tag>.parquet   Parquet dataset that pandas, DuckDB, polars or pyarrow
DIR/events/chunk-<first>-<tag>.parquet     can scan directly
DIR/index/chunk-<first>-<tag>.json         the chunk's run ids, row counts, sizes and SHA-256 sums
DIR/.lock                          held (flock) by the batch writing the folder; names its holder
```

Why it can be trusted: a chunk's table files are written under hidden temporary names, flushed to
disk, renamed into place, and only then is its index entry written (the same way). A chunk counts
only once its index entry exists, and is checked against it (size, checksum, identity in the Parquet
metadata) before it is used; so a crash at any moment leaves every chunk whole or not counted, and a
file damaged later is detected rather than read. Which table names exist is not fixed here: the
store writes whatever tables a chunk result carries.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from experiments.spec import ExperimentError

MANIFEST = "manifest.json"
INDEX = "index"
DAMAGED = ".damaged"
LOCK = ".lock"
LAYOUT = 2  # 1 was parts/chunk-*/<table>.parquet
SORT_KEYS = {"runs": ["run_id"], "outcomes": ["run_id", "month"], "events": ["run_id", "seq"],
             "trade_cuts": ["run_id", "month", "coercer", "target", "channel"]}
META_KEY = b"thaw"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (a power cut after it cannot undo it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write, flush to disk, rename, flush the folder; on failure leave no temporary file behind."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_json_atomic(path: Path, data: Any) -> None:
    write_bytes_atomic(path, (json.dumps(data, indent=2, default=str) + "\n").encode())


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


@dataclass
class Chunk:
    """One committed chunk as its index entry describes it."""

    name: str
    run_ids: list[int]
    tables: dict[str, dict[str, Any]]  # table -> {file, rows, bytes, sha256}
    identity: str | None


@dataclass
class Verified:
    good: list[Chunk] = field(default_factory=list)
    damaged: list[tuple[str, str]] = field(default_factory=list)  # (chunk name, what is wrong)
    foreign: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # (run id, chunk, other chunk)

    def run_ids(self) -> set[int]:
        return {r for c in self.good for r in c.run_ids}

    def files(self, table: str) -> list[Path]:
        return [Path(c.tables[table]["file"]) for c in self.good if table in c.tables]


class ResultsStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.index = self.root / INDEX

    # ------------------------------------------------------------------------------------------
    # The manifest
    def manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExperimentError(path, None, f"is not a readable manifest ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("experiment"), dict) \
                or not isinstance(data.get("sessions"), list) or not isinstance(data["experiment"].get("identity"), str):
            raise ExperimentError(path, None, "is not a thaw batch manifest: expected a JSON object with `experiment` "
                                  "(holding `identity`) and `sessions`; restore it, or start again in an empty folder")
        if data.get("layout", 1) != LAYOUT:
            raise ExperimentError(self.root, None, f"uses results layout {data.get('layout', 1)} (parts/chunk-*/); this "
                                  f"version reads layout {LAYOUT}: re-run the batch into a new folder")
        return data

    def save_manifest(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.root / MANIFEST, data)

    # ------------------------------------------------------------------------------------------
    # Locking
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder for a whole batch. The kernel releases a flock when
        its holder dies however it dies, so a lock left by a dead process is simply free again."""
        import fcntl

        path = self.root / LOCK
        try:
            fh = path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise ExperimentError(self.root, None, f"cannot be used as a results folder ({exc.strerror})") from None
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise ExperimentError(self.root, None, f"is in use by another batch ({holder}); wait for it to "
                                      "finish or choose another --out folder") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} on {socket.gethostname()}, started {now()}\n")
            fh.flush()
            yield
        finally:
            fh.close()

    # ------------------------------------------------------------------------------------------
    # Opening for a batch
    def prepare(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.index.mkdir(exist_ok=True)
        except OSError as exc:
            raise ExperimentError(self.root, None, f"cannot be created as a results folder ({exc.strerror})") from None
        if not os.access(self.root, os.W_OK | os.X_OK) or not os.access(self.index, os.W_OK | os.X_OK):
            raise ExperimentError(self.root, None, "is not writable; expected a folder this user can write to")
        if (self.root / "parts").is_dir() and (self.root / MANIFEST).exists():
            self.manifest()  # refuses the old layout clearly

    def recover(self, identity: str) -> tuple[Verified, list[str]]:
        """Under the lock: delete what an interrupted write left, verify every chunk, move damaged
        ones aside so that their runs are run again. Returns the verification and what was done."""
        notes: list[str] = []
        committed = {p.stem for p in self.index.glob("chunk-*.json")}
        for folder in self._table_dirs():  # only files named as the store names them: nothing of the user's
            for f in folder.glob(".chunk-*.parquet.tmp"):
                f.unlink(missing_ok=True)
            for f in folder.glob("chunk-*.parquet"):
                if f.stem not in committed:
                    f.unlink(missing_ok=True)  # renamed into place, but its index entry was never written
        for f in [*self.index.glob(".chunk-*.json.*.tmp"), *self.root.glob(f".{MANIFEST}.*.tmp")]:
            f.unlink(missing_ok=True)
        v = self.verify(identity)
        if v.foreign:
            name, why = v.foreign[0]
            raise ExperimentError(self.root, None, f"chunk {name} {why}; it does not belong to this experiment. "
                                  "Remove it or use another --out folder")
        if v.duplicates:
            raise self._duplicates_error(v)
        if v.damaged:
            dest = self.root / DAMAGED / now().replace(":", "")
            dest.mkdir(parents=True, exist_ok=True)
            for name, why in v.damaged:
                for f in [self.index / f"{name}.json", *(d / f"{name}.parquet" for d in self._table_dirs())]:
                    if f.exists():
                        (dest / f.parent.name).mkdir(exist_ok=True)
                        os.replace(f, dest / f.parent.name / f.name)
                notes.append(f"chunk {name} is damaged ({why}): moved to {dest}; its runs will be run again")
            fsync_dir(self.index)
        return v, notes

    def _table_dirs(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != INDEX)

    def _duplicates_error(self, v: Verified) -> ExperimentError:
        rid, a, b = v.duplicates[0]
        return ExperimentError(self.root, None, f"holds run {rid} twice, in chunks {a} and {b} "
                               f"({len(v.duplicates)} duplicated run ids in all); the folder mixes two writers. "
                               "Keep one chunk (move the other out of index/ and the table folders) and --resume")

    # ------------------------------------------------------------------------------------------
    # Verifying
    def verify(self, identity: str | None, checksums: bool = True) -> Verified:
        """Check every chunk against its index entry; nothing is read that has not been checked."""
        import pyarrow.parquet as pq

        v = Verified()
        owner: dict[int, str] = {}
        for entry in sorted(self.index.glob("chunk-*.json")) if self.index.is_dir() else []:
            name = entry.stem
            try:
                data = json.loads(entry.read_text(encoding="utf-8"))
                chunk = Chunk(name, [int(r) for r in data["run_ids"]], dict(data["tables"]), data.get("identity"))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                v.damaged.append((name, f"its index entry is unreadable: {exc}"))
                continue
            if identity is not None and chunk.identity != identity:
                v.foreign.append((name, f"was written by experiment identity {chunk.identity}, not {identity}"))
                continue
            problem = self._check_files(chunk, identity, checksums, pq)
            if problem is not None:
                (v.foreign if problem.startswith("foreign:") else v.damaged).append((name, problem.removeprefix("foreign:")))
                continue
            for rid in chunk.run_ids:
                if rid in owner:
                    v.duplicates.append((rid, owner[rid], name))
                owner[rid] = name
            v.good.append(chunk)
        return v

    def _check_files(self, chunk: Chunk, identity: str | None, checksums: bool, pq: Any) -> str | None:
        if "runs" not in chunk.tables:
            return "its index lists no runs table"
        for table, info in chunk.tables.items():
            path = self.root / table / f"{chunk.name}.parquet"
            info["file"] = str(path)
            if not path.is_file():
                return f"{table}/{path.name} is missing"
            size = path.stat().st_size
            if size != info.get("bytes"):
                return f"{table}/{path.name} has {size} bytes, its index says {info.get('bytes')}"
            if checksums and sha256(path) != info.get("sha256"):
                return f"{table}/{path.name} does not match its checksum"
            try:
                schema = pq.read_schema(path)
            except Exception as exc:  # noqa: BLE001 - any unreadable footer is damage
                return f"{table}/{path.name} is not readable Parquet ({exc})"
            meta = json.loads((schema.metadata or {}).get(META_KEY, b"{}"))
            if identity is not None and meta.get("identity") != identity:
                return f"foreign:{table}/{path.name} carries identity {meta.get('identity')}, not {identity}"
            if "run_id" not in schema.names or (table == "runs" and "status" not in schema.names):
                return f"foreign:{table}/{path.name} has a foreign schema (no run_id/status columns)"
        return None

    # ------------------------------------------------------------------------------------------
    # Writing
    def write_chunk(self, tables: dict[str, Any], identity: str) -> str:
        """Store one chunk (table name -> DataFrame); returns its name. The index entry is written
        last: until it exists the chunk does not count and a resume deletes its files."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        runs = tables["runs"]
        run_ids = [int(r) for r in runs["run_id"]]
        name = f"chunk-{min(run_ids):09d}-{uuid.uuid4().hex[:8]}"
        entry: dict[str, Any] = {"identity": identity, "run_ids": run_ids, "written": now(), "pid": os.getpid(),
                                 "tables": {}}
        placed: list[Path] = []
        try:
            for table, df in tables.items():
                if df is None:
                    continue
                folder = self.root / table
                folder.mkdir(exist_ok=True)
                tmp, final = folder / f".{name}.parquet.tmp", folder / f"{name}.parquet"
                t = pa.Table.from_pandas(df, preserve_index=False)
                meta = {"identity": identity, "chunk": name, "table": table, "runs": len(run_ids)}
                t = t.replace_schema_metadata({**(t.schema.metadata or {}), META_KEY: json.dumps(meta).encode()})
                try:
                    pq.write_table(t, tmp)
                    _fsync_file(tmp)
                    digest = sha256(tmp)
                    os.replace(tmp, final)
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
                placed.append(final)
                fsync_dir(folder)
                entry["tables"][table] = {"rows": t.num_rows, "bytes": final.stat().st_size, "sha256": digest}
            write_json_atomic(self.index / f"{name}.json", entry)
        except BaseException:
            # an interrupt can arrive after the index entry was renamed into place (while its folder
            # is flushed): then the chunk is committed and its files must stay
            if not (self.index / f"{name}.json").exists():
                for f in placed:
                    f.unlink(missing_ok=True)
            raise
        return name

    def uncommit(self, chunks: list[Chunk]) -> set[int]:
        """Take chunks out of the results (index entry first, so a crash midway only loses runs
        that a resume runs again); returns their run ids."""
        dropped: set[int] = set()
        for c in chunks:
            (self.index / f"{c.name}.json").unlink(missing_ok=True)
            dropped.update(c.run_ids)
        fsync_dir(self.index)
        for c in chunks:
            for d in self._table_dirs():
                (d / f"{c.name}.parquet").unlink(missing_ok=True)
        return dropped

    def damaged_note(self) -> str:
        return f"run `thaw batch FILE --out {self.root} --resume` to move damaged chunks aside and re-run their runs"
