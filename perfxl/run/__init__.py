"""Run: the orchestration of a batch (discover, read, resubmissions, check, aggregate, write)."""
