"""Backup and restore: a whole store, or one client, as JSON lines, and back.

The export is the record exactly as stored: one header line with what a new store
needs to hold it (its settings and the clients' wrapped data keys), then one line
per stored event in store order, with the event's state as stored (ciphertext on
an encrypted store, base64) and its chain link (``format.py``). Snapshots and read
models are caches and are rebuilt from the events; the access log belongs to the
store it records reads of and is not exported.

``dump`` writes an export; ``restore`` imports one into a new or empty store,
checking every link. Both work the same on SQLite and PostgreSQL, and across them:
an export of one imports into the other. (The exports for people and other
systems, Markdown and FHIR, are ``caselog.adapters.export``.)
"""
