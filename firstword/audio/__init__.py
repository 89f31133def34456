"""Audio in: PCM frames, recordings, and feeders that pace them."""
