"""Anger/frustration scoring of shopper messages.

The pure scikit-learn part (`model`, `cues`, `training`, `conversation`) imports no Rasa;
the Rasa NLU component is `bot.anger.component.AngerScorer`.
"""

from bot.anger.conversation import ConversationAnger, ShopperTurn, assess_conversation
from bot.anger.model import AngerModel, AngerScore
from bot.anger.training import AngerDataError, train_model

__all__ = [
    "AngerDataError",
    "AngerModel",
    "AngerScore",
    "ConversationAnger",
    "ShopperTurn",
    "assess_conversation",
    "train_model",
]
