"""The metadata database: where it is, versions and migrations, and files it must not touch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelinekit import __version__
from pipelinekit.errors import OutputError
from pipelinekit.metadata import (
    DEFAULT_PATH,
    ENV,
    FORMAT_VERSION,
    MetadataError,
    Schema,
    connect,
    metadata_path,
    query,
)

NOTES_V1 = Schema("notes", ("CREATE TABLE notes (note VARCHAR)",), ("notes",))


def add_author(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE notes ADD COLUMN author VARCHAR DEFAULT 'unknown'")


NOTES_V2 = Schema("notes", (*NOTES_V1.migrations, add_author), ("notes",))


def fingerprint(path: Path) -> tuple[bytes, int]:
    """The file's bytes and modification time: equal before and after means untouched."""
    return path.read_bytes(), path.stat().st_mtime_ns


def metadata_file(path: Path, *schemas: Schema) -> Path:
    with connect(path, schemas=schemas):
        pass
    return path


# ---------------------------------------------------------------------- where it is
def test_the_path_comes_from_the_argument_then_the_variable_then_the_default() -> None:
    assert metadata_path("a.duckdb", environ={ENV: "b.duckdb"}) == Path("a.duckdb")
    assert metadata_path(environ={ENV: "b.duckdb"}) == Path("b.duckdb")
    assert metadata_path(environ={ENV: ""}) == DEFAULT_PATH
    assert metadata_path(environ={}) == Path(".pipelinekit/metadata.duckdb")
    assert metadata_path("~/m.duckdb") == Path.home() / "m.duckdb"


def test_the_default_file_is_created_under_the_working_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV, raising=False)
    with connect():
        pass
    assert (tmp_path / ".pipelinekit" / "metadata.duckdb").is_file()


def test_the_variable_moves_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "class" / "meta.duckdb"))
    with connect() as con:
        assert con.sql("SELECT count(*) FROM pk_metadata").fetchall() == [(1,)]
    assert (tmp_path / "class" / "meta.duckdb").is_file()


# ---------------------------------------------------------------------- versions
def test_a_new_file_records_its_format_and_the_pipelinekit_that_wrote_it(tmp_path) -> None:
    path = metadata_file(tmp_path / "deep" / "er" / "metadata.duckdb")
    answer = query("SELECT * FROM pk_metadata", path)
    assert answer.component.tolist() == ["metadata"]
    assert answer.schema_version.tolist() == [FORMAT_VERSION]
    assert answer.pipelinekit_version.tolist() == [__version__]


def test_a_schema_gets_its_tables_and_its_row(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb", NOTES_V1)
    versions = query("SELECT component, schema_version FROM pk_metadata ORDER BY 1", path)
    assert versions.values.tolist() == [["metadata", 1], ["notes", 1]]
    assert query("SELECT count(*) AS n FROM notes", path).n.tolist() == [0]


def test_only_missing_migrations_run_and_data_stays(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    with connect(path, schemas=[NOTES_V1]) as con:
        con.execute("INSERT INTO notes VALUES ('kept')")
    with connect(path, schemas=[NOTES_V2]) as con:
        assert con.sql("SELECT note, author FROM notes").fetchall() == [("kept", "unknown")]
    with connect(path, schemas=[NOTES_V2]):  # nothing left to run: no error adding twice
        pass
    versions = query("SELECT component, schema_version FROM pk_metadata ORDER BY 1", path)
    assert versions.values.tolist() == [["metadata", 1], ["notes", 2]]


def test_a_failing_migration_changes_nothing(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb")
    broken = Schema("broken", ("CREATE TABLE half (x INTEGER)", "CREATE TABLE half (x INTEGER)"))
    expected = r"(?s)Cannot bring the broken tables of '.*' to version 2 \(.*already exists"
    with pytest.raises(MetadataError, match=expected):
        connect(path, schemas=[broken])
    tables = query("SELECT table_name FROM information_schema.tables", path).table_name
    assert tables.tolist() == ["pk_metadata"]
    assert query("SELECT component FROM pk_metadata", path).component.tolist() == ["metadata"]


def test_schemas_can_share_one_file(tmp_path) -> None:
    other = Schema("other", ("CREATE TABLE other_history (x INTEGER)",))
    path = metadata_file(tmp_path / "m.duckdb", NOTES_V1)
    metadata_file(path, other)
    with connect(path, schemas=[NOTES_V1, other]) as con:
        rows = con.sql("SELECT component FROM pk_metadata ORDER BY 1").fetchall()
    assert rows == [("metadata",), ("notes",), ("other",)]


def test_query_fills_placeholders(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb", NOTES_V1)
    with connect(path) as con:
        con.execute("INSERT INTO notes VALUES ('a'), ('b')")
    assert query("SELECT note FROM notes WHERE note = ?", path, params=["b"]).note.tolist() == ["b"]


# ---------------------------------------------------------------------- files left alone
def test_a_file_of_garbage_is_not_a_metadata_database_and_stays_as_it_was(tmp_path) -> None:
    path = tmp_path / "metadata.duckdb"
    path.write_bytes(b"my thesis, chapter 1\n" * 400)
    before = fingerprint(path)
    with pytest.raises(MetadataError, match=r"(?s)is not a DuckDB database, so it is not a pipe"):
        connect(path)
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata.duckdb"]  # no .wal either


def test_an_empty_file_is_not_a_metadata_database(tmp_path) -> None:
    path = tmp_path / "metadata.duckdb"
    path.touch()
    with pytest.raises(MetadataError, match="is an empty file"):
        connect(path)
    assert path.read_bytes() == b""


def test_another_duckdb_database_is_refused_untouched(tmp_path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE sales AS SELECT 1 AS amount")
    before = fingerprint(path)
    expected = r"(?s)is a DuckDB database but not a pipelinekit metadata database.*'sales'.*Hint"
    with pytest.raises(MetadataError, match=expected):
        connect(path, schemas=[NOTES_V1])
    assert fingerprint(path) == before


def test_an_empty_duckdb_database_is_taken_as_a_new_file(tmp_path) -> None:
    path = tmp_path / "m.duckdb"
    duckdb.connect(str(path)).close()
    metadata_file(path, NOTES_V1)
    assert len(query("SELECT * FROM pk_metadata", path)) == 2


def test_a_file_from_a_newer_pipelinekit_names_both_versions(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb", NOTES_V1)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "UPDATE pk_metadata SET schema_version = 3, pipelinekit_version = '9.1.0'"
            " WHERE component = 'notes'"
        )
    before = fingerprint(path)
    expected = (
        r"(?s)has notes tables of version 3, written by pipelinekit 9\.1\.0; expected version 1"
        rf" or older, the newest pipelinekit {__version__} knows.*Hint: upgrade pipelinekit"
    )
    with pytest.raises(MetadataError, match=expected):
        connect(path, schemas=[NOTES_V1])
    assert fingerprint(path) == before
    with connect(path):  # parts it is not asked about are not its business
        pass


def test_a_newer_metadata_format_is_refused_whatever_the_schemas(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE pk_metadata SET schema_version = 2, pipelinekit_version = '2.0.0'")
    with pytest.raises(MetadataError, match="has metadata tables of version 2"):
        query("SELECT 1", path)


def test_a_damaged_file_is_reported_and_kept(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb", NOTES_V1)
    damaged = bytearray(path.read_bytes())
    for i in range(4096, len(damaged), 7):  # past the main header: the database headers, blocks
        damaged[i] ^= 0x55
    path.write_bytes(bytes(damaged))
    before = fingerprint(path)
    with pytest.raises(MetadataError, match=r"(?s)is damaged \(.*\).*does not replace it"):
        connect(path, schemas=[NOTES_V1])
    assert fingerprint(path) == before


def test_a_pk_metadata_without_its_own_row_is_damaged(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM pk_metadata")
    with pytest.raises(MetadataError, match="damaged .*no row for 'metadata'"):
        connect(path)


def test_a_file_in_use_by_another_program_is_reported(tmp_path) -> None:
    path = metadata_file(tmp_path / "m.duckdb")
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
    hold += " sys.stdin.read()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(MetadataError, match="(?s)in use by another program.*Hint: close"):
            connect(path)
    finally:
        holder.communicate("")
    with connect(path):  # free again once the other program is done
        pass


def test_a_missing_file_is_not_created_when_reading(tmp_path) -> None:
    path = tmp_path / "nothing" / "m.duckdb"
    with pytest.raises(MetadataError, match=r"(?s)No metadata database at '.*m\.duckdb'.*Hint"):
        query("SELECT 1", path)
    assert not path.parent.exists()


def test_a_folder_is_not_a_metadata_database(tmp_path) -> None:
    with pytest.raises(MetadataError, match="is a folder, not a metadata database"):
        connect(tmp_path)


def test_a_folder_that_cannot_be_created_is_an_output_error(tmp_path) -> None:
    (tmp_path / "taken").write_text("a file where a folder should go")
    with pytest.raises(OutputError, match=r"(?s)Cannot create the folder '.*taken'.*Hint"):
        connect(tmp_path / "taken" / "metadata.duckdb")


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder no file can be created in: chmod 555, or /sys where root ignores modes."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
    elif Path("/sys").is_dir():
        yield Path("/sys")
    else:
        pytest.skip("no read-only folder: running as root without /sys")


def test_a_read_only_folder_is_an_output_error(read_only_folder) -> None:
    path = read_only_folder / "metadata.duckdb"
    with pytest.raises(OutputError, match=r"(?s)Cannot create the metadata database .*Hint: pass"):
        connect(path)
    assert not path.exists()
