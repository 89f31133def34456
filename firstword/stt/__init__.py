"""Speech-to-text: engines that decode audio, and the streaming transcriber that schedules them."""
