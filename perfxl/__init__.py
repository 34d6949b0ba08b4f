"""perfxl: read, check and summarise performance self-evaluation workbooks."""

__version__ = "0.1.0"
