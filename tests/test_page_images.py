"""Page images for the web view: rendered from the original as the page was prepared, so the
OCR's word boxes fall on their words; cached atomically under the archive's home, never backed
up, gone with a disposed record; served with the page's JSON and its matched words' boxes."""

from __future__ import annotations

import io
import json
import shutil
import threading
from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from conftest import api_client, run_sohoa, store_original
from databases import archive_settings, copy_archive, sqlite_only
from sohoa.api.web import create_app
from sohoa.archive import storage
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Event, Page
from sohoa.ingest.page_images import NoPageImage, page_image
from sohoa.iso_procedures import links, registry, retention

INK = (50, 80, 120, 40)  # the one word's box on the upright page: left, top, width, height


def _add(session, settings, tmp_path, image: Image.Image, name: str, preparation: dict, size):
    """A stored original of one page and its rows, the page as prepared being `size`."""
    source = tmp_path / name
    image.save(source)
    sha = store_original(settings, source, source.read_bytes())
    document = Document(
        sha256=sha, name=name, size=1, mime="image/png", status="ingested", page_count=1
    )
    session.add(document)
    session.flush()
    word = {"text": "Kế,", "box": list(INK), "conf": 0.9, "line": 1}
    session.add(
        Page(
            document_id=document.id,
            number=1,
            width=size[0],
            height=size[1],
            dpi=100,
            raw_text="Kế,",
            text="Kế,",
            words=[word],
            preparation=preparation,
        )
    )
    session.commit()
    return document.id


def _upright(mode: str = "L") -> Image.Image:
    page = Image.new(mode, (400, 600), 255)
    left, top, width, height = INK
    ImageDraw.Draw(page).rectangle((left, top, left + width - 1, top + height - 1), fill=0)
    return page


@pytest.fixture
def pages(settings, engine, tmp_path):
    """#1 scanned sideways (turned upright by the preparation); #2 a bilevel page."""
    with Session(engine) as session:
        sideways = _upright().transpose(Image.Transpose.ROTATE_90)  # a quarter counter-clockwise
        turned = {"rotation": 90, "skew": 0.3, "steps": ["rotate-90"]}
        _add(session, settings, tmp_path, sideways, "sideways.png", turned, (400, 600))
        _add(session, settings, tmp_path, _upright("1"), "fax.png", {"steps": []}, (400, 600))
    return settings


def _mean_in(image: Image.Image, box) -> float:
    left, top, width, height = box
    pixels = np.asarray(image.convert("L"), dtype=float)
    return pixels[top : top + height, left : left + width].mean()


def test_a_sideways_page_is_served_upright_with_its_word_box_on_its_ink(pages, engine):
    path = page_image(pages, engine, 1, 1)
    with Image.open(path) as image:
        assert image.size == (400, 600) and image.format == "JPEG"
        assert _mean_in(image, INK) < 20  # the box is on the ink
        assert np.asarray(image.convert("L"), dtype=float).mean() > 230  # the rest is paper
    assert path.parent == pages.page_cache_dir / _sha(engine, 1)  # one folder per original


def _sha(engine, document_id):
    with Session(engine) as session:
        return session.get(Document, document_id).sha256


def test_a_bilevel_page_is_png_and_a_scaled_copy_keeps_the_proportions(pages, engine):
    path = page_image(pages, engine, 2, 1)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (400, 600)
    scaled = page_image(pages, engine, 2, 1, width=200)
    assert scaled != path
    with Image.open(scaled) as image:
        assert image.size == (200, 300)
        box = [round(v * 200 / 400) for v in INK]  # boxes scale by width / page width
        assert _mean_in(image, box) < 40
    assert page_image(pages, engine, 2, 1, width=400) == path  # not larger than the page
    assert page_image(pages, engine, 2, 1, width=5000) == path


def test_an_image_is_made_once_and_served_from_the_cache(pages, engine):
    path = page_image(pages, engine, 1, 1)
    made = path.stat().st_mtime_ns
    with Session(engine) as session:  # a session does as well as an engine
        assert page_image(pages, session, 1, 1) == path
    assert path.stat().st_mtime_ns == made


def test_requests_at_once_each_get_a_whole_image_and_no_scraps_stay(pages, engine):
    found, failures = [], []

    def ask():
        try:
            path = page_image(pages, engine, 1, 1, width=300)
            with Image.open(path) as image:
                image.load()  # a half-written file fails here
                found.append((path, image.size))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(found)) == 1 and found[0][1] == (300, 450)
    assert list(pages.page_cache_dir.rglob("*.tmp")) == []


def test_a_missing_original_or_page_or_document_is_a_lookup_error(pages, engine):
    with pytest.raises(LookupError, match="no document with id 9"):
        page_image(pages, engine, 9, 1)
    with pytest.raises(NoPageImage, match="has no page 2"):
        page_image(pages, engine, 1, 2)
    storage.original_path(pages.originals_dir, _sha(engine, 1)).unlink()
    with pytest.raises(NoPageImage, match="original of document #1 is missing"):
        page_image(pages, engine, 1, 1)


@pytest.fixture
def home(sample_archive, tmp_path):
    copy = tmp_path / "archive"
    copy_archive(sample_archive[0], copy)
    shutil.rmtree(copy / "cache", ignore_errors=True)
    return copy


def test_every_sample_page_renders_at_its_size_with_its_boxes_on_ink(home):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    with Session(engine) as session:
        rows = session.exec(select(Page).order_by(Page.document_id, Page.number)).all()
        assert len(rows) >= 6 and any(p.number == 2 for p in rows)  # TIFF and PDF page 2 too
        for page in rows:
            with Image.open(page_image(settings, session, page.document_id, page.number)) as image:
                assert image.size == (page.width, page.height)
                grey = np.asarray(image.convert("L"), dtype=float)
            boxes = [w["box"] for w in page.words if w["box"][2] * w["box"][3] > 0]
            inside = np.mean([_mean_in(Image.fromarray(grey.astype("uint8")), b) for b in boxes])
            assert inside < grey.mean() - 40, (page.document_id, page.number)
    engine.dispose()


@sqlite_only  # `sohoa backup`
def test_the_cache_is_not_backed_up_and_goes_with_a_disposed_record(home, tmp_path):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    page_image(settings, engine, 1, 1)
    assert any(settings.page_cache_dir.rglob("*.png"))
    run_sohoa(home, "backup", str(tmp_path / "backup"))
    backed_up = [p.relative_to(tmp_path / "backup") for p in (tmp_path / "backup").rglob("*")]
    assert backed_up and not [p for p in backed_up if "cache" in p.parts]
    with Session(engine) as session:
        registry.ensure_seeded(session)
        links.link(session, 1, "QT-HT-05", actor="lan", source="manual", reason="test")
        registry.revise(session, "QT-HT-05", {"retention_years": 1}, "lan", "ngắn")
        session.commit()
        sha = session.get(Document, 1).sha256
        retention.dispose(session, settings, 1, "lan", "QĐ 12", date(2100, 1, 1))
    assert not (settings.page_cache_dir / sha).exists()
    with pytest.raises(NoPageImage, match="disposed of"):
        page_image(settings, engine, 1, 1)
    engine.dispose()


def test_the_api_serves_a_page_its_image_and_its_matches(home):
    client = api_client(create_app(archive_settings(home=home)), "staff")
    page = client.get("/api/documents/2/pages/1").json()
    assert page["document_id"] == 2 and page["number"] == 1
    assert page["words"] and {"text", "box"} <= set(page["words"][0])
    assert page["text"] and page["raw_text"] and "preparation" in page and "edits" in page
    image = client.get("/api/documents/2/pages/1/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "immutable" in image.headers["cache-control"]
    tag = image.headers["etag"]
    again = client.get("/api/documents/2/pages/1/image", headers={"If-None-Match": tag})
    assert again.status_code == 304
    small = client.get("/api/documents/2/pages/1/image", params={"width": 600})
    assert small.headers["etag"] != tag
    with Image.open(io.BytesIO(small.content)) as scaled:
        assert scaled.width == 600
    matches = client.get("/api/documents/2/pages/1/matches", params={"q": "ke hoach"}).json()
    assert (matches["width"], matches["height"]) == (page["width"], page["height"])
    assert [page["words"][i]["text"] for i in matches["words"]][:2] == ["KẾ", "HOẠCH"]
    assert matches["boxes"] == [page["words"][i]["box"] for i in matches["words"]]
    assert client.get("/api/documents/2/pages/9").status_code == 404
    assert client.get("/api/documents/2/pages/9/image").status_code == 404
    assert client.get("/api/documents/99/pages/1/matches", params={"q": "a"}).status_code == 404
    assert client.get("/api/documents/2/pages/1/matches", params={"q": " "}).status_code == 400


def test_reading_a_restricted_records_page_or_image_is_an_event(home):
    run_sohoa(home, "access", "2", "restricted", "--reason", "QĐ 7")
    app = create_app(archive_settings(home=home))
    client = api_client(app, "auditor", "minh")
    assert client.get("/api/documents/2/pages/1").status_code == 200
    assert client.get("/api/documents/2/pages/2/image").status_code == 200
    staff = api_client(app, "staff")  # may not read it at all: refused, and no event
    assert staff.get("/api/documents/2/pages/1").status_code == 403
    assert staff.get("/api/documents/2/pages/2/image").status_code == 403
    assert staff.get("/api/documents/2/pages/2/matches", params={"q": "a"}).status_code == 403
    with Session(open_database(archive_settings(home=home))) as session:
        rows = session.exec(select(Event).where(Event.action == "document.viewed")).all()
        seen = [(e.actor, e.object_id, json.loads(e.details)["via"]) for e in rows]
    assert seen == [("minh", 2, "api page"), ("minh", 2, "api page image")]
