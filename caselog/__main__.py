"""``python -m caselog`` is the ``caselog`` command."""

from caselog.cli.app import main

if __name__ == "__main__":
    main()
