"""Real telemetry backends (Prometheus, a PostgreSQL store of OpenTelemetry logs and traces): launchers and loaders."""
