"""diglot: translate whole books with local open models and publish parallel corpora."""

__version__ = "0.1.0"
