"""amijson: one Asterisk Manager Interface action or CLI command, printed as one JSON document."""

__version__ = "0.1.0"
