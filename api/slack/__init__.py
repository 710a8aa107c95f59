"""The Slack bot (slack-bolt, HTTP events on our app): `/pm investigate`, @mentions, approvals, feedback."""
