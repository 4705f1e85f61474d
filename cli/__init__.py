"""The ``caselog`` command line."""

import os

# The command line loads no pydantic plugin: looking for them would read the entry points
# of every installed package on each start (see tests/test_startup_imports.py). Set before
# any model is built, which importing the commands already does.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
