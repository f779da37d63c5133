"""HTTP views (blueprints) of the running server."""
