"""The speech front end: endpointing and streaming STT over one audio stream, for every pipeline
that listens (see ``front_end``)."""
