"""Questionnaire instruments by name."""

from __future__ import annotations

from firstword.hiring.instruments.base import Instrument, Item, Reliability, Scale
from firstword.hiring.instruments.ipip50 import INSTRUMENT as IPIP50

__all__ = ["Instrument", "Item", "Reliability", "Scale", "UnknownInstrumentError", "get_instrument", "known_instruments"]

_REGISTRY: dict[str, Instrument] = {IPIP50.name: IPIP50}


class UnknownInstrumentError(KeyError):
    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def known_instruments() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def get_instrument(name: str) -> Instrument:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownInstrumentError(
            f"unknown instrument {name!r}; known instruments: {', '.join(known_instruments())}"
        ) from None
