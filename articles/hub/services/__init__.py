"""The Backlinks Hub's writes and reports, one module per concern."""
