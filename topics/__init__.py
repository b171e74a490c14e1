"""Engage topics: find the themes in survey comments, learn from the team's coding.

A pure library: no Flask, database or `engage` import. Heavy parts (torch, BERTopic) load on
first use, so `import topics` stays cheap.
"""

from topics.assign import ThemeAssigner, ThemeScores
from topics.embeddings import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    HashingEmbedder,
    PackagedModelEmbedder,
    SentenceTransformerEmbedder,
)
from topics.evaluation import Evaluation, evaluate
from topics.pipeline import PipelineError, TopicPipeline, default_embedder
from topics.preprocess import clean_comment, clean_comments
from topics.results import Assignment, Evidence, IntentionMatch, ThemeIntentions, Topic
from topics.taxonomy import Taxonomy, TaxonomyError, Theme, builtin_taxonomy, load_taxonomy

__all__ = [
    "Assignment", "CachedEmbedder", "Embedder", "EmbeddingCache", "Evaluation", "Evidence",
    "HashingEmbedder", "IntentionMatch", "PackagedModelEmbedder", "PipelineError",
    "SentenceTransformerEmbedder", "Taxonomy", "TaxonomyError", "Theme", "ThemeAssigner",
    "ThemeIntentions", "ThemeScores", "Topic", "TopicPipeline", "builtin_taxonomy",
    "clean_comment", "clean_comments", "default_embedder", "evaluate", "load_taxonomy",
]  # fmt: skip
