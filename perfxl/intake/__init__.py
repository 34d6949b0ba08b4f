"""Intake: e-mail (.eml, mbox, Maildir) to workbook inputs, with each submission's provenance."""
