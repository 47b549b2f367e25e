"""The Whoosh index on disk: versioned folders, the locks of writers and rebuilds, and
the rebuild that swaps a fresh index in while searches and writes go on.

Layout of the index folder (`path`)::

    CURRENT              the name of the live version ("v3"), replaced atomically (os.replace)
    v3/                  the live Whoosh index; readers open the version CURRENT names
    WRITELOCK            file lock (flock) every writer takes, with a timeout
    REBUILDLOCK          file lock a rebuild holds from start to end (one rebuild at a time)
    REBUILDING           present while a rebuild runs: the token of its journal
    journal-<token>.jsonl   writes made during a rebuild, replayed into the new index before the swap
    .build-<token>/      the index a rebuild is writing

Writes (`update`) take WRITELOCK for at most `lock_timeout` seconds and raise `IndexBusy`
when they cannot: the caller queues the ids and tries again later. Whoosh itself allows one
writer per index; WRITELOCK additionally spans versions, so a write can never land in a
version that a rebuild is swapping out.

A rebuild writes a brand-new index in `.build-<token>` without holding WRITELOCK (searches
and writes go on against the live version), journals the writes that happen meanwhile,
then, under WRITELOCK, replays the journal, renames the folder to `v<N+1>`, points CURRENT
at it and deletes the old versions. A searcher still open on an old version keeps working
(POSIX keeps deleted files readable while open); the next search opens the new version.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime

from whoosh import index as windex
from whoosh.util.filelock import FileLock, try_for

from market.search.backend import IndexBusy, ProductDocument, ProgressCallback
from market.search.whoosh.analysis import document_fields
from market.search.whoosh.bulk_writer import BulkWriter
from market.search.whoosh.internals import FreshSegmentCodec

log = logging.getLogger(__name__)

REBUILD_SWAP_TIMEOUT = 30.0  # how long a finished rebuild waits for the writers before its swap
# A rebuild starts a new segment past this many postings (about 8 bytes each in memory).
REBUILD_SEGMENT_POSTINGS = 40_000_000
_VERSION_RE = re.compile(r"^v(\d+)$")


class IndexStore:
    """The versioned folders under `path` (see the module docstring) and their writers."""

    def __init__(self, path: str, lock_timeout: float, schema):
        self.path = os.path.abspath(os.fspath(path))
        self.lock_timeout = float(lock_timeout)
        self.schema = schema

    # -- files and locks ------------------------------------------------------------------

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def current_version(self) -> str | None:
        """The folder name of the live index ("v3"), or None before the first write."""
        try:
            with open(self.file("CURRENT"), encoding="ascii") as f:
                version = f.read().strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return version if _VERSION_RE.match(version) else None

    def open_version(self, version: str):
        """The Whoosh index of a version folder."""
        return windex.open_dir(self.file(version), schema=self.schema)

    def _write_file(self, name: str, content: str) -> None:
        """Write a small file atomically (temporary file + os.replace)."""
        tmp = self.file(f".{name}.tmp-{secrets.token_hex(4)}")
        with open(tmp, "w", encoding="ascii") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.file(name))
        _fsync_dir(self.path)

    @contextmanager
    def _lock(self, name: str, timeout: float, what: str) -> Iterator[None]:
        os.makedirs(self.path, exist_ok=True)
        lock = FileLock(self.file(name))
        if not try_for(lock.acquire, timeout=timeout, delay=0.02):
            raise IndexBusy(f"the search index at {self.path} is busy ({what}); try again later")
        try:
            yield
        finally:
            lock.release()

    def _versions(self) -> list[int]:
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for m in map(_VERSION_RE.match, names) if m)

    def _ensure_index(self) -> str:
        """The live version, creating an empty index on first use (call under WRITELOCK)."""
        version = self.current_version()
        if version is not None and windex.exists_in(self.file(version)):
            return version
        version = f"v{max(self._versions(), default=0) + 1}"
        folder = self.file(version)
        os.makedirs(folder, exist_ok=True)
        windex.create_in(folder, self.schema)
        self._write_file("CURRENT", version + "\n")
        return version

    # -- writing --------------------------------------------------------------------------

    def update(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """Add or replace `documents`, remove `removed_ids`. Raises IndexBusy when another
        writer holds the index for longer than `lock_timeout` (nothing is written then)."""
        if not documents and not removed_ids:
            return
        with self.writing() as write:
            write(documents, removed_ids)

    @contextmanager
    def writing(self) -> Iterator:
        """Hold WRITELOCK (or raise IndexBusy after `lock_timeout`) and give the function
        that writes under it; see SearchBackend.writing."""
        with self._lock("WRITELOCK", self.lock_timeout, "another process is writing"):
            yield self._write_locked

    def _write_locked(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """`update` for a caller that holds WRITELOCK (through `writing`)."""
        documents = list({doc.id: doc for doc in documents}.values())  # the last one of an id wins
        removed_ids = list(dict.fromkeys(removed_ids))
        if not documents and not removed_ids:
            return
        version = self._ensure_index()
        self._journal(documents, removed_ids)
        ix = self.open_version(version)
        try:
            _apply(ix, documents, removed_ids, self.lock_timeout)
        finally:
            ix.close()

    def _journal(self, documents: list[ProductDocument], removed_ids: list[int]) -> None:
        """While a rebuild runs, note the write for it to replay (call under WRITELOCK)."""
        try:
            with open(self.file("REBUILDING"), encoding="ascii") as f:
                token = f.read().strip()
        except FileNotFoundError:
            return
        rebuild_lock = FileLock(self.file("REBUILDLOCK"))
        if rebuild_lock.acquire(blocking=False):  # the rebuild died: forget its marker
            try:
                _remove(self.file("REBUILDING"), self.file(f"journal-{token}.jsonl"))
            finally:
                rebuild_lock.release()
            return
        entry = {"documents": [_to_json(doc) for doc in documents], "removed": list(removed_ids)}
        with open(self.file(f"journal-{token}.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    # -- rebuilding -----------------------------------------------------------------------

    def rebuild(self, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None = None) -> int:
        """Index every document of `batches` into a fresh index and swap it in.

        `progress(n)` is told the size of each batch as it is indexed (an increment, like
        click's `progressbar.update`). Returns the number of documents indexed. Raises
        IndexBusy when another rebuild is running."""
        with self._lock("REBUILDLOCK", self.lock_timeout, "another rebuild is running"):
            token = secrets.token_hex(6)
            build = self.file(f".build-{token}")
            journal = self.file(f"journal-{token}.jsonl")
            self._cleanup_leftovers()
            try:
                with self._lock("WRITELOCK", self.lock_timeout, "another process is writing"):
                    self._write_file("REBUILDING", token + "\n")
                os.makedirs(build)
                ix = windex.create_in(build, self.schema)
                count = _write_fresh(ix, batches, progress)
                with self._lock("WRITELOCK", max(self.lock_timeout, REBUILD_SWAP_TIMEOUT), "writers did not finish"):
                    self._replay(ix, journal)
                    ix.close()
                    version = f"v{max(self._versions(), default=0) + 1}"
                    os.rename(build, self.file(version))
                    _fsync_dir(self.path)
                    self._write_file("CURRENT", version + "\n")
                    _remove(self.file("REBUILDING"), journal)
            except BaseException:
                _remove(self.file("REBUILDING"), journal)
                shutil.rmtree(build, ignore_errors=True)
                raise
            for old in self._versions():
                if f"v{old}" != version:
                    shutil.rmtree(self.file(f"v{old}"), ignore_errors=True)
            return count

    def _replay(self, ix, journal: str) -> None:
        """Apply the writes made during the rebuild, in order (last state of an id wins)."""
        try:
            with open(journal, encoding="utf-8") as f:
                entries = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return
        final: dict[int, ProductDocument | None] = {}
        for entry in entries:
            for product_id in entry["removed"]:
                final[int(product_id)] = None
            for data in entry["documents"]:
                doc = _from_json(data)
                final[doc.id] = doc
        if final:
            _apply(ix, [d for d in final.values() if d is not None],
                   [i for i, d in final.items() if d is None], self.lock_timeout)

    def _cleanup_leftovers(self) -> None:
        """Remove what a killed rebuild left (call under REBUILDLOCK)."""
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(".build-"):
                shutil.rmtree(self.file(name), ignore_errors=True)
            elif name.startswith("journal-") or name == "REBUILDING":
                _remove(self.file(name))


def _write_fresh(ix, batches: Iterable[list[ProductDocument]], progress: ProgressCallback | None) -> int:
    """Plain adds into a fresh index (nothing to replace), written as one segment (more only
    past REBUILD_SEGMENT_POSTINGS); no merge, nothing to optimise. Gives the count."""
    count = 0
    writer = BulkWriter(ix, FreshSegmentCodec())
    try:
        for batch in batches:
            for doc in batch:
                writer.add_product(doc)
            count += len(batch)
            if writer.postings > REBUILD_SEGMENT_POSTINGS:
                writer.commit(merge=False)
                writer = BulkWriter(ix, FreshSegmentCodec())
            if progress:
                progress(len(batch))
        writer.commit(merge=False)
    except BaseException:
        _abandon(writer)
        raise
    return count


def _apply(ix, documents: list[ProductDocument], removed_ids: list[int], timeout: float) -> None:
    try:
        writer = ix.writer(timeout=timeout, codec=FreshSegmentCodec())
    except windex.LockError as error:
        raise IndexBusy(f"the search index at {ix.storage.folder} is locked by another writer") from error
    try:
        for product_id in removed_ids:
            writer.delete_by_term("id", str(product_id))
        for doc in documents:
            writer.update_document(**document_fields(doc))
        writer.commit()
    except BaseException:
        _abandon(writer)
        raise


def _abandon(writer) -> None:
    """Give up a writer whose work or commit failed: close its files and, above all, release
    Whoosh's lock on the index whatever state the failure left the writer in (a commit that
    raises returns before releasing it, and every later writer would wait for it in vain).
    The files of the unfinished segment are deleted by the next successful commit."""
    if getattr(writer, "is_closed", False):
        return
    try:
        writer.cancel()
        return
    except Exception:  # noqa: BLE001 - the original error is the one to raise
        log.warning("cancelling a failed search index writer failed; releasing its lock", exc_info=True)
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - already released
            log.debug("the failed writer's lock was already released", exc_info=True)
    writer.is_closed = True


def _to_json(doc: ProductDocument) -> dict:
    data = asdict(doc)
    data["listed_at"] = doc.listed_at.isoformat()
    return data


def _from_json(data: dict) -> ProductDocument:
    data = dict(data)
    data["listed_at"] = datetime.fromisoformat(data["listed_at"])
    for key in ("category_ids", "program_ids", "program_badges"):
        data[key] = tuple(data[key])
    return ProductDocument(**data)


def _remove(*paths: str) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def _fsync_dir(path: str) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
