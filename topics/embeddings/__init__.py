"""Embedders behind one small interface, and a persistent cache keyed by model and text."""

from topics.embeddings.base import Embedder, HashingEmbedder
from topics.embeddings.cache import CachedEmbedder, EmbeddingCache, default_cache_dir
from topics.embeddings.onnx import OnnxEmbedder
from topics.embeddings.packaged import PackagedModelEmbedder, SentenceTransformerEmbedder

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "EmbeddingCache",
    "HashingEmbedder",
    "OnnxEmbedder",
    "PackagedModelEmbedder",
    "SentenceTransformerEmbedder",
    "default_cache_dir",
]
