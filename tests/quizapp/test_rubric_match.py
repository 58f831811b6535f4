"""Rubric suggestions: word forms, synonyms, negation, echoes of the prompt and contradicting picks."""

import pytest

from quizapp.grading import suggested_items
from quizapp.models import RubricItem

RUBRIC = [
    RubricItem(id="converges", criterion="c", cues=["converges", "reaches the minimum"]),
    RubricItem(id="diverges", criterion="d", cues=["does not converge", "diverges"]),
    RubricItem(
        id="linear",
        criterion="l",
        cues=["scale the learning rate linearly with the batch size", "learning rate proportional to batch size"],
    ),
    RubricItem(id="fewer", criterion="f", cues=["fewer updates per epoch"]),
    RubricItem(
        id="small-batch-first",
        criterion="batch 16 reaches the target in fewer epochs",
        cues=["batch 16 first", "smaller batch reaches the target first"],
        against=["batch 1024 first", "larger batch reaches the target first"],
    ),
]
PROMPT = "You move from batch 100 to batch 500. Does the run still converge, and how many updates per epoch?"


def ticks(answer: str) -> set[str]:
    return suggested_items(answer, RUBRIC, PROMPT)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("It converged within a few epochs.", {"converges"}),
        ("Training reached the minimum.", {"converges"}),
        ("It does not converge: the loss blows up.", {"diverges"}),
        ("It won't converge at that rate.", {"diverges"}),
        ("Training never converges here.", {"diverges"}),
        ("Not only does it converge, it is faster.", {"converges"}),
    ],
)
def test_negation_decides_which_of_two_opposite_items_ticks(answer, expected):
    assert ticks(answer) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "Raise the step size in proportion to the batch size.",
        "The LR should scale linearly with batch size.",
        "Increase the learning-rate proportionally to the batch.",
    ],
)
def test_paraphrases_and_word_forms_tick_without_the_cue_words(answer):
    assert "linear" in ticks(answer)


def test_the_opposite_direction_does_not_tick():
    assert "fewer" in ticks("There are fewer optimizer steps in each epoch.")
    assert "fewer" not in ticks("There are more optimizer steps in each epoch.")


def test_words_copied_from_the_prompt_tick_nothing():
    assert ticks(PROMPT) == set()
    assert ticks("You move from batch 100 to batch 500; does the run still converge?") == set()


def test_a_wrong_pick_never_ticks_the_item_for_the_right_one():
    assert "small-batch-first" in ticks("The smaller batch reaches the target first, in fewer epochs.")
    wrong = "The larger batch reaches the target first; the smaller batch is slower per epoch."
    assert "small-batch-first" not in ticks(wrong)


def test_british_and_american_spellings_match():
    item = [RubricItem(id="gen", criterion="g", cues=["generalizes worse"])]
    assert suggested_items("The large batch generalises worse.", item) == {"gen"}


def test_a_negation_reaches_only_its_own_clause():
    assert ticks("It doesn't blow up, because it converges.") == {"converges"}
    assert "converges" not in ticks("Plain SGD at this rate isn't going to converge.")
    assert ticks("No, it converges fine.") == {"converges"}  # a reply, not a negation of the claim


def test_a_negation_reaches_only_its_own_part_of_a_sentence():
    items = [
        RubricItem(id="differs", criterion="d", cues=["not the same as batch 128"]),
        RubricItem(id="statistics", criterion="s", cues=["normalizes over 16"]),
    ]
    answer = "I don't agree, it's not the same as batch 128. It normalizes over 16 samples, not 128."
    assert suggested_items(answer, items) == {"differs", "statistics"}


def test_not_only_affirms_only_when_it_opens_a_sentence_or_meets_a_but():
    item = [RubricItem(id="top", criterion="t", cues=["only the largest eigenvalue matters"])]
    assert suggested_items("It isn't only the largest eigenvalue that matters.", item) == set()
    assert suggested_items("Only the largest eigenvalue matters for stability.", item) == {"top"}


@pytest.mark.parametrize("answer", ["Eight times fewer updates.", "8x fewer updates", "an 8-fold drop in the updates"])
def test_numbers_in_words_and_times_match_digits(answer):
    item = [RubricItem(id="fewer", criterion="f", cues=["8 times fewer updates"])]
    assert suggested_items(answer, item) == {"fewer"}


def test_weights_and_parameters_are_one_concept():
    item = [RubricItem(id="same", criterion="s", cues=["same weights"])]
    assert suggested_items("They end at identical parameters.", item) == {"same"}


def test_a_formula_keeps_its_clause_while_an_aside_in_brackets_is_its_own():
    item = [RubricItem(id="effective", criterion="e", cues=["effective rate lr/(1-m)"])]
    assert suggested_items("Momentum's effective rate is lr/(1-m), ten times lr.", item) == {"effective"}
    aside = [RubricItem(id="aside", criterion="a", cues=["effective rate ten times"])]
    assert suggested_items("The effective rate (ten times) is larger.", aside) == set()


def test_a_negation_stops_where_and_opens_a_new_subject():
    items = [
        RubricItem(id="slope-grows", criterion="s", cues=["slope grows"]),
        RubricItem(id="no-cancel", criterion="c", cues=["does not cancel between first and second moment"]),
    ]
    assert suggested_items("The intercept does not change and the slope grows.", items) == {"slope-grows"}
    assert suggested_items("It doesn't cancel between the first and second moment.", items) == {"no-cancel"}


def test_a_thousands_comma_is_part_of_the_number():
    items = [
        RubricItem(id="steps", criterion="s", cues=["1,000 epochs"]),
        RubricItem(id="two", criterion="t", cues=["2 chunks"]),
    ]
    assert suggested_items("The peak comes back down by 1,000 epochs, over 2,048 chunks of rows.", items) == {"steps"}


def test_without_denies_only_the_word_after_it():
    items = [
        RubricItem(id="closes", criterion="c", cues=["gap closes"]),
        RubricItem(id="warmup-needed", criterion="w", cues=["warmup closes the gap"]),
        RubricItem(id="stable", criterion="s", cues=["trains without diverging"]),
        RubricItem(id="diverges", criterion="d", cues=["diverges"]),
    ]
    assert suggested_items("The gap closes without warmup.", items) == {"closes"}
    assert suggested_items("It trains without diverging.", items) == {"stable"}


def test_a_negated_cue_needs_the_negation_before_its_words():
    item = [RubricItem(id="stable", criterion="s", cues=["does not blow up"])]
    assert suggested_items("At 0.5 it does not blow up.", item) == {"stable"}
    assert suggested_items("The blow-up is not caused by noise.", item) == set()


def test_the_prompt_told_back_in_another_order_ticks_nothing():
    prompt = (
        "A teammate keeps the rate at 0.1 at batch 128, because a larger batch gives a more accurate gradient; "
        "you suggest 0.8."
    )
    item = [RubricItem(id="answer", criterion="a", cues=["0.8"])]
    echo = (
        "Because the larger batch gives a more accurate gradient the teammate keeps 0.1 at batch 128, versus rate 0.8."
    )
    assert suggested_items(echo, item, prompt) == set()
    assert suggested_items("Rate 0.8.", item, prompt) == {"answer"}


def test_an_opening_cue_counts_only_in_the_first_clause():
    item = [RubricItem(id="answer", criterion="Picks shuffled.", cues=["^shuffled"], against=["^sorted"])]
    assert suggested_items("Shuffled. Sorted data biases each epoch.", item) == {"answer"}
    assert suggested_items("Sorted. Shuffled data would only add noise.", item) == set()
    assert suggested_items("It ends biased, unlike shuffled data.", item) == set()


def test_an_answer_using_enough_of_an_items_own_words_covers_it():
    items = [
        RubricItem(id="why", criterion="w", cues=["fewer updates per epoch", "scale the rate with the batch"]),
        RubricItem(id="memory", criterion="m", cues=["activation memory grows", "peak memory"]),
    ]
    paraphrase = "Each epoch is short now, so the learning rate has to scale."  # no one cue whole
    assert suggested_items(paraphrase, items) == {"why"}
    assert suggested_items("It is not about fewer epochs or how the rate should scale.", items) == set()


def test_a_condition_asserts_nothing_and_fails_to_is_the_only_failing_denial():
    items = [
        RubricItem(id="diverges", criterion="d", cues=["it diverges"]),
        RubricItem(id="breaks-at-64", criterion="b", cues=["fails at 64"]),
        RubricItem(id="faster", criterion="f", cues=["helps up to the edge"]),
    ]
    assert suggested_items("Whether it diverges depends on the seed.", items) == set()
    assert suggested_items("If it diverges, lower the rate.", items) == set()
    assert suggested_items("It diverges within ten updates.", items) == {"diverges"}
    assert suggested_items("The rule fails at 64.", items) == {"breaks-at-64"}
    assert suggested_items("A bigger rate helps up to the edge and not beyond.", items) == {"faster"}


def test_a_negated_cue_needs_what_it_denies_denied_and_a_denial_reaches_into_a_list():
    items = [
        RubricItem(id="no-double", criterion="n", cues=["do not double the rate"]),
        RubricItem(id="radam", criterion="r", cues=["use radam"]),
        RubricItem(id="converges", criterion="c", cues=["it converges"]),
    ]
    assert suggested_items("Do not double the rate here.", items) == {"no-double"}
    assert suggested_items("Doubling is fine, the rate does not stop it from doubling.", items) == set()
    assert suggested_items("No need to use warmup, RAdam or a lower peak.", items) == set()
    assert suggested_items("It does not diverge, it converges or stalls.", items) == {"converges"}
