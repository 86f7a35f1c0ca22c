"""Pages of the planning app, one module per material."""
