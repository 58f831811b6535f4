"""The question bank loads, and a broken bank says exactly what is wrong and where."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.bank import BankError, check_bank, load_bank

GOOD = """
[[questions]]
id = "q-one"
topic = "batch-size"
difficulty = "easy"
tags = ["updates"]
prompt = "How many updates per epoch?"
model_answer = "N / B."
pitfall = "Forgetting the last batch."
explanation = "Counted in the loop."

[[questions.rubric]]
id = "a"
criterion = "Divides."
weight = 1

[[questions.rubric]]
id = "b"
criterion = "Rounds up."
weight = 1

[[questions.rubric]]
id = "c"
criterion = "Mentions drop_last."
weight = 1

[[questions.follow_ups]]
question = "And with drop_last?"
answer = "Round down."

[questions.prediction]
prompt = "Updates per epoch:"
kind = "number"
observable = "updates_per_epoch"
variant = "100"
tolerance = 0.0

[questions.simulation]
name = "updates_per_epoch"
params = { n_samples = 1000, batch_sizes = [100] }
"""


def write(folder: Path, text: str, name: str = "topic.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return folder


def problems_for(folder: Path) -> list[str]:
    _, problems = check_bank(folder)
    return [str(p) for p in problems]


def test_the_shipped_bank_loads():
    bank = load_bank()
    assert len(bank.questions) >= 19
    assert len({q.id for q in bank.questions}) == len(bank.questions)
    assert len(bank.by_topic()) >= 11
    kinds = {q.prediction.kind for q in bank.questions}
    assert {"choice", "number"} <= kinds
    assert {q.difficulty for q in bank.questions} == {"easy", "medium", "hard"}


def test_a_good_file_loads(tmp_path):
    bank = load_bank(write(tmp_path, GOOD))
    assert [q.id for q in bank.questions] == ["q-one"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t.replace('pitfall = "Forgetting the last batch."\n', ""),
            "question 'q-one', pitfall: required field is missing",
        ),
        (
            lambda t: t.replace('name = "updates_per_epoch"', 'name = "warp_drive"'),
            "simulation.name: unknown simulation 'warp_drive'",
        ),
        (
            lambda t: t.replace("n_samples = 1000", "n_samples = 0"),
            "simulation.params: updates_per_epoch: parameter 'n_samples'",
        ),
        (
            lambda t: t.replace('observable = "updates_per_epoch"', 'observable = "happiness"'),
            "prediction.observable: updates_per_epoch has no observable 'happiness'",
        ),
        (
            lambda t: t.replace('variant = "100"', 'variant = "7"'),
            "prediction.variant: updates_per_epoch has no variant '7'; one of: 100",
        ),
        (lambda t: t.replace("weight = 1\n", "weight = 0\n", 1), "rubric.0.weight: Input should be greater than 0"),
        (
            lambda t: t.replace('[[questions.rubric]]\nid = "c"\ncriterion = "Mentions drop_last."\nweight = 1\n', ""),
            "rubric: List should have at least 3 items",
        ),
        (
            lambda t: t.replace('kind = "number"', 'kind = "choice"\nchoices = ["1", "2"]'),
            "prediction.kind: 'choice' does not fit observable 'updates_per_epoch', which is a number",
        ),
        (
            lambda t: t.replace('tags = ["updates"]', 'tags = ["updates"]\ncolour = "blue"'),
            "question 'q-one', colour: unknown field",
        ),
        (
            lambda t: t.replace('prompt = "How many updates per epoch?"', 'prompt = "unterminated'),
            "toml: not valid TOML",
        ),
    ],
)
def test_broken_banks_name_file_question_and_field(tmp_path, change, expected):
    folder = write(tmp_path, change(GOOD))
    found = problems_for(folder)
    assert any(expected in line for line in found), found
    assert all(line.startswith(str(folder / "topic.toml")) for line in found)
    with pytest.raises(BankError):
        load_bank(folder)


def test_impossible_choice_is_named(tmp_path):
    text = GOOD.replace(
        'kind = "number"\nobservable = "updates_per_epoch"\nvariant = "100"\ntolerance = 0.0',
        'kind = "choice"\nobservable = "most_updates_batch"\nchoices = ["100", "3"]',
    )
    found = problems_for(write(tmp_path, text))
    assert any("prediction.choices: ['3'] can never be the outcome of most_updates_batch" in f for f in found), found


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    found = problems_for(tmp_path)
    assert any("b.toml: question 'q-one', id: duplicate id, also used in" in f and "a.toml" in f for f in found)


def test_validate_reports_every_problem_and_fails(tmp_path):
    broken = GOOD.replace('pitfall = "Forgetting the last batch."\n', "").replace("n_samples = 1000", "n_samples = 0")
    write(tmp_path, broken.replace('id = "q-one"', 'id = "q-two"'), "b.toml")
    write(tmp_path, GOOD.replace('observable = "updates_per_epoch"', 'observable = "nope"'), "c.toml")
    done = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "questions", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "q-two" in done.stderr and "pitfall" in done.stderr and "observable" in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_and_list_the_shipped_bank():
    done = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "questions", "validate"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "all valid" in done.stdout
    listing = subprocess.run([sys.executable, "-m", "quizapp.cli", "questions", "list"], capture_output=True, text=True)
    assert listing.returncode == 0
    assert "batch-size (" in listing.stdout and "bs-updates-per-epoch-10k" in listing.stdout


def test_a_learners_own_folder_gets_the_same_checks(tmp_path):
    write(tmp_path, GOOD.replace('name = "updates_per_epoch"', 'name = "warp_drive"'))
    done = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "questions", "list", "--questions", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "unknown simulation 'warp_drive'" in done.stderr


def test_the_headless_core_loads_without_torch_or_textual():
    script = (
        "import json, sys\nimport quizapp.models, quizapp.grading, quizapp.store\n"
        "from quizapp.bank import load_bank\nload_bank()\nprint(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "torch" not in loaded and "textual" not in loaded


#: Every theme of the practice questions in the background reading, and the questions answering it.
COVERAGE = {
    "worked example: 10,000 examples at batch 100, then 500": ["bs-updates-per-epoch-10k", "bs-updates-at-500"],
    "how batch size affects stability and speed": ["bs-smoother-curve-two-sizes", "hw-tiny-batches-slow-epochs"],
    "epochs and overfitting": ["epochs-val-loss-turns-up", "epochs-train-loss-keeps-falling"],
    "adjusting the learning rate when the batch grows": ["scaling-rule-double-batch", "scaling-same-rate-lags"],
    "choosing a batch size for a dataset": ["bs-fixed-epochs-best-val-loss", "hw-memory-grows-with-batch"],
    "risks of too many epochs": ["epochs-memorises-wrong-labels", "epochs-best-epoch"],
    "batch size and epochs with other hyperparameters": ["schedules-growth-instead-of-decay", "scaling-rule-breaks"],
    "small vs large batches": ["bs-fixed-epochs-best-val-loss", "bs-converged-noise-floor"],
    "smaller datasets need more epochs": ["epochs-small-dataset-updates"],
    "memory constraints": ["hw-memory-grows-with-batch", "ooc-memory-saving"],
    "a smaller learning rate trains slower": ["lr-too-small-stalls"],
    "finding a good learning rate empirically": [
        "lr-range-test-overshoot",
        "lr-range-steepest",
        "lr-best-rate-on-grid",
    ],
    "batch vs online learning": ["drift-static-vs-online", "drift-no-change-static-wins"],
    "full-batch vs mini-batch vs stochastic": ["regimes-lowest-loss-same-epochs", "regimes-minibatch-updates"],
}


def test_every_practice_theme_is_covered():
    bank = load_bank()
    missing = {theme: [i for i in ids if i not in {q.id for q in bank.questions}] for theme, ids in COVERAGE.items()}
    assert not any(missing.values()), missing


def test_the_bank_mixes_kinds_difficulties_and_topics():
    bank = load_bank()
    assert len(bank.questions) >= 60
    topics = bank.by_topic()
    assert len(topics) >= 11 and all(len(qs) >= 2 for qs in topics.values())
    kinds = [q.prediction.kind for q in bank.questions]
    assert kinds.count("choice") >= 15 and kinds.count("number") >= 15
    assert all(q.misconception for q in bank.questions if "misconception" in " ".join(q.tags))


def test_validate_holds_questions_to_the_authoring_rules_while_the_app_still_loads_them(tmp_path):
    """One follow-up is a thin question: validate says where, and the app can still practise it."""
    write(tmp_path, GOOD)
    done = subprocess.run(
        [sys.executable, "-m", "quizapp.cli", "questions", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "question 'q-one', follow_ups: has 1 follow-ups; an interviewer asks 2 to 4" in done.stderr
    assert [q.id for q in load_bank(tmp_path).questions] == ["q-one"]
