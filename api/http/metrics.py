"""Our Prometheus counters; `/metrics` exposes them with the runtime's own (one default registry per process)."""

from __future__ import annotations

from prometheus_client import Counter

WEBHOOKS = Counter("pm_webhooks_total", "Webhook deliveries by vendor and outcome.", ["vendor", "outcome"])
INVESTIGATIONS_STARTED = Counter("pm_investigations_started_total", "Investigations started, by source.", ["source"])
ALERTS_ATTACHED = Counter("pm_alerts_attached_total", "Alerts attached to an open investigation by fingerprint.")
FEEDBACK = Counter("pm_feedback_total", "Feedback on reports, by verdict.", ["verdict"])
