"""Sentences of a streaming answer, each handed to the voice as soon as it is complete.

The rules are the critic's (``firstword.critic.sentences``): a sentence ends at ". ", "! ", "? "
or a line break once the next one has begun, never at a decimal point ("3.5"), an abbreviation
("e.g.", "Dr.") or an initial ("J. Smith"), and the rest is a sentence once the answer is done.
The voice and the critic so cut an answer at the same places.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from firstword.critic.sentences import SentenceStream


async def sentences_of_stream(deltas: AsyncIterable[str]) -> AsyncIterator[str]:
    """Each complete sentence of the text ``deltas`` (e.g. LLM tokens) as soon as it is complete.

    Closing this iterator closes ``deltas`` too (and so stops the model writing them), as
    ``firstword.llm.base.text_of`` does.
    """
    stream = SentenceStream()
    try:
        async for delta in deltas:
            for sentence in stream.feed(delta):
                yield sentence.text
        for sentence in stream.finish():
            yield sentence.text
    finally:
        aclose = getattr(deltas, "aclose", None)
        if aclose is not None:
            await aclose()
