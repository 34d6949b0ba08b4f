"""Entry point for `python -m perfxl`."""

from perfxl.cli import main

if __name__ == "__main__":
    main()
