"""Configuration from the environment (prefix `SOHOA_`), one object passed down explicitly.

`SOHOA_HOME` is the data directory. Under it: `sohoa.db` (SQLite), `originals/` (the scanned
files, content-addressed), `preservation/` (the PDF/A copies, content-addressed too), `index/`
(the search index), `keys/` (the key that signs the trail's checkpoints), `uploads/` (files
received over HTTP, each upload in its own folder until it is ingested). Nothing is read from
a global: commands and the web app build one `Settings` and hand it on, so tests can point a
whole run elsewhere.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(user_data_dir("sohoa", appauthor=False))


def os_user() -> str:
    """The logged-in user's name, or "unknown" where the system cannot say (some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Settings(BaseSettings):
    """Every setting sohoa reads; each can be set as `SOHOA_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_")

    home: Path = Field(default_factory=_default_home, description="data directory")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in home")
    ocr_lang: str = Field("vie", description="Tesseract language model")
    ocr_dpi: int = Field(300, description="resolution PDF pages are rendered at for OCR")
    ocr_page_timeout: float = Field(
        180, gt=0, description="seconds OCR may take on one page before it is stopped"
    )
    prepare_clean: bool = Field(
        False, description="clean the image OCR reads (speckles, dark borders) with unpaper"
    )
    workers: int = Field(default_factory=_default_workers, description="pages OCR'd at once")
    max_pages: int = Field(2000, description="a file with more pages is refused")
    max_attempts: int = Field(
        3, description="tries of a file that fails (or stops the ingest) before it is given up"
    )
    max_page_pixels: int = Field(100_000_000, description="a larger page image is refused")
    max_file_bytes: int = Field(2 << 30, description="a larger file is refused before it is read")
    max_upload_bytes: int = Field(
        2 << 30, description="an upload (or a zip's unpacked contents) above this is refused"
    )
    max_upload_files: int = Field(
        5000, description="an upload of more files (counting those inside a zip) is refused"
    )
    max_zip_ratio: int = Field(
        250, description="a zip entry unpacking to more than this many times its size is refused"
    )
    actor: str | None = Field(None, description="who the trail names; default the OS user")
    search_engine: Literal["whoosh", "tantivy"] | None = Field(
        None, description="search engine, over the archive's own choice (sohoa reindex --engine)"
    )
    admin_password: str | None = Field(
        None, description="the first admin's password (`sohoa serve`, when there is no user yet)"
    )
    broker_url: str | None = Field(
        None,
        description="Redis URL of the Celery broker: OCR runs on `sohoa worker` machines, one "
        "page per task (docs/deployment.md); unset, ingest runs in-process",
    )
    task_redelivery: float = Field(
        900,
        gt=0,
        description="seconds after which a page task whose worker died (never acknowledged) is "
        "given to another worker; keep it above a page's time limit",
    )
    secure_cookies: bool = Field(
        False, description="session cookies only over HTTPS (set it behind a TLS proxy)"
    )

    @property
    def trail_actor(self) -> str:
        """Who the trail names for what this process does: `SOHOA_ACTOR`, else the OS user."""
        return self.actor or os_user()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'sohoa.db'}"

    @property
    def originals_dir(self) -> Path:
        return self.home / "originals"

    @property
    def preservation_dir(self) -> Path:
        """The PDF/A preservation copies, stored by their SHA-256 like the originals."""
        return self.home / "preservation"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def keys_dir(self) -> Path:
        """The archive's Ed25519 signing key for trail checkpoints (owner-only)."""
        return self.home / "keys"

    @property
    def page_cache_dir(self) -> Path:
        """Page images made from the originals for viewing (`ingest.page_images`), one folder
        per original: derived data, made again when missing, never backed up."""
        return self.home / "cache" / "pages"

    @property
    def uploads_dir(self) -> Path:
        """Files received over HTTP, one folder per upload, removed once it is ingested."""
        return self.home / "uploads"

    @property
    def work_dir(self) -> Path:
        """Scratch space for rendered pages; emptied after each document."""
        return self.home / "work"
