"""summary.md of a CV run: the per-group table and the reliability table."""

from __future__ import annotations


def render(result: dict) -> str:
    lines = [
        "# Cross-validated (leave one group out)",
        "",
        "| group | cases | at 1 | at 3 | at 1, primary service only | confirmed right / wrong | precision | ECE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [
        *result["groups"].items(),
        ("**pooled, scenario groups**", result["pooled_scenarios"]),
        ("**pooled, all**", result["pooled"]),
    ]
    for name, m in rows:
        lines.append(
            f"| {name} | {m['cases']} | {100 * m['as_at_1']:.1f} % | {100 * m['as_at_3']:.1f} % | "
            f"{100 * m['as_at_1_primary']:.1f} % | "
            f"{m['confirmed_right']} / {m['confirmed_wrong']} | {100 * m['confirmed_precision']:.1f} % | "
            f"{m['ece']:.3f} |"
        )
    lines += [
        "",
        "Reliability (out-of-fold confidence of the top candidate):",
        "",
        "| confidence | cases | mean confidence | share right |",
        "|---|---|---|---|",
    ]
    for r in result["reliability"]:
        lines.append(f"| {r['bin']} | {r['cases']} | {r['mean_confidence']:.3f} | {r['share_right']:.3f} |")
    return "\n".join(lines) + "\n"
