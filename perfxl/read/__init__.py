"""Read: one workbook into a Submission (sniffed, vetted, gridded, located by labels, parsed)."""
