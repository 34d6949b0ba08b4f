"""Intake: files, folders, zips and mail into inputs (InputFile), each with its provenance."""
