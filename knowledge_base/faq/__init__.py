"""FAQ knowledge base: editable Markdown articles and their retrieval.

    articles = load_articles(FaqSettings.from_env().articles_dir)
    index = FaqIndex.build(articles)
    answer = index.answer("how long does shipping take", intent="delivery_options")
"""

from knowledge_base.faq.articles import Article, ArticleFormatError, load_articles
from knowledge_base.faq.retrieval import FaqAnswer, FaqIndex, RetrievalTuning
from knowledge_base.faq.settings import FaqSettings

__all__ = ["Article", "ArticleFormatError", "FaqAnswer", "FaqIndex", "FaqSettings", "RetrievalTuning",
           "load_articles"]
