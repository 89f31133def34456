"""Voice out: each sentence of an answer spoken as soon as it is written (Piper | espeak-ng).

``base``: the interface; ``sentences``: an answer stream cut into sentences; ``factory``: the
configured engine; ``piper``, ``espeak``: the engines.
"""
