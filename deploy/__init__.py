"""How BackCare is deployed: the reverse proxy's configuration and a runner for it."""
