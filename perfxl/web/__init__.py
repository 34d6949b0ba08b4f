"""`perfxl serve`: the same job as `perfxl run` in a local web page (Starlette on uvicorn), for
officers who do not live in a terminal. Sits at the top beside cli/: it may import every stage,
and nothing but the CLI imports it."""

from __future__ import annotations

from perfxl.web.server import serve

__all__ = ["serve"]
