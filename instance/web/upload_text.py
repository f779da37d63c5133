"""The upload page's words in the reader's language: the texts its script shows (handed to
it as JSON in a data- attribute, so no JavaScript i18n library is needed), the names of a
processing stage, and a refused file's message. The media pipeline (media/, a library that
cannot import the server) writes English with the figures; other languages name the problem
by its stable code, without them."""

from __future__ import annotations

from typing import Any

from instance.translation import DEFAULT, current_locale, lazy_gettext, ngettext
from instance.translation import gettext as _
from media.errors import MediaRejected

# MediaRejected.code → the problem in words (English keeps the pipeline's own message).
REFUSALS: dict[str, Any] = {
    "empty": lazy_gettext("The file is empty."),
    "too_large": lazy_gettext("The file is larger than the largest accepted upload."),
    "corrupt": lazy_gettext("The file could not be decoded; it looks damaged."),
    "truncated": lazy_gettext("The file is incomplete (truncated); please upload it again."),
    "dimensions_too_large": lazy_gettext("The image is wider or taller than this server accepts."),
    "too_many_pixels": lazy_gettext("The image has more pixels than this server accepts."),
    "type_mismatch": lazy_gettext("The file's content is not the type it was sent as."),
    "unsupported_format": lazy_gettext(
        "The file is not an accepted image format. Upload JPEG, PNG, WebP, GIF, AVIF or HEIC."
    ),
    "bad_focus": lazy_gettext('The focal point must be two numbers between -1 and 1, as "x,y".'),
    "description_too_long": lazy_gettext("The description is longer than the limit."),
}

# media/pipeline.py's stages, as the progress line names them.
STAGES: dict[str, Any] = {
    "checking provenance": lazy_gettext("checking provenance"),
    "cleaning": lazy_gettext("cleaning"),
    "cloaking": lazy_gettext("cloaking"),
    "making variants": lazy_gettext("making variants"),
}


def refusal_message(exc: MediaRejected) -> str:
    """A refused file's message for the reader."""
    found = REFUSALS.get(exc.code)
    if current_locale() == DEFAULT or found is None:
        return exc.message
    return str(found)


def stage_name(stage: str) -> str:
    found = STAGES.get(stage)
    return str(found) if found is not None else stage


def script_text() -> dict[str, str]:
    """Every text upload.js shows; {name}, {n}, {s}, {min} are filled in by the script. The
    plural pairs are enough for English and French (one / more than one)."""
    return {
        "verdict_none": _("No AI signal declared"),
        "verdict_needs_review": _("Needs a moderator's review"),
        "verdict_ai": _("Declared AI-generated"),
        "verdict_pending": _("Checking…"),
        "waits_one": ngettext(
            "Publish waits for {n} image still uploading or being checked and cloaked.",
            "Publish waits for {n} images still uploading or being checked and cloaked.",
            1,
        ),
        "waits_other": ngettext(
            "Publish waits for {n} image still uploading or being checked and cloaked.",
            "Publish waits for {n} images still uploading or being checked and cloaked.",
            2,
        ),
        "refused_one": ngettext(
            "{n} image cannot be published and will be left out; remove it or ask for a review.",
            "{n} images cannot be published and will be left out; remove them or ask for a review.",
            1,
        ),
        "refused_other": ngettext(
            "{n} image cannot be published and will be left out; remove it or ask for a review.",
            "{n} images cannot be published and will be left out; remove them or ask for a review.",
            2,
        ),
        "review_why": _("Think this is wrong? Tell the moderators why"),
        "review_ask": _("Ask for a review"),
        "review_asked": _("You asked for a review: a moderator will look at this image."),
        "review_failed": _("The request did not go through; try again."),
        "waiting": _("Waiting for its turn (checking provenance, cleaning, cloaking)…"),
        "seconds_left": _("about {s} s left"),
        "minutes_left": _("about {min} min left"),
        "cannot_publish": _("This image cannot be published."),
        "will_review": _("A moderator will review this image."),
        "approved": _("A moderator approved this image."),
        "approved_labelled": _("A moderator approved this image; it is published with the AI label."),
        "queued": _("This image is in the moderators' queue."),
        "evidence": _("Evidence, cloak metrics, before and after"),
        "upload_of": _("Upload of {name}"),
        "alt_for": _("Alt text for {name}"),
        "remove": _("Remove {name} from this work"),
        "failed": _("Upload failed."),
    }
