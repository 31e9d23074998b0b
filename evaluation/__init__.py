"""Scores with signatures (sacrebleu) and, later, QA checks."""
