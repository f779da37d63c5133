"""An artist's availability: open for commissions, open to work, or not available, with
the kinds of work and a price range they take. Shown as a badge on the portfolio."""

from __future__ import annotations

from collections.abc import Iterable

from federation.joblisting import AVAILABILITY_LABELS
from instance.jobboard.fields import ListingError
from instance.storage.models import ArtistAvailability
from instance.storage.models.jobboard import AvailabilityStatus, ListingKind
from instance.translation import gettext as _

LABELS: dict[str, str] = AVAILABILITY_LABELS  # one wording, also the federated profile field
MAX_PRICE = 10**12


class AvailabilityError(ListingError):
    title = "Availability not saved"


async def set_availability(account_id: int, status: str, kinds: Iterable[str] = (),
                           price_min: int | None = None, price_max: int | None = None,
                           currency: str = "") -> ArtistAvailability:
    """Replace the artist's availability; "" as the status says nothing (no badge)."""
    if status == "":
        await ArtistAvailability.filter(account_id=account_id).delete()
        return ArtistAvailability(account_id=account_id, status="")
    if status not in {s.value for s in AvailabilityStatus}:
        raise AvailabilityError(_("Choose open for commissions, open to work or not available"))
    known = {k.value for k in ListingKind}
    chosen = list(dict.fromkeys(kinds))
    if any(k not in known for k in chosen):
        raise AvailabilityError(_("Kinds of work are among %(choices)s", choices=', '.join(sorted(known))))
    for price in (price_min, price_max):
        if price is not None and not 0 < price < MAX_PRICE:
            raise AvailabilityError(_("Prices are whole numbers above 0"))
    if price_min is not None and price_max is not None and price_max < price_min:
        raise AvailabilityError(_("The highest price is below the lowest"))
    currency = currency.strip().upper()
    if (price_min or price_max) and not (len(currency) == 3 and currency.isalpha()):
        raise AvailabilityError(_("Give a three-letter currency code with a price, like EUR"))
    values = {"status": status, "kinds": chosen, "price_min": price_min,
              "price_max": price_max, "currency": currency if (price_min or price_max) else ""}
    row, _created = await ArtistAvailability.update_or_create(defaults=values, account_id=account_id)
    return row


async def availability_of(account_id: int) -> ArtistAvailability | None:
    return await ArtistAvailability.get_or_none(account_id=account_id)
