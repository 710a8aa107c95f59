"""The evidence-driven analysis engine (no LLM): detectors over telemetry, and a ranker over evidence."""

from agents.analysis.engine import analyse_runtime, findings_to_evidence
from agents.analysis.models import Candidate, Finding, RuntimeTelemetry
from agents.analysis.ranking import rank_candidates

__all__ = ["Candidate", "Finding", "RuntimeTelemetry", "analyse_runtime", "findings_to_evidence", "rank_candidates"]
