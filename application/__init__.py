"""The application layer: use cases over the domain and the projections.

It holds the application service (recording and deciding), the query facade
(reading a client's record as of any point), folder-ingest orchestration and
continuation matching. It knows nothing of SQLite, PostgreSQL, files' formats
or the command line: what it needs from them it takes as ports (small
protocols) that ``caselog.adapters`` implements and ``open_store`` wires.
"""
