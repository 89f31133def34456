"""Deepgram's live transcription as firstword's cloud speech engine (``stt.engine = "deepgram"``).

Importing this package does not import the Deepgram SDK; opening a connection does
(``live.load_sdk``), so the SDK is needed only where the engine is configured.
"""

from firstword.stt.deepgram.engine import DeepgramEngine
from firstword.stt.deepgram.transcriber import DeepgramTranscriber

__all__ = ["DeepgramEngine", "DeepgramTranscriber"]
