"""`shopdesk backup` and `shopdesk restore`: the hub's database and Rasa's tracker store in one
archive, checked after writing and again before anything is restored from it.

An archive is a tar file: manifest.json (format, time, and per database its kind, file, size,
SHA-256 and row count per table) beside one file per database (a SQLite copy made with the
online backup API, or a pg_dump archive). After writing, the archive is read back from disk and
verified: every checksum, SQLite's integrity check or a full read by pg_restore, and every
table's row count against the snapshot it was taken from. Restore runs the same checks first
and refuses a damaged or altered file before touching any database; then it counts again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from handoff import backup_postgres, backup_sqlite
from handoff.errors import HubError
from handoff.settings import HubSettings

FORMAT = 1
PREFIX = "shopdesk-backup-"
SUFFIX = ".tar"
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Store:
    """One database ShopDesk keeps: the hub's, or Rasa's tracker store."""

    name: str
    url: str

    @property
    def kind(self) -> str:
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise HubError(f"{self.name}: cannot back up a {backend} database")
        return backend

    @property
    def path(self) -> Path:
        return Path(make_url(self.url).database or "")


@dataclass(frozen=True)
class Report:
    archive: Path
    parts: dict[str, dict[str, Any]]
    notes: list[str]
    removed: list[Path]


def stores(settings: HubSettings) -> tuple[list[Store], list[str]]:
    """What to back up, and what is said about what is not."""
    hub = Store("hub", settings.database_url)
    found, notes = [hub], []
    tracker = Store("tracker", settings.tracker_url) if settings.tracker_url else None
    if tracker is None:
        notes.append("no tracker store configured")
    elif tracker.kind == "postgresql" and hub.kind == "postgresql" and backup_postgres.same_database(hub.url, tracker.url):
        notes.append("Rasa's tracker store is in the hub's database: the hub's part holds it")
    elif tracker.kind == "sqlite" and not tracker.path.exists():
        notes.append(f"no tracker store at {tracker.path} yet (Rasa has not run)")
    else:
        found.append(tracker)
    return found, notes


def backup(settings: HubSettings, directory: Path, keep: int, now: datetime) -> Report:
    if keep < 1:
        raise HubError("keep at least one backup")
    directory.mkdir(parents=True, exist_ok=True)
    found, notes = stores(settings)
    archive = _new_name(directory, now)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as scratch:
        work = Path(scratch)
        parts = {store.name: _take(store, work) for store in found}
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "parts": parts}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = work / archive.name
        with tarfile.open(partial, "w") as tar:
            for name in (MANIFEST, *(part["file"] for part in parts.values())):
                tar.add(work / name, arcname=name)
        partial.replace(archive)
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".verify-") as scratch:
            read_back(archive, Path(scratch))
    except HubError:
        archive.unlink()
        raise
    return Report(archive, parts, notes, prune(directory, keep))


def restore(settings: HubSettings, archive: Path) -> Report:
    """Only after every check passed; the hub and Rasa should be stopped meanwhile."""
    targets = {"hub": Store("hub", settings.database_url)}
    if settings.tracker_url:
        targets["tracker"] = Store("tracker", settings.tracker_url)
    with tempfile.TemporaryDirectory(prefix="shopdesk-restore-") as scratch:
        work = Path(scratch)
        manifest = read_back(archive, work)
        for name, part in manifest["parts"].items():
            if name not in targets:
                raise HubError(f"the backup has a {name} part but no {name} database is configured")
            if targets[name].kind != part["kind"]:
                raise HubError(f"the {name} part is a {part['kind']} backup but the {name} database is {targets[name].kind}")
        notes = []
        for name, part in manifest["parts"].items():
            counts = _put_back(targets[name], work / part["file"])
            restored = {table: counts.get(table) for table in part["rows"]}
            if restored != part["rows"]:
                raise HubError(f"the restored {name} database has other rows than the backup")
            notes.append(f"{name}: {sum(part['rows'].values())} rows in {len(part['rows'])} tables")
    return Report(archive, manifest["parts"], notes, [])


def read_back(archive: Path, work: Path) -> dict[str, Any]:
    """Unpacks into `work` and checks everything; HubError when anything is off."""
    try:
        with tarfile.open(archive, "r:") as tar:
            manifest = _manifest(tar)
            for part in manifest["parts"].values():
                _unpack(tar, part, work)
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError, TypeError) as error:
        raise HubError(f"{archive.name} is damaged or not a ShopDesk backup ({type(error).__name__}: {error})") from None
    for part in manifest["parts"].values():
        verify = backup_sqlite.verify if part["kind"] == "sqlite" else backup_postgres.verify
        verify(work / part["file"], part["rows"])
    return manifest


def prune(directory: Path, keep: int) -> list[Path]:
    backups = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"))
    removed = backups[:-keep]
    for old in removed:
        old.unlink()
    return removed


def _take(store: Store, work: Path) -> dict[str, Any]:
    file = work / f"{store.name}.{'sqlite' if store.kind == 'sqlite' else 'pgdump'}"
    if store.kind == "sqlite":
        rows = backup_sqlite.snapshot(store.path, file)
    else:
        rows = backup_postgres.dump(store.url, file)
    return {"kind": store.kind, "file": file.name, "bytes": file.stat().st_size, "sha256": _sha256(file), "rows": rows}


def _put_back(store: Store, file: Path) -> dict[str, int]:
    if store.kind == "sqlite":
        return backup_sqlite.restore(file, store.path)
    return backup_postgres.restore(file, store.url)


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    member = tar.extractfile(MANIFEST)
    if member is None:
        raise ValueError("no manifest")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("parts"), dict):
        raise ValueError(f"unknown backup format {manifest.get('format')!r}")
    for name, part in manifest["parts"].items():
        if name not in ("hub", "tracker") or part["kind"] not in ("sqlite", "postgresql") \
                or "/" in part["file"] or part["file"].startswith("."):
            raise ValueError(f"unexpected part {name!r}")
    return manifest


def _unpack(tar: tarfile.TarFile, part: dict[str, Any], work: Path) -> None:
    """Only the files the manifest names, by content (no paths or links from the archive are followed)."""
    member = tar.extractfile(part["file"])
    if member is None:
        raise ValueError(f"{part['file']} is not a file")
    target = work / part["file"]
    with target.open("wb") as out:
        shutil.copyfileobj(member, out, _CHUNK)
    if target.stat().st_size != part["bytes"] or _sha256(target) != part["sha256"]:
        raise ValueError(f"{part['file']} does not match its checksum")


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _new_name(directory: Path, now: datetime) -> Path:
    """Names sort by time (retention keeps the last ones by name)."""
    archive = directory / f"{PREFIX}{now.strftime('%Y%m%dT%H%M%S.%fZ')}{SUFFIX}"
    if archive.exists():
        raise HubError(f"{archive} exists already")
    return archive
