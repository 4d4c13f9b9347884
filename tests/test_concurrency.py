"""Several processes on one archive: writers queue for the database's write lock (SQLite's, or
PostgreSQL's advisory lock) instead of colliding."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from sqlmodel import Session, func, select

from databases import database_env
from sohoa.archive.database import open_database
from sohoa.archive.models import Event
from sohoa.archive.verify import verify

APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from sqlmodel import Session
    from sohoa.archive import trail
    from sohoa.archive.database import open_database
    from sohoa.archive.models import Document
    from sohoa.archive.settings import Settings

    engine = open_database(Settings(home=Path(sys.argv[1])))
    for n in range(int(sys.argv[2])):
        with Session(engine) as session:
            session.get(Document, 1)  # a read first, as every real change does
            trail.record(session, "test.appended", actor=sys.argv[3], object_type="test",
                         object_id=n)
            session.commit()
    """
)


def test_two_processes_appending_events_at_once_both_succeed_without_gaps(settings):
    open_database(settings).dispose()  # migrated once, before the race
    each = 400
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(settings.home), str(each), name],
            env={**os.environ, **database_env(settings.home)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second", "third")
    ]
    errors = [writer.communicate(timeout=300)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0, 0], errors
    engine = open_database(settings)
    with Session(engine) as session:
        seqs = session.exec(select(Event.seq).order_by(Event.seq)).all()
        assert seqs == list(range(1, 3 * each + 1))
        by_actor = dict(session.exec(select(Event.actor, func.count()).group_by(Event.actor)).all())
        assert by_actor == {"first": each, "second": each, "third": each}
        assert verify(session, None, None).ok
