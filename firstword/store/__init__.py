"""Store: session records and their event logs, written in batches off the token path."""
