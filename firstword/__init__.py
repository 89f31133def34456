"""firstword: a streaming-first real-time AI conversation server."""

import os

# firstword runs offline and keeps what it hears in memory. onnxruntime (1.32 on Linux) otherwise
# starts Microsoft's 1DS telemetry client when it loads and writes a session file to $TMPDIR;
# this must be set before onnxruntime is first imported, which nothing does before this package.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
