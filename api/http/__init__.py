"""Our HTTP routes (webhooks, investigations, feedback, health, metrics, Slack events), mounted via `http.app`."""
