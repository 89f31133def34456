"""The shape every questionnaire instrument has: items, scales, response labels, sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Keyed = Literal["+", "-"]


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    scale: str
    keyed: Keyed


@dataclass(frozen=True)
class Reliability:
    """A published internal consistency (Cronbach's alpha) and where it was read."""

    alpha: float
    source: str


@dataclass(frozen=True)
class Scale:
    name: str
    label: str
    reliability: Reliability


@dataclass(frozen=True)
class Instrument:
    name: str
    title: str
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    # Response value -> label, in the order shown to the candidate.
    response_labels: dict[int, str]
    sources: tuple[str, ...]
    # Package-relative file of the bundled norms (None: no cited norms bundled).
    norms_file: str | None = None
    _by_id: dict[str, Item] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})

    @property
    def min_response(self) -> int:
        return min(self.response_labels)

    @property
    def max_response(self) -> int:
        return max(self.response_labels)

    def item(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def scale(self, name: str) -> Scale:
        for scale in self.scales:
            if scale.name == name:
                return scale
        raise KeyError(name)

    def scale_items(self, name: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scale == name)
