"""The media pipeline wired into the server: uploads, the processing job, review,
remote media, the process pool. The pure work lives in `media/`; this package adds
storage records, jobs and policy."""
