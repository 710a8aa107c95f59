"""The fitted model with its CV confirmation rule lifted, for tests of the pipeline's mechanics (a settled verdict,
the approval step, a resume) rather than of the model's own call, which `eval cv` measures."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from agents.analysis.model.score import load_params


@cache
def lenient_params() -> Path:
    path = Path(tempfile.mkdtemp(prefix="lenient-params-")) / "params.json"
    path.write_text(
        load_params()
        .model_copy(
            update={"confirm_threshold": 0.0, "confirm_margin": 0.0, "ticket_threshold": 0.0, "ticket_margin": 0.0}
        )
        .model_dump_json()
    )
    return path
