"""The ballot builder as a plain state machine: the Discord view only draws it and feeds it.

A member builds an order pick by pick ("Pick #N" from the items left), ties the last pick
with the one before, undoes, clears, pastes a list, and saves — a partial order is fine.
Everything a click can do is a method here, so the rules are tested without Discord.

States: ``BUILDING`` until the member saves, cancels, or the builder times out; after that
every action raises :class:`BuilderClosed`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.errors import UserError
from bot.models import Debate, Item, Tiers
from bot.render.text import safe
from bot.voting import check_tiers, normalize_reason

PAGE_SIZE = 25  # Discord's limit on a select menu's options
_UNDO_LIMIT = 500  # more than enough for 200 picks and a few pastes


class BuilderStatus(enum.Enum):
    BUILDING = "building"
    SAVED = "saved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class BuilderClosed(UserError):
    """An action on a builder that was saved, cancelled or timed out."""


@dataclass(frozen=True, slots=True)
class _Snapshot:
    tiers: Tiers
    reason: str | None


class BallotBuilder:
    """One member's ballot in the making, for one debate."""

    def __init__(
        self,
        debate: Debate,
        owner_id: int,
        *,
        tiers: Tiers = (),
        reason: str | None = None,
        prediction: bool = False,
    ) -> None:
        self.debate = debate
        self.owner_id = owner_id
        # A prediction (/predict) is built like a ballot: a guess of the server's final order.
        self.prediction = prediction
        self.tiers: Tiers = check_tiers(debate, tiers) if tiers else ()
        self.reason = normalize_reason(reason)
        self.page = 0
        self.status = BuilderStatus.BUILDING
        # What the last action did, for the view to show ("Pasted 6 items …"); None: nothing.
        self.notice: str | None = None
        self._undo: list[_Snapshot] = []
        # The menu lists items alphabetically: in a long debate members look for a name,
        # and listing the author's order would nudge them to copy it.
        self._menu_order = sorted(debate.items, key=lambda item: (item.name.casefold(), item.id))

    # -- reading -------------------------------------------------------------------------

    @property
    def heading(self) -> str:
        return "Your prediction" if self.prediction else "Your ballot"

    def accepts(self, member_id: int) -> bool:
        """Only the member who opened the builder may use it."""
        return member_id == self.owner_id

    @property
    def is_open(self) -> bool:
        return self.status is BuilderStatus.BUILDING

    @property
    def ranked_ids(self) -> tuple[int, ...]:
        return tuple(item_id for tier in self.tiers for item_id in tier)

    @property
    def next_position(self) -> int:
        """The place the next pick takes: "Pick #N"."""
        return len(self.ranked_ids) + 1

    @property
    def remaining(self) -> list[Item]:
        """Items not yet ranked, in menu (alphabetical) order."""
        ranked = set(self.ranked_ids)
        return [item for item in self._menu_order if item.id not in ranked]

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.remaining) // PAGE_SIZE))

    @property
    def page_items(self) -> list[Item]:
        """The remaining items on the current page of the menu (at most 25)."""
        start = self.page * PAGE_SIZE
        return self.remaining[start : start + PAGE_SIZE]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_tie(self) -> bool:
        return len(self.tiers) >= 2 and len(self.tiers[-1]) == 1

    # -- actions -------------------------------------------------------------------------

    def pick(self, item_id: int) -> None:
        """Rank ``item_id`` next, below everything picked so far."""
        self._require_open()
        if item_id not in {item.id for item in self.remaining}:
            if item_id in self.ranked_ids:
                raise UserError(f"{safe(self.debate.item(item_id).name)} is already in your order.")
            raise UserError("That item isn't part of this debate any more.")
        self._remember()
        self.tiers = (*self.tiers, (item_id,))
        self.notice = None
        self._clamp_page()

    def tie_with_previous(self) -> None:
        """Move the last pick into the place before it: "2. Rocky II = Rocky III"."""
        self._require_open()
        if len(self.ranked_ids) < 2:
            raise UserError(
                "Pick two items first: Tie puts your last pick level with the one before."
            )
        if len(self.tiers[-1]) > 1:
            raise UserError(
                "Your last pick is already tied with the one before. Pick another item to tie it too."
            )
        self._remember()
        *before, previous, last = self.tiers
        self.tiers = (*before, (*previous, *last))
        self.notice = None

    def undo(self) -> None:
        """Take back the last pick, tie, clear or paste."""
        self._require_open()
        if not self._undo:
            raise UserError("There is nothing to undo.")
        snapshot = self._undo.pop()
        self.tiers, self.reason = snapshot.tiers, snapshot.reason
        self.notice = None
        self._clamp_page()

    def clear(self) -> None:
        """Start over with nothing ranked (Undo brings it back)."""
        self._require_open()
        if not self.tiers:
            raise UserError("Your order is already empty.")
        self._remember()
        self.tiers = ()
        self.notice = None
        self.page = 0

    def paste(
        self,
        tiers: Tiers,
        *,
        reason: str | None = None,
        skipped: int = 0,
        unranked: str | None = None,
    ) -> None:
        """Replace the order with a parsed list; ``reason`` replaces the reason when given.

        ``unranked`` tells the member about items the paste only mentioned in remarks.
        """
        self._require_open()
        tiers = check_tiers(self.debate, tiers)
        new_reason = normalize_reason(reason) if reason is not None else self.reason
        self._remember()
        self.tiers, self.reason = tiers, new_reason
        count = len(self.ranked_ids)
        self.notice = f"Pasted {count} item{'' if count == 1 else 's'}."
        if skipped:
            self.notice += (
                f" Skipped {skipped} line{'' if skipped == 1 else 's'} that named no item."
            )
        if unranked:
            self.notice += f"\n{unranked}"
        self.page = 0

    def set_reason(self, reason: str | None) -> None:
        self._require_open()
        self.reason = normalize_reason(reason)

    def next_page(self) -> None:
        self.go_to_page(self.page + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.page - 1)

    def go_to_page(self, page: int) -> None:
        self._require_open()
        self.page = page
        self._clamp_page()

    # -- endings -------------------------------------------------------------------------

    def tiers_to_save(self) -> Tiers:
        """The order to save; a UserError when nothing is picked (partial is fine)."""
        self._require_open()
        if not self.tiers:
            raise UserError(
                "Pick at least one item before saving. A partial order is fine: the items "
                "you leave out count below every ranked one."
            )
        return self.tiers

    def mark_saved(self) -> None:
        self._require_open()
        self.status = BuilderStatus.SAVED

    def cancel(self) -> None:
        self._require_open()
        self.status = BuilderStatus.CANCELLED

    def expire(self) -> None:
        """The member went quiet; an ended builder stays as it ended."""
        if self.is_open:
            self.status = BuilderStatus.EXPIRED

    # -- helpers -------------------------------------------------------------------------

    def _require_open(self) -> None:
        if self.status is BuilderStatus.BUILDING:
            return
        what = {
            BuilderStatus.SAVED: "was saved",
            BuilderStatus.CANCELLED: "was cancelled",
            BuilderStatus.EXPIRED: "timed out",
        }[self.status]
        raise BuilderClosed(f"This ballot builder {what}. Use `/vote` to open a new one.")

    def _remember(self) -> None:
        self._undo.append(_Snapshot(self.tiers, self.reason))
        del self._undo[:-_UNDO_LIMIT]

    def _clamp_page(self) -> None:
        self.page = min(max(self.page, 0), self.page_count - 1)
