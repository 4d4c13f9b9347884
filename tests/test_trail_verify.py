"""The tamper-evident trail: signed checkpoints, and `verify` catching each kind of tampering and
naming where it happened. The tampering is done as an attacker would: in SQL, with the triggers
that keep the trail append-only dropped first."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from conftest import store_original
from databases import drop_append_only
from sohoa.archive import checkpoints, keys, merkle, storage, trail
from sohoa.archive.checkpoints import CheckpointError
from sohoa.archive.keys import SigningKey
from sohoa.archive.models import Checkpoint, Document, Event
from sohoa.archive.verify import verify

COMMANDS = 4  # the fixture's archive ran this many commands, each appending EVENTS_EACH events
EVENTS_EACH = 3


@pytest.fixture
def archive(settings, engine, tmp_path):
    """An archive with two stored originals and 12 events, sealed after every 3 (as after each
    command), so checkpoints seal 3, 6, 9 and 12 events."""
    for number in (1, 2):
        source = tmp_path / f"scan-{number}.pdf"
        sha = store_original(settings, source, f"%PDF-1.4 scan {number}".encode())
        with Session(engine) as session:
            session.add(Document(sha256=sha, name=source.name, size=20, mime="application/pdf"))
            session.commit()
    for command in range(COMMANDS):
        with Session(engine) as session:
            for step in range(EVENTS_EACH):
                trail.record(
                    session,
                    "test.step",
                    actor="Nguyễn Văn An",
                    object_type="document",
                    object_id=1,
                    details={"command": command, "step": step},
                )
            session.commit()
        checkpoints.seal_archive(settings, engine)
    return settings


def _check(settings, engine, against: str | None = None, originals: bool = True):
    with Session(engine) as session:
        return verify(
            session,
            keys.load_public(settings.keys_dir),
            settings.originals_dir if originals else None,
            against,
        )


def _tamper(engine, *statements: str, **params) -> None:
    """Run SQL as someone with write access to the database file would: triggers dropped."""
    with engine.begin() as connection:
        drop_append_only(connection, "event", "checkpoint")
        for statement in statements:
            connection.execute(text(statement), params)


def _rehash(engine) -> None:
    """Recompute every stored leaf hash from the (tampered) content, hiding an edit from the
    per-event check."""
    with Session(engine) as session:
        for event in session.exec(select(Event)):
            _tamper(
                engine,
                "UPDATE event SET leaf_hash = :h WHERE id = :id",
                h=trail.leaf_hash(trail.canonical_bytes(event)),
                id=event.id,
            )


def _kept_checkpoint(engine) -> str:
    with Session(engine) as session:
        return checkpoints.latest(session).note


def test_every_command_is_sealed_by_a_signed_checkpoint_of_the_whole_trail(archive, engine):
    with Session(engine) as session:
        rows = list(session.exec(select(Checkpoint).order_by(Checkpoint.id)))
        leaves = [bytes.fromhex(e.leaf_hash) for e in session.exec(select(Event))]
    assert [c.tree_size for c in rows] == [3, 6, 9, 12]
    assert rows[-1].root == merkle.root(leaves).hex()
    public = keys.load_public(archive.keys_dir)
    signed = checkpoints.parse(rows[-1].note, public)
    assert (signed.tree_size, signed.root.hex()) == (12, rows[-1].root)
    assert (archive.keys_dir / keys.PRIVATE_FILE).stat().st_mode & 0o777 == 0o600


def test_a_trail_nobody_touched_verifies(archive, engine):
    result = _check(archive, engine, against=_kept_checkpoint(engine))
    assert result.ok, result.problems
    assert (result.events, result.checkpoint.tree_size, result.originals_checked) == (12, 12, 2)
    assert result.warnings == []


def test_nothing_is_sealed_when_no_event_was_appended(archive, engine):
    assert checkpoints.seal_archive(archive, engine) is None


def test_the_database_refuses_to_change_or_remove_a_checkpoint(archive, engine):
    for statement in ("UPDATE checkpoint SET tree_size = 1", "DELETE FROM checkpoint"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_an_edited_event_is_named(archive, engine):
    _tamper(engine, "UPDATE event SET actor = 'someone else' WHERE seq = 5")
    result = _check(archive, engine)
    assert not result.ok
    assert result.problems[0].where == "event 5"
    assert "changed" in result.problems[0].message


def test_an_edited_event_with_its_hash_recomputed_is_caught_between_two_checkpoints(
    archive, engine
):
    _tamper(engine, "UPDATE event SET details = :d WHERE seq = 5", d='{"command":1,"step":9}')
    _rehash(engine)
    result = _check(archive, engine)
    assert not result.ok
    assert result.problems[0].where == "events 4-6"  # the command that appended event 5


def test_a_deleted_event_is_named(archive, engine):
    _tamper(engine, "DELETE FROM event WHERE seq = 7")
    result = _check(archive, engine)
    assert result.problems[0].where == "event 7"
    assert "deleted or reordered" in result.problems[0].message


def test_reordered_events_are_named_even_with_their_hashes_recomputed(archive, engine):
    _tamper(
        engine,
        "UPDATE event SET seq = -1 WHERE seq = 8",
        "UPDATE event SET seq = 8 WHERE seq = 9",
        "UPDATE event SET seq = 9 WHERE seq = -1",
    )
    _rehash(engine)
    result = _check(archive, engine)
    assert result.problems[0].where == "event 8"


def test_a_changed_original_is_named(archive, engine):
    with Session(engine) as session:
        document = session.get(Document, 2)
    path = storage.original_path(archive.originals_dir, document.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.4 a forged scan")
    result = _check(archive, engine)
    assert [p.where for p in result.problems] == ["document #2 (scan-2.pdf)"]
    assert "changed" in result.problems[0].message


def test_a_missing_original_is_named(archive, engine):
    with Session(engine) as session:
        first = session.get(Document, 1)
    storage.original_path(archive.originals_dir, first.sha256).unlink()
    result = _check(archive, engine)
    assert [p.where for p in result.problems] == ["document #1 (scan-1.pdf)"]
    assert "gone" in result.problems[0].message


def test_marking_a_record_disposed_does_not_excuse_its_missing_original(archive, engine):
    with Session(engine) as session:
        second = session.get(Document, 2)
    storage.original_path(archive.originals_dir, second.sha256).unlink()
    _tamper(engine, "UPDATE document SET status = 'disposed' WHERE id = 2")
    result = _check(archive, engine)
    assert [p.where for p in result.problems] == ["document #2 (scan-2.pdf)"]
    assert "no tombstone" in result.problems[0].message
    assert (result.originals_checked, result.originals_disposed) == (1, 1)


def test_skipping_the_originals_checks_the_trail_alone(archive, engine):
    with Session(engine) as session:
        document = session.get(Document, 1)
    storage.original_path(archive.originals_dir, document.sha256).unlink()
    assert _check(archive, engine, originals=False).ok


def test_a_checkpoint_signed_by_another_key_is_a_forgery(archive, engine):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = SigningKey(Ed25519PrivateKey.generate())
    forged = checkpoints.sign(other, 12, merkle.EMPTY_ROOT, trail.utcnow())
    _tamper(
        engine,
        "INSERT INTO checkpoint (tree_size, root, time, note) "
        "VALUES (12, :root, '2026-12-04 00:00:00', :note)",
        root=merkle.EMPTY_ROOT.hex(),
        note=forged.note,
    )
    result = _check(archive, engine)
    assert result.problems[0].where == "checkpoint #5"
    assert "not signed by this archive's key" in result.problems[0].message


def test_a_checkpoint_whose_columns_were_edited_is_caught(archive, engine):
    _tamper(engine, "UPDATE checkpoint SET root = :root WHERE id = 4", root="00" * 32)
    result = _check(archive, engine)
    assert result.problems[0].where == "checkpoint #4"


def test_an_old_checkpoint_signed_again_as_the_newest_is_a_roll_back(archive, engine):
    with Session(engine) as session:
        old = session.get(Checkpoint, 2)
    _tamper(
        engine,
        "INSERT INTO checkpoint (tree_size, root, time, note) "
        "VALUES (:size, :root, '2026-12-04 00:00:00', :note)",
        size=old.tree_size,
        root=old.root,
        note=old.note,
    )
    result = _check(archive, engine)
    assert result.problems[0].where == "checkpoint #5"
    assert "rolled back" in result.problems[0].message


def test_a_history_rewritten_and_signed_again_is_caught_only_by_a_kept_checkpoint(archive, engine):
    kept = _kept_checkpoint(engine)
    # Whoever holds the key edits event 2, recomputes the hashes, replaces every checkpoint.
    _tamper(
        engine, "UPDATE event SET actor = 'someone else' WHERE seq = 2", "DELETE FROM checkpoint"
    )
    _rehash(engine)
    checkpoints.seal_archive(archive, engine)
    assert _check(archive, engine).ok  # the archive alone cannot tell
    result = _check(archive, engine, against=kept)
    assert [p.kind for p in result.problems] == ["against"]
    assert result.problems[0].where == "events 1-12"


def test_a_trail_rolled_back_behind_a_kept_checkpoint_is_caught(archive, engine):
    kept = _kept_checkpoint(engine)
    _tamper(engine, "DELETE FROM event WHERE seq > 9", "DELETE FROM checkpoint WHERE tree_size > 9")
    assert _check(archive, engine).ok
    result = _check(archive, engine, against=kept)
    assert result.problems[0].kind == "against"
    assert "rolled back" in result.problems[0].message


def test_the_trail_extends_an_older_kept_checkpoint(archive, engine):
    with Session(engine) as session:
        older = session.get(Checkpoint, 1).note
    result = _check(archive, engine, against=older)
    assert result.ok and result.against.tree_size == 3


@pytest.mark.parametrize(
    "spoil",
    [
        lambda note: note.replace("\n12\n", "\n13\n"),  # a bigger size than was signed
        lambda note: note.replace("time 2", "time 1"),  # another time
        lambda note: note[:-10] + "AAAAAAAAA\n",  # a broken signature
        lambda note: note.split("\n\n")[0] + "\n",  # no signature at all
        lambda note: "not a checkpoint",
        lambda note: "",
    ],
)
def test_a_malicious_kept_checkpoint_is_refused(archive, engine, spoil):
    result = _check(archive, engine, against=spoil(_kept_checkpoint(engine)))
    assert [p.kind for p in result.problems] == ["against"]


def _append(engine, count: int = 1) -> None:
    with Session(engine) as session:
        for _ in range(count):
            trail.record(session, "test.step", actor="a", object_type="document", details={})
        session.commit()


def test_the_archive_refuses_to_sign_an_event_changed_before_it_was_sealed(archive, engine):
    _append(engine)
    _tamper(engine, "UPDATE event SET actor = 'someone else' WHERE seq = 13")
    with pytest.raises(CheckpointError, match="event 13 changed before it was sealed"):
        checkpoints.seal_archive(archive, engine)


def test_sealing_reads_only_new_events_and_keeps_extending_the_signed_history(archive, engine):
    with Session(engine) as session:
        signed_leaves = [bytes.fromhex(e.leaf_hash) for e in session.exec(select(Event))]
    _tamper(engine, "UPDATE event SET actor = 'someone else' WHERE seq = 2")
    _rehash(engine)  # an old event rewritten, its hash too: sealing does not re-read it
    _append(engine, 2)
    sealed = checkpoints.seal_archive(archive, engine)
    with Session(engine) as session:
        new_leaves = [bytes.fromhex(e.leaf_hash) for e in session.exec(select(Event))][12:]
    assert sealed.root == merkle.root(signed_leaves + new_leaves).hex()  # the true history
    assert _check(archive, engine).problems[0].where == "events 1-3"


def test_a_changed_stored_tree_is_refused_not_signed_over(archive, engine):
    _tamper(engine, "UPDATE checkpoint SET frontier = :f WHERE id = 4", f='["' + "00" * 32 + '"]')
    _append(engine)
    with pytest.raises(CheckpointError, match="no longer matches checkpoint #4"):
        checkpoints.seal_archive(archive, engine)


def test_a_checkpoint_from_before_stored_trees_is_taken_up_from_every_event(archive, engine):
    _tamper(engine, "UPDATE checkpoint SET frontier = '[]'")
    _append(engine)
    assert checkpoints.seal_archive(archive, engine).tree_size == 13
    assert _check(archive, engine).ok
    _tamper(engine, "UPDATE checkpoint SET frontier = '[]'")
    _tamper(engine, "UPDATE event SET actor = 'someone else' WHERE seq = 2")
    _rehash(engine)
    _append(engine)
    with pytest.raises(CheckpointError, match="no longer matches checkpoint #5"):
        checkpoints.seal_archive(archive, engine)


def test_events_after_the_last_checkpoint_are_reported_as_not_yet_sealed(archive, engine):
    _append(engine)
    result = _check(archive, engine)
    assert result.ok
    assert result.warnings[0].startswith("1 event(s) after the last checkpoint are not sealed")


def test_the_frontier_gives_the_root_of_every_prefix():
    leaves = [merkle.hash_leaf(bytes([i])) for i in range(70)]
    frontier = merkle.Frontier()
    for size, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == merkle.root(leaves[:size])


def test_a_lost_key_is_not_replaced_once_checkpoints_were_signed_with_it(archive, engine):
    private = archive.keys_dir / keys.PRIVATE_FILE
    saved = private.read_bytes()
    private.unlink()
    _append(engine)
    with pytest.raises(CheckpointError, match="signing key is missing"):
        checkpoints.seal_archive(archive, engine)
    assert not private.exists()
    private.write_bytes(saved)  # restored from the backup: sealing goes on
    assert checkpoints.seal_archive(archive, engine).tree_size == 13
    assert _check(archive, engine).ok
