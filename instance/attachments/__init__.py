"""Attachment records: uploads, the media.process job, the AI policy on local and remote
media, moderators' review. The pure image work lives in `media/`; this package adds the
storage records, jobs and policy around it."""
