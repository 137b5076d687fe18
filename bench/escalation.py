"""Escalation benchmark: the policy's decisions on scripted multi-turn conversations.

Run: PYTHONPATH=. .venv-engine/bin/python bench/escalation.py

Each shopper message is scored by the anger model trained from data/anger (as the Rasa
component trains it); intents and bot actions come from the script. Thresholds come from the
EscalationPolicy entry in config.yml, or the defaults while it has none. Prints every wrong
decision, then how the result moves with the two anger thresholds.
"""

import argparse
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.anger import AngerModel, train_model
from bot.escalation_rules import ANGER, Decision, EscalationSettings, Turn, decide

POLICY_NAME = "bot.escalation_policy.EscalationPolicy"


@dataclass(frozen=True)
class Outcome:
    conversation: str
    expected: str
    # 1-based turn of the first handoff, and its decision; (0, None) if none.
    turn: int
    decision: Decision | None
    turns: int

    @property
    def correct(self) -> bool:
        if self.expected == "none":
            return self.decision is None
        return (self.decision is not None and self.turn == self.turns
                and self.expected in self.decision.reasons)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=Path,
                        default=Path("bench/data/escalation_conversations.yml"))
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    args = parser.parse_args()

    conversations = yaml.safe_load(args.conversations.read_text(encoding="utf-8"))["conversations"]
    settings = settings_from(args.config)
    scored = score_conversations(train_model(Path("data/anger")), conversations)
    outcomes = [run(conversation, turns, settings) for conversation, turns in scored]
    print(f"settings: anger_threshold={settings.anger_threshold} "
          f"annoyed_threshold={settings.annoyed_threshold} "
          f"frustration_threshold={settings.frustration_threshold}")
    summarise(outcomes)
    sweep(scored, settings)
    margins(scored, settings)
    as_vip(scored, settings)


def settings_from(config_path: Path) -> EscalationSettings:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    for policy in config.get("policies") or []:
        if policy.get("name") == POLICY_NAME:
            return EscalationSettings.from_config(policy)
    return EscalationSettings()


def score_conversations(model: AngerModel, conversations: list[dict[str, Any]]):
    scored = []
    for conversation in conversations:
        texts = [turn["text"] for turn in conversation["turns"]]
        scores = model.score_many(texts)
        turns = [
            Turn(text=turn["text"], intent=turn["intent"], confidence=1.0, anger=score.score,
                 cues=score.cues, bot_actions=tuple(turn.get("bot") or ()))
            for turn, score in zip(conversation["turns"], scores)
        ]
        scored.append((conversation, turns))
    return scored


def run(conversation: dict[str, Any], turns: list[Turn], settings: EscalationSettings) -> Outcome:
    tier = conversation.get("tier")
    for index in range(1, len(turns) + 1):
        decision = decide(turns[:index], tier, settings)
        if decision is not None:
            return Outcome(conversation["id"], conversation["expect"], index, decision, len(turns))
    return Outcome(conversation["id"], conversation["expect"], 0, None, len(turns))


def summarise(outcomes: list[Outcome]) -> None:
    must = [o for o in outcomes if o.expected != "none"]
    must_not = [o for o in outcomes if o.expected == "none"]
    print(f"\nconversations: {len(outcomes)} ({len(must)} must escalate, {len(must_not)} must not)")
    print(f"  correct: {sum(o.correct for o in outcomes)}/{len(outcomes)}")
    print(f"  must escalate, escalated with the expected reason at the right turn: "
          f"{sum(o.correct for o in must)}/{len(must)}")
    print(f"  must not escalate, escalated anyway: {sum(not o.correct for o in must_not)}/{len(must_not)}")
    by_reason: dict[str, list[Outcome]] = {}
    for outcome in must:
        by_reason.setdefault(outcome.expected, []).append(outcome)
    for reason, group in sorted(by_reason.items()):
        print(f"    {reason:<20} {sum(o.correct for o in group)}/{len(group)}")
    for outcome in outcomes:
        if not outcome.correct:
            got = (f"turn {outcome.turn}: {list(outcome.decision.reasons)} {dict(outcome.decision.evidence)}"
                   if outcome.decision else "no handoff")
            print(f"  WRONG {outcome.conversation}: expected {outcome.expected}, got {got}")
    example = next((o for o in outcomes if o.correct and o.expected == "anger"), None)
    if example and example.decision:
        print(f"\nexample handoff_context ({example.conversation}): {example.decision.context()}")


def sweep(scored, settings: EscalationSettings) -> None:
    print("\nanger_threshold x annoyed_threshold -> angry escalated / calm+annoyed escalated / all correct")
    angry = [c for c, _ in scored if c["expect"] == "anger"]
    calm = [c for c, _ in scored if c["expect"] == "none"]
    for anger_threshold in (0.6, 0.7, 0.8, 0.9, 0.95, 0.98):
        cells = []
        for annoyed in (0.3, 0.5, 0.7):
            trial = dataclasses.replace(settings, anger_threshold=anger_threshold,
                                        annoyed_threshold=annoyed)
            outcomes = [run(c, t, trial) for c, t in scored]
            hits = sum(o.correct for o in outcomes if o.expected == "anger")
            false_alarms = sum(not o.correct for o in outcomes if o.expected == "none")
            cells.append(f"annoyed {annoyed}: {hits}/{len(angry)} {false_alarms}/{len(calm)} "
                         f"{sum(o.correct for o in outcomes)}")
        print(f"  {anger_threshold:<5} " + " | ".join(cells))


def margins(scored, settings: EscalationSettings) -> None:
    """For each threshold alone (the others as configured), the range that keeps every
    conversation correct, in steps of 0.005: how far the configured value is from its edges."""
    print("\nmargins: each threshold moved alone, range keeping every conversation correct (step 0.005)")
    for name in ("anger_threshold", "vip_anger_threshold", "annoyed_threshold", "frustration_threshold"):
        current = float(getattr(settings, name))
        values = [round(0.3 + 0.005 * step, 3) for step in range(141)]
        good = [value for value in values
                if all(run(c, t, _with(settings, name, value)).correct for c, t in scored)]
        if current not in good:
            print(f"  {name:<22} {current}: not all correct")
            continue
        low = high = values.index(current)
        while low > 0 and values[low - 1] in good:
            low -= 1
        while high < len(values) - 1 and values[high + 1] in good:
            high += 1
        print(f"  {name:<22} {current}: all correct from {values[low]} to {values[high]} "
              f"(margin {current - values[low]:.3f} below, {values[high] - current:.3f} above; "
              f"the sweep spans 0.3-1.0)")


def as_vip(scored, settings: EscalationSettings) -> None:
    """The must-not conversations replayed as a VIP (vip_anger_threshold instead of
    anger_threshold): which of them the VIP threshold alone would hand off for anger."""
    calm = [(dict(c, tier=settings.vip_tiers[0]), t) for c, t in scored if c["expect"] == "none"]
    outcomes = [run(c, t, settings) for c, t in calm]
    angry = [o.conversation for o in outcomes if o.decision and ANGER in o.decision.reasons]
    print(f"\nmust-not conversations replayed as a VIP (vip_anger_threshold={settings.vip_anger_threshold}): "
          f"{len(angry)}/{len(calm)} handed off for anger {angry}")


def _with(settings: EscalationSettings, name: str, value: float) -> EscalationSettings:
    changes: dict[str, Any] = {name: value}
    return dataclasses.replace(settings, **changes)


if __name__ == "__main__":
    main()
