"""Generate a class of neuron submissions for the benchmark: correct ones, the classic mistakes, a few that hang.

Each variant is the reference solution with one edit, so every tool grades the same code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "solutions" / "neuron" / "neuron.py"

# (name, old, new): one classic mistake each
MISTAKES = [
    ("sigmoid-sign", "np.exp(-z)", "np.exp(z)"),
    ("sigmoid-math-exp", "return 1 / (1 + np.exp(-z))", "import math\n    return 1 / (1 + math.exp(-z))"),
    ("relu-builtin-max", "return np.maximum(0, z)", "return max(0, z)"),
    ("relu-in-place", "return np.maximum(0, z)", "z = np.asarray(z, dtype=float)\n    z[z < 0] = 0\n    return z"),
    ("weights-rand", "np.random.uniform(-1, 1, size=n_inputs)", "np.random.rand(n_inputs)"),
    ("weights-randn", "np.random.uniform(-1, 1, size=n_inputs)", "np.random.randn(n_inputs)"),
    ("bias-array", "self.bias = np.random.uniform(-1, 1)", "self.bias = np.random.uniform(-1, 1, size=n_inputs)"),
    ("activate-no-bias", "np.dot(self.weights, inputs) + self.bias", "np.dot(self.weights, inputs)"),
    ("activate-no-sigmoid", "output = sigmoid(input_sum_with_bias)", "output = input_sum_with_bias"),
    ("syntax-error", "def relu(z):", "def relu(z)"),
]
HANG = ("hangs-in-sigmoid", '    """Squash z', "    while True:\n        pass\n    \"\"\"Squash z")


@dataclass(frozen=True)
class Variant:
    name: str
    source: str

    @property
    def correct(self) -> bool:
        return self.name == "correct"


def variants() -> dict[str, Variant]:
    reference = REFERENCE.read_text(encoding="utf-8")
    found = {"correct": Variant("correct", reference)}
    for name, old, new in [*MISTAKES, HANG]:
        if old not in reference:
            raise SystemExit(f"the reference no longer holds {old!r}: update benchmarks/submissions.py")
        found[name] = Variant(name, reference.replace(old, new, 1))
    return found


def make_class(n: int, seed: int = 0, hanging: float = 0.03) -> list[Variant]:
    """``n`` submissions: about 40% correct, a few that hang (``hanging``), the rest classic mistakes."""
    rng = random.Random(seed)
    all_variants = variants()
    mistakes = [v for k, v in all_variants.items() if k not in ("correct", HANG[0])]
    hangs = max(1, round(n * hanging)) if n >= 10 else 0
    chosen = [all_variants[HANG[0]]] * hangs
    while len(chosen) < n:
        chosen.append(all_variants["correct"] if rng.random() < 0.4 else rng.choice(mistakes))
    rng.shuffle(chosen)
    return chosen


def write_py(folder: Path, chosen: list[Variant]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, variant in enumerate(chosen):
        path = folder / f"s{index:04d}-{variant.name}.py"
        path.write_text(variant.source, encoding="utf-8")
        paths.append(path)
    return paths
