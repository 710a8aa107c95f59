"""What a model is sent holds no secret of the request: the real graph on the demo world, escalating through two
scripted langchain-core chat models that record every prompt."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "router"))  # the router suite's scripted models

from router_fakes import scripted, tool_reply
from router_harness import DEEP, router_settings
from test_secrets_corpus import CORPUS

from agents.llm_hypothesis import HypothesisProposal
from agents.skeptic import SkepticReview
from graphs.contracts import InvestigationRequest
from graphs.runner import open_session


async def test_model_prompts_hold_no_secret_of_the_request(tmp_path: Path) -> None:
    text = "checkout p95 latency above 2s; " + " ".join(pasted for pasted, _ in CORPUS)
    request = InvestigationRequest(text=text, at="2026-11-20T10:41:00Z", labels={"db": CORPUS[6][0]})
    empty = tool_reply(HypothesisProposal.__name__, {"hypotheses": []}, 800, 40)
    calm = tool_reply(SkepticReview.__name__, {"contradicting": [], "penalty": 0.0}, 300, 20)
    balanced, deep = scripted(empty, calm, empty, calm), scripted(empty, calm, empty, calm)
    settings = router_settings(
        home=tmp_path, confirm_threshold=1.0, tiers={"fast": "analyst", "balanced": "ollama:small", "deep": DEEP}
    )
    async with open_session(settings) as session:
        session.services.extras.update({"models": {"balanced": balanced, "deep": deep}})
        outcome = await session.run(request)
    assert outcome.report is not None
    prompts = [str(m.content) for model in (balanced, deep) for call in model.received for m in call]
    assert prompts, "no model was asked: the test proves nothing"
    sent = "\n".join(prompts).lower()
    assert "checkout p95 latency" in sent  # the request did reach the models, without its secrets
    assert [needle for _, needle in CORPUS if needle.lower() in sent] == []
