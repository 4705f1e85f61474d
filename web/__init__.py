"""The local, read-only web view of a store (``caselog serve``).

A layer between ``adapters`` and ``cli``: it reads through the one ``Store`` the
command opened, as every command does, and writes each read of a client's record to
the access log. ``app.create_app`` builds the ASGI application; ``guard`` keeps
everyone without the token out.
"""
