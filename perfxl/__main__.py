"""Entry point for `python -m perfxl`."""

from perfxl.cli import entry

if __name__ == "__main__":
    entry()
