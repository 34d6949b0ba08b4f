"""Report: what perfxl writes for people and machines (summary, CSV/JSON, feedback, replies, text)."""
