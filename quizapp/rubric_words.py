"""How a learner's text is read into words the rubric matcher compares: lower case, British
spellings folded into American ones, numbers and Greek letters as learners type them, contractions
spelled out, Snowball stems, and phrases used interchangeably mapped onto one concept.

The matcher (`quizapp.rubric_match`) reads answers and cues alike through `stem_text`, so a cue
and an answer that say the same thing in different forms reduce to the same words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import snowballstemmer

WITHOUT = "without"
NEGATORS = frozenset({"not", "no", "never", "without", "neither", "nor", "none", "nothing", "hardly"})
_STOPWORD_TEXT = (
    "a an the of to in on at by for with and or as is are was were be been being it its this that these "
    "those there their they them then than so such do does did doing done will would shall should can "
    "could may might must has have had having i you we he she his her our your my me us one ones which "
    "who whom what when where how why per each every also just very much really quite into onto from "
    "about over under up down out off both each any all some d s ll ve re m but"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
#: Negations said in one word or a contraction, spelled out before anything else.
CONTRACTIONS = (
    (re.compile(r"\bcan(?:'|’)?t\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon(?:'|’)t\b"), "will not"),
    (re.compile(r"n(?:'|’)t\b"), " not"),
    # "Not only X, Y" and "not only X but also Y" affirm X; "it is not only X" denies that X alone does it.
    (re.compile(r"(?:^|(?<=[.!?;:]\s))not only\b|\bnot only\b(?=[^.;!?]*\b(?:but|also)\b)"), "not_only"),
    (re.compile(r"\bno longer\b"), "not"),
    (re.compile(r"\bfail(?:s|ed|ing)? to\b"), "not"),  # "fails to converge"; "the rule fails at 64" denies nothing
)
#: Greek letters as learners type them, spelled out ("λmax" is "lambda max").
GREEK_NAMES = {"λ": "lambda", "η": "eta", "β": "beta", "ε": "epsilon", "σ": "sigma", "μ": "mu", "√": "sqrt"}
GREEK = re.compile("[" + "".join(GREEK_NAMES) + "]")
#: Numbers in words become digits, and "N times" becomes "N x", as learners write either.
_NUMBER_NAMES = "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
NUMBER_WORDS = {word: str(value) for value, word in enumerate(_NUMBER_NAMES.split(), start=2)} | {
    "twenty": "20",
    "thirty-two": "32",
    "sixty-four": "64",
    "twice": "2 x",
}
NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b")
FOLD = re.compile(r"\b(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")-?fold\b")
PERCENT = re.compile(r"(\d)\s*(?:percent|per cent)\b")
TIMES = re.compile(r"(\d)\s*(?:x|×|times|-fold|fold)\b")
BRITISH = re.compile(r"\b(\w{3,}?)is(e|es|ed|ing|ation|ations|er|ers)\b")
TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:e-?\d+)?%?|[a-z_]+")


#: Phrases learners use for the same idea, each mapped onto one concept (upper case, so no stem collides
#: with one). Longer phrases win.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "LR": ("learning rate", "step size", "lr", "eta", "learning-rate", "learning rates", "rate"),
    "BATCH": ("batch size", "batch", "batchsize", "batch-size", "bs"),
    "MINIBATCH": ("mini batch", "minibatch", "mini-batch"),
    "UPDATE": ("update", "step", "iteration", "optimizer step", "weight update", "gradient step", "iter"),
    "EPOCH": ("epoch", "pass over the data", "full pass", "pass through the data", "pass over the dataset"),
    "DIVERGE": (
        "diverge",
        "blow up",
        "blows up",
        "blew up",
        "explode",
        "nan",
        "go to infinity",
        "unstable",
        "instability",
    ),
    "UP": (
        "increase",
        "raise",
        "high",
        "higher",
        "larger",
        "bigger",
        "grow",
        "greater",
        "rise",
        "more",
        "go up",
        "goes up",
    ),
    "DOWN": (
        "decrease",
        "lower",
        "smaller",
        "reduce",
        "fewer",
        "less",
        "shrink",
        "drop",
        "cut",
        "go down",
        "goes down",
        "fall",
        "falls",
        "fell",
        "decline",
    ),
    "SQRT": ("sqrt", "square root"),
    "LINEAR": ("linear", "linearly", "proportional", "proportionally", "in proportion"),
    "BATCHNORM": ("batchnorm", "batch norm", "batch normalization", "batch normalisation", "bn"),
    "MEMORY": ("memory", "ram", "vram"),
    "ALLREDUCE": ("all-reduce", "allreduce", "all reduce", "all_reduce"),
    "DDP": ("ddp", "data parallel", "data parallelism", "distributeddataparallel", "data-parallel"),
    "WORKER": ("worker", "gpu", "gpus", "replica", "rank", "device", "node"),
    "WARMUP": ("warmup", "warm-up", "warm up", "warming up", "ramp up", "ramp-up"),
    "NOISE": ("noise", "noisy", "variance", "stochasticity", "stochastic", "jitter", "jittery", "wobble"),
    "ACCUMULATE": ("accumulate", "accumulation", "accumulating"),
    "GENERALIZE": ("generalize", "generalization", "test error", "test loss", "held-out loss", "validation loss"),
    "OVERFIT": ("overfit", "overfitting", "memorize", "memorization"),
    "SHARP": ("sharp", "sharpness", "curvature"),
    "CLIP": ("clip", "clipping", "clipped"),
    "SPIKE": ("spike", "spikes", "spiking", "jump"),
    "SAME": ("same", "identical", "equal", "equivalent", "match", "matches", "unchanged"),
    "KEEP": ("keep", "keeps", "kept", "store", "stored", "cache", "cached"),
    "BACKPROP": ("backprop", "backpropagation", "backward pass", "backward", "back-propagation"),
    "REPARAMETRIZE": ("reparametrize", "reparameterize", "reparametrization", "reparameterization"),
    "HALF": ("half", "halve", "halves", "halved", "halving"),
    "SAMPLE": ("sample", "example", "image", "data point", "datapoint"),
    "MOMENTUM": ("momentum", "velocity", "heavy ball", "heavy-ball"),
    "SECOND_MOMENT": ("second moment", "squared gradient", "squared gradients", "v_t", "exp_avg_sq"),
    "ROUNDING": ("rounding error", "round-off", "floating point", "float rounding", "numerical precision"),
    "CEIL": ("round up", "rounds up", "rounded up", "rounding up", "ceil", "ceiling"),
    "FLOOR": ("round down", "rounds down", "rounded down", "rounding down", "floor"),
    "STATISTICS": ("stats", "statistics", "statistic"),
    "OSCILLATE": ("oscillate", "oscillation", "zigzag", "zig-zag", "bounce", "back and forth", "ping-pong"),
    "SYNCBN": ("syncbatchnorm", "syncbn", "sync bn", "sync batchnorm", "synchronized batchnorm", "synced batchnorm"),
    "WEIGHTS": ("weight", "weights", "parameter", "parameters", "param", "params"),
    "GRADIENT": ("gradient", "gradients", "grad", "grads", "derivative", "derivatives"),
    "ADAMW": ("adamw", "decoupled weight decay", "decoupled decay"),
    "L2": ("l2", "l2 penalty", "l2 regularization", "l2 regularisation", "penalty in the loss"),
}


@functools.cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    text = GREEK.sub(lambda m: f" {GREEK_NAMES[m[0]]} ", text.lower())
    for pattern, replacement in CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = BRITISH.sub(r"\1iz\2", text)
    text = FOLD.sub(lambda m: NUMBER_WORDS[m[1]] + " x", text)
    text = TIMES.sub(r"\1 x", NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m[0]], text))
    text = PERCENT.sub(r"\1%", text)
    words = []
    for word in TOKEN.findall(text):
        if word[0].isdigit():
            words.append(word.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", word) else word)
        else:
            words.append(word)
    return words


def stems(words: Sequence[str]) -> list[str]:
    return [
        w if w[0].isdigit() or w in NEGATORS or w == "not_only" else s
        for w, s in zip(words, _stemmer().stemWords(words), strict=True)
    ]


@functools.cache
def stopwords() -> frozenset[str]:
    """The stop words as they are and as stemmed ("does" becomes "doe")."""
    return _STOPWORDS | frozenset(_stemmer().stemWords(sorted(_STOPWORDS)))


@functools.cache
def _concept_table() -> tuple[dict[tuple[str, ...], str], int]:
    table: dict[tuple[str, ...], str] = {}
    for concept, phrases in CONCEPTS.items():
        for phrase in phrases:
            table[tuple(stems(words(phrase)))] = concept
    return table, max(len(key) for key in table)


def _canonical(stems: list[str]) -> list[str]:
    """Stems with known phrases (the longest first) replaced by their concept."""
    table, longest = _concept_table()
    out, i = [], 0
    while i < len(stems):
        for size in range(min(longest, len(stems) - i), 0, -1):
            concept = table.get(tuple(stems[i : i + size]))
            if concept is not None:
                out.append(concept)
                i += size
                break
        else:
            out.append(stems[i])
            i += 1
    return out


def stem_text(text: str) -> list[str]:
    return _canonical(stems(words(text)))
