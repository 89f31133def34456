"""The critic: judges each sentence of a streamed answer against the person's material and
retracts, in view, what they must not say as their own (see ``critic.AnswerCritic``)."""
