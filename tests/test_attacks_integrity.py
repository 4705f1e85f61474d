"""Attacks on the record's integrity, made as an attacker would make them: with plain SQL
on the store (sqlite3 or psycopg) and the file system, holding no key. Each test then
shows through the CLI that the attack is detected or refused (issue 16, items 1-8)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from caselog.adapters.chain import GENESIS, event_fields, link
from caselog.adapters.crypto import BOUND
from caselog.adapters.mapper import place
from caselog.adapters.store import open_store, records_held
from tests.conftest import FIXTURES, Cli, raw, sibling
from tests.transcripts import write_transcript

INTEGRITY_KEY = "the auditors' integrity key"


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    """An encrypted store (the default) holding the three fixture clients."""
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


@pytest.fixture
def keyed(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """An encrypted store whose chain is keyed, the integrity key set as a user has it."""
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", INTEGRITY_KEY)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


@pytest.fixture
def plain(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """A plaintext store with an unkeyed chain: nothing an attacker lacks."""
    monkeypatch.setenv("CASELOG_ENCRYPTION", "off")
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    monkeypatch.delenv("CASELOG_ENCRYPTION")
    return cli


def _sql(db: str, statement: str, *params: object) -> list[Any]:
    with raw(db).transaction() as conn:
        cursor = conn.execute(statement, params)
        try:
            return list(cursor.fetchall())
        except Exception:  # a statement without rows: psycopg raises
            return []


def _meta(db: str) -> dict[str, str]:
    return dict(_sql(db, "SELECT key, value FROM caselog_meta"))


def _cid(cli: Cli, name: str) -> str:
    with open_store(cli.db) as store:
        return store.app.client_id_for(name).hex


def _eid(db: str, cid: str) -> object:
    return raw(db).event_id(cid)


def _events(db: str, cid: str) -> list[tuple[int, str, bytes]]:
    rows = _sql(
        db,
        "SELECT originator_version, topic, state FROM stored_events WHERE originator_id=? "
        "ORDER BY originator_version",
        _eid(db, cid),
    )
    return [(int(v), str(t), bytes(s)) for v, t, s in rows]


def _rechain(db: str, cid: str, key: bytes | None = None) -> None:
    """What an attacker without the integrity key does after editing events: recompute
    every link (plain SHA-256) and the head, so that an unkeyed verify finds them whole."""
    previous, rows = GENESIS, []
    for version, topic, state in _events(db, cid):
        previous = link(previous, event_fields(topic, cid, version, state), key)
        rows.append((cid, version, previous))
    with raw(db).transaction() as conn:
        conn.execute("DELETE FROM event_chain WHERE originator_id=?", (cid,))
        conn.executemany("INSERT INTO event_chain VALUES (?, ?, ?)", rows)
        conn.execute(
            "UPDATE chain_heads SET originator_version=?, link=? WHERE originator_id=?",
            (rows[-1][1], rows[-1][2], cid),
        )


def _one_line_error(result: Any, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    assert "Traceback" not in result.output


# --- 1. downgrading the chain -------------------------------------------------------------


def test_a_keyed_chain_switched_to_plain_sha256_and_rechained_is_refused_by_verify(keyed):
    cid = _cid(keyed, "Marcus Thompson")
    # Strip every trace of the key from the settings, delete an event, rechain unkeyed.
    _sql(keyed.db, "UPDATE caselog_meta SET value='sha256' WHERE key='integrity'")
    _sql(keyed.db, "DELETE FROM caselog_meta WHERE key IN ('integrity_check', 'seal_integrity')")
    _sql(
        keyed.db,
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=5",
        _eid(keyed.db, cid),
    )
    _sql(
        keyed.db,
        "UPDATE stored_events SET originator_version=originator_version+999 "
        "WHERE originator_id=? AND originator_version>5",
        _eid(keyed.db, cid),
    )
    _sql(
        keyed.db,
        "UPDATE stored_events SET originator_version=originator_version-1000 "
        "WHERE originator_id=? AND originator_version>1000",
        _eid(keyed.db, cid),
    )
    _rechain(keyed.db, cid)
    result = keyed("verify")
    _one_line_error(result, "not keyed", "CASELOG_INTEGRITY_KEY")
    assert "intact" not in result.stdout


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("integrity", "sha256"),
        ("namespace", "00000000-0000-4000-8000-000000000000"),
        ("readmodels", "on"),
        ("key_check", "00" * 40),
    ],
)
def test_any_edit_to_a_setting_is_refused_by_every_command(keyed, setting, value):
    _sql(
        keyed.db,
        "INSERT INTO caselog_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value=?",
        setting,
        value,
        value,
    )
    for command in (["verify"], ["clients"], ["sessions", "Alex"], ["ingest", str(FIXTURES)]):
        result = keyed(*command)
        assert result.exit_code == 1, (command, result.output)
        assert "error: " in result.stderr and "Traceback" not in result.output
    assert "intact" not in keyed("verify").stdout


def test_a_setting_edited_on_a_store_without_an_integrity_key_is_caught_by_the_master_seal(
    seeded,
):
    _sql(seeded.db, "UPDATE caselog_meta SET value='on' WHERE key='readmodels'")
    _sql(seeded.db, "INSERT INTO caselog_meta VALUES ('readmodels', 'on') ON CONFLICT DO NOTHING")
    _one_line_error(seeded("clients"), "fail their seal under the master key")
    _one_line_error(seeded("verify"), "fail their seal")


def test_a_store_stripped_of_its_seals_is_refused_until_verified_and_sealed_again(keyed):
    _sql(keyed.db, "DELETE FROM caselog_meta WHERE key IN ('seal_master', 'seal_integrity')")
    _one_line_error(keyed("clients"), "carry no seal", "--seal-settings")
    sealed = keyed("verify", "--seal-settings")
    assert sealed.exit_code == 0, sealed.output
    assert "settings sealed" in sealed.stdout
    assert keyed("clients").exit_code == 0


def test_an_anchored_digest_catches_a_settings_edit_on_a_store_without_keys(plain):
    anchor = plain("verify", "--digest").stdout.strip()
    _sql(
        plain.db,
        "UPDATE caselog_meta SET value=? WHERE key='namespace'",
        "0" * 8 + "-0000-4000-8000-" + "0" * 12,
    )
    result = plain("verify", "--expect-digest", anchor)
    assert result.exit_code == 1 and "head digest differs" in result.stdout


# --- 2. moved ciphertexts -----------------------------------------------------------------


def _same_topic_pair(db: str, cid: str) -> tuple[int, int]:
    by_topic: dict[str, list[int]] = {}
    for version, topic, _ in _events(db, cid):
        by_topic.setdefault(topic, []).append(version)
    versions = next(v for t, v in by_topic.items() if t.endswith("UtteranceRecorded"))
    return versions[1], versions[2]


def test_a_ciphertext_moved_to_another_version_of_its_client_does_not_decrypt(seeded):
    cid = _cid(seeded, "Marcus Thompson")
    first, second = _same_topic_pair(seeded.db, cid)
    states = {v: s for v, _, s in _events(seeded.db, cid)}
    for version, state in ((first, states[second]), (second, states[first])):
        _sql(
            seeded.db,
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
            state,
            _eid(seeded.db, cid),
            version,
        )
    _rechain(seeded.db, cid)  # an unkeyed chain, made whole again: only the cipher is left
    _one_line_error(seeded("replay", "Marcus Thompson"), "cannot be decrypted")


def test_ciphertexts_written_before_binding_are_still_read(seeded):
    """The upcast path for stores made before associated data: an event encrypted
    without it (as caselog wrote them) reads as before."""
    cid = _cid(seeded, "Marcus Thompson")
    before = seeded("replay", "Marcus Thompson").stdout
    assert all(state.startswith(BOUND) for _, _, state in _events(seeded.db, cid)[1:])
    with open_store(seeded.db) as store:
        keys = store.app.mapper.cipher
        client = UUID(hex=cid)
        legacy = []
        for version, topic, state in _events(seeded.db, cid):
            plain = keys.decrypt_for(client, state, place(client, version, topic))  # type: ignore[union-attr]
            legacy.append((keys.encrypt_for(client, plain), version))  # type: ignore[union-attr]
    for state, version in legacy:
        _sql(
            seeded.db,
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
            state,
            _eid(seeded.db, cid),
            version,
        )
    _sql(seeded.db, "DELETE FROM stored_snapshots")
    _rechain(seeded.db, cid)
    after = seeded("replay", "Marcus Thompson")
    assert after.exit_code == 0 and after.stdout == before


# --- 3. stale snapshots -------------------------------------------------------------------


def _answers(cli: Cli, name: str) -> tuple[Any, Any]:
    sessions = cli("sessions", name, "--json")
    homework = cli("homework", name, "--json")
    assert sessions.exit_code == 0 and homework.exit_code == 0, sessions.output + homework.output
    return json.loads(sessions.stdout), json.loads(homework.stdout)


def test_an_older_snapshot_copied_over_the_latest_is_discarded_and_verify_names_it(seeded):
    cid = _cid(seeded, "Alex")
    before = _answers(seeded, "Alex")
    versions = sorted(
        int(v)
        for (v,) in _sql(
            seeded.db,
            "SELECT originator_version FROM stored_snapshots WHERE originator_id=?",
            _eid(seeded.db, cid),
        )
    )
    assert len(versions) == 2
    older, latest = versions
    (state,) = _sql(
        seeded.db,
        "SELECT state FROM stored_snapshots WHERE originator_id=? AND originator_version=?",
        _eid(seeded.db, cid),
        older,
    )[0]
    (old_link,) = _sql(
        seeded.db,
        "SELECT link FROM snapshot_links WHERE originator_id=? AND originator_version=?",
        cid,
        older,
    )[0]
    _sql(
        seeded.db,
        "UPDATE stored_snapshots SET state=? WHERE originator_id=? AND originator_version=?",
        bytes(state),
        _eid(seeded.db, cid),
        latest,
    )
    _sql(
        seeded.db,
        "UPDATE snapshot_links SET link=? WHERE originator_id=? AND originator_version=?",
        bytes(old_link),
        cid,
        latest,
    )
    assert _answers(seeded, "Alex") == before
    assert "14" in seeded("recap", "Alex").stdout
    result = seeded("verify", "--json")
    assert result.exit_code == 1
    breaks = json.loads(result.stdout)["breaks"]
    assert [(b["log"], b["version"]) for b in breaks] == [("snapshots", latest)]
    # Later writes are not misled into a conflict by the stale state.
    assert seeded("homework-set", "Alex", "S5.H1", "completed").exit_code == 0


# --- 4. edited read models ---------------------------------------------------------------


def test_an_edited_homework_row_is_refused_by_homework_for_all_clients(plain):
    assert plain("homework", "--all-clients").exit_code == 0  # the read models catch up
    _sql(
        plain.db, "UPDATE readmodel_homework SET text='Skip every session' WHERE status='assigned'"
    )
    result = plain("homework", "--all-clients")
    _one_line_error(result, "readmodel_homework", "does not match its digest", "project rebuild")
    assert "Skip every session" not in result.stdout
    assert plain("project", "rebuild").exit_code == 0
    healed = plain("homework", "--all-clients")
    assert healed.exit_code == 0 and "Skip every session" not in healed.stdout


def test_an_edited_utterance_in_the_search_index_is_refused_by_search(plain):
    assert plain("search", "kindness").exit_code == 0
    _sql(plain.db, "UPDATE readmodel_utterances SET text = text || ' kindness forged'")
    result = plain("search", "forged")
    _one_line_error(result, "readmodel_utterances", "does not match its digest")
    assert "forged" not in result.stdout


def test_a_deleted_homework_row_is_refused_by_homework_for_all_clients(plain):
    assert plain("homework", "--all-clients").exit_code == 0
    _sql(plain.db, "DELETE FROM readmodel_homework")
    _one_line_error(plain("homework", "--all-clients"), "does not match its digest")


def test_project_status_reports_an_edited_read_model_instead_of_lag_zero(plain):
    assert plain("project", "rebuild").exit_code == 0
    status = plain("project", "status", "--json")
    assert status.exit_code == 0 and json.loads(status.stdout)["altered"] is None
    _sql(plain.db, "UPDATE readmodel_sessions SET professional='Dr. Nobody'")
    status = plain("project", "status", "--json")
    assert status.exit_code == 1
    reported = json.loads(status.stdout)
    assert reported["lag"] == 0 and "readmodel_sessions" in reported["altered"]
    _one_line_error(plain("project", "status"), "readmodel_sessions", "project rebuild")
    assert plain("project", "rebuild").exit_code == 0
    assert plain("project", "status").exit_code == 0


# --- 5. settings deleted or switched off --------------------------------------------------


def test_encryption_switched_off_in_the_settings_is_refused_before_anything_is_written(
    seeded, tmp_path: Path
):
    newcomer = write_transcript(tmp_path / "new", "Nadia Okafor", 1)
    before = len(_sql(seeded.db, "SELECT originator_id FROM stored_events"))
    _sql(seeded.db, "UPDATE caselog_meta SET value='off' WHERE key='encryption'")
    _sql(seeded.db, "DELETE FROM caselog_meta WHERE key IN ('key_check', 'seal_master')")
    result = seeded("ingest", str(newcomer))
    _one_line_error(result, "not encrypted")
    assert len(_sql(seeded.db, "SELECT originator_id FROM stored_events")) == before


def test_deleted_settings_are_refused_never_made_again(seeded):
    _sql(seeded.db, "DELETE FROM caselog_meta")
    for command in (["clients"], ["verify"], ["ingest", str(FIXTURES)]):
        _one_line_error(seeded(*command), "settings are missing")
    assert _meta(seeded.db) == {}


# --- 6. bad key rows --------------------------------------------------------------------


def _damage_key(db: str, cid: str) -> None:
    ((wrapped,),) = _sql(db, "SELECT wrapped FROM caselog_keys WHERE client_id=?", cid)
    damaged = bytes([wrapped[0] ^ 1]) + bytes(wrapped)[1:]
    _sql(db, "UPDATE caselog_keys SET wrapped=? WHERE client_id=?", damaged, cid)


def test_a_damaged_data_key_stays_with_its_client_as_one_line(seeded):
    cid = _cid(seeded, "Marcus Thompson")
    _damage_key(seeded.db, cid)
    listing = seeded("clients", "--json")
    assert listing.exit_code == 1
    assert sorted(c["name"] for c in json.loads(listing.stdout)) == ["Alex", "Alicia Rodriguez"]
    assert listing.stderr.count("\n") == 1 and "data key is damaged" in listing.stderr
    assert str(UUID(hex=cid)) in listing.stderr and "Traceback" not in listing.output
    assert seeded("sessions", "alicia").exit_code == 0
    _one_line_error(seeded("sessions", "Marcus Thompson"), str(UUID(hex=cid)), "damaged")


def test_a_deleted_key_row_is_not_taken_for_an_erasure_of_any_client(seeded):
    cid = _cid(seeded, "Marcus Thompson")
    _sql(seeded.db, "DELETE FROM caselog_keys WHERE client_id=?", cid)
    for other in ("Alex", "alicia"):
        result = seeded("sessions", other)
        assert result.exit_code == 0 and "erased" not in result.output, result.output
    result = seeded("sessions", "Marcus Thompson")
    _one_line_error(result, str(UUID(hex=cid)), "has no data key")
    assert "erased" not in result.output


@pytest.mark.parametrize("alteration", ["swapped keys", "forged tombstone", "stripped seal"])
def test_an_export_with_altered_keys_or_tombstones_is_refused_by_import(
    seeded, tmp_path: Path, alteration: str
):
    export = tmp_path / "clinic.jsonl"
    assert seeded("export", "--output", str(export)).exit_code == 0
    lines = export.read_bytes().splitlines()
    header = json.loads(lines[0])
    keys = header["keys"]
    if alteration == "swapped keys":
        keys[0]["wrapped"], keys[1]["wrapped"] = keys[1]["wrapped"], keys[0]["wrapped"]
    elif alteration == "forged tombstone":
        keys[0]["wrapped"], keys[0]["erased_at"] = None, "2026-01-01T00:00:00+00:00"
    else:
        del header["keys_seal"]
    lines[0] = json.dumps(header).encode()
    export.write_bytes(b"\n".join(lines) + b"\n")
    target = Cli(sibling(seeded.db, "restored"))
    key_file = raw(seeded.db).default_key_file()
    result = target("import", str(export), "--key-file", str(key_file))
    _one_line_error(result, f"{export}:1:", "seal")
    assert records_held(raw(target.db)) is None


# --- 7. topics ------------------------------------------------------------------------------


def test_an_exported_event_with_a_foreign_topic_is_refused_naming_the_file_and_line(
    plain, tmp_path: Path
):
    seeded = plain
    export = tmp_path / "clinic.jsonl"
    assert seeded("export", "--output", str(export)).exit_code == 0
    lines = export.read_bytes().splitlines()
    event = json.loads(lines[3])
    event["topic"] = "this:s"
    lines[3] = json.dumps(event).encode()
    export.write_bytes(b"\n".join(lines) + b"\n")
    target = Cli(seeded.db + ".restored" if "://" not in seeded.db else seeded.db + "_r")
    result = target("import", str(export))
    _one_line_error(result, f"{export}:4:", "'this:s'", "not one of caselog's events")
    assert "this" not in sys.modules


def test_a_stored_event_with_a_foreign_topic_is_refused_on_read_without_importing_it(plain):
    cid = _cid(plain, "Marcus Thompson")
    _sql(
        plain.db,
        "UPDATE stored_events SET topic='this:s' WHERE originator_id=? AND originator_version=3",
        _eid(plain.db, cid),
    )
    _rechain(plain.db, cid)  # an unkeyed chain: the attacker can make it whole again
    _one_line_error(plain("sessions", "Marcus Thompson"), "version 3", "'this:s'")
    assert "this" not in sys.modules


# --- 8. verified reads ----------------------------------------------------------------------


def _flip(db: str, cid: str, version: int) -> None:
    ((state,),) = _sql(
        db,
        "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=?",
        _eid(db, cid),
        version,
    )
    _sql(
        db,
        "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
        bytes([state[0] ^ 1]) + bytes(state)[1:],
        _eid(db, cid),
        version,
    )


@pytest.mark.parametrize("command", ["sessions", "homework", "recap"])
def test_a_reading_command_refuses_an_altered_event_naming_client_and_version(keyed, command):
    cid = _cid(keyed, "Marcus Thompson")
    _flip(keyed.db, cid, 45)  # the last event: read by every command, snapshot or not
    result = keyed(command, "Marcus Thompson")
    _one_line_error(result, f"client {cid[:8]}", "version 45", "does not match its chain link")
    assert result.stdout == ""


def test_a_reading_command_refuses_a_record_whose_tail_was_removed(seeded):
    cid = _cid(seeded, "Marcus Thompson")
    _sql(
        seeded.db,
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=45",
        _eid(seeded.db, cid),
    )
    _sql(seeded.db, "DELETE FROM stored_snapshots")
    result = seeded("sessions", "Marcus Thompson")
    _one_line_error(result, "version 45", "is missing")
    assert result.stdout == ""
