"""Anger/frustration scoring of shopper messages.

The pure scikit-learn part (`model`, `cues`, `training`, `conversation`) imports no Rasa;
the Rasa NLU component is `bot.engine.anger.component.AngerScorer`.
"""

from bot.engine.anger.conversation import ConversationAnger, ShopperTurn, assess_conversation
from bot.engine.anger.model import AngerModel, AngerScore
from bot.engine.anger.training import AngerDataError, train_model

__all__ = [
    "AngerDataError",
    "AngerModel",
    "AngerScore",
    "ConversationAnger",
    "ShopperTurn",
    "assess_conversation",
    "train_model",
]
