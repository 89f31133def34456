"""Action items by rules (``extract``), their dates (``dates``), their evaluation and CLI."""
