"""The recruiter's assistant: questions about one organisation's hiring data, answered from that
data only.

A question is matched by rules (``intents``) to one of a fixed set of read-only, parameterised
queries (``queries``) whose slots are filled from the organisation's own names, campaigns, scales
and the clock; the answer is written from the query's result by templates (``compose``), every
figure linked to the record it came from. Nothing here writes SQL from text, and nothing a
candidate typed is ever read as an instruction: names are matched as data and shown quoted.
"""
