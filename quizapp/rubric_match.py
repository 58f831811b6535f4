"""Which rubric items an answer seems to cover: a suggestion the learner confirms or undoes.

A cue is a short phrase. It matches a clause of the answer when every content word of the cue
appears in that clause, in any order, after both are reduced the same way: lower case,
British spellings folded into American ones, words stemmed (Snowball), and phrases a learner
uses interchangeably mapped onto one concept ("step size" and "learning rate" are both `lr`;
see `quizapp.rubric_words`).
A clause ends at a sentence's end, a dash or a bracket, and before a word that opens another
("but", "because", "so", ", and"). These rules keep a match honest:

- Negation. A negation reaches the words of its own comma-separated part of a clause. A cue
  without a negation matches only words no negation reaches ("it does not converge" never
  ticks "converges"); a cue that contains one ("do not double the rate") needs the words it
  denies after a negation in the answer ("the blow-up is not why" does not say "it does not
  blow up"). A denial reaches on into a list ("no need for warmup, RAdam or a lower peak").
  A reply word opening a clause ("No, it diverges") is not a negation, nor is "not only ...
  but"; a condition ("whether it diverges", "if it blows up, ...") asserts nothing. Numbers
  written in words ("eight times") read as digits ("8x").
- Prompt echo. Words the learner copied from the question (a run of `ECHO_RUN` or more words
  in the prompt's order) do not count, nor does a long clause made almost only of the prompt's
  words in another order when the cue's words are all the prompt's: restating the question is
  not answering it.
- Opening. A cue written `^shuffled` counts only in the first words of the answer's first
  clause, where a bare pick stands ("Shuffled. ...", "I'd go with shuffled"); later the same
  word may name the option argued against.
- Vocabulary. An answer that uses, outside negations and echoes, `VOCABULARY_HITS` of an item's
  own words (in its cues, in no other item's of the question, not in the prompt) covers it even
  when no one cue matches whole: a paraphrase mixes the words of several cues.
- Contradiction. An item's `against` cues (a claim that rules the item out, such as picking
  the wrong choice) veto it wherever they match.

It is plain Python: a few milliseconds per answer (`python -m tests.quizapp.rubric_eval`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from quizapp.rubric_words import NEGATORS, WITHOUT, stem_text, stopwords

#: An answer using this many of an item's own cue words (see `_vocabularies`) covers it without a whole cue:
#: a paraphrase mixes the words of several cues.
VOCABULARY_HITS = 3
#: A cue starting with this matches only the first words of the answer's opening clause.
OPENING, OPENING_WORDS = "^", 3
#: Copied runs of at least this many words from the prompt are an echo, not an answer.
ECHO_RUN = 4
#: A clause of at least this many words, this share of them the prompt's, restates the prompt.
RESTATED_LENGTH, RESTATED_SHARE = 6, 0.8

#: Where a clause ends: a sentence's end, a dash, a bracket, or a word that starts another clause ("but",
#: "because", ", and"). A cue matches inside one clause, and only that clause's negations reach it.
CLAUSE = re.compile(
    r"[.;:!?\n]+(?:\s|$)|\s[-–—]\s|\(|\)"
    r"|,?\s+(?=(?:but|because|since|so|whereas|while|although|though|however|yet|unless|instead|whether|if)\b)"
    r"|,\s+(?=(?:and|which|as)\b)"
)
#: Where a negation's reach ends inside a clause: a comma, or "and" opening a new subject (", and" already
#: ends the clause): "the intercept does not change and the slope grows" affirms that the slope grows,
#: while "does not cancel between the first and second moment" stays one denial.
NEGATION_END = re.compile(
    r",(?!\d{3}\b)|\band\s+(?=not\b)|\band\s+(?=(?:the|a|an|it|its|they|their|this|that|these|those|there|we|you|i)\b)"
)
#: A comma part ending a list ("..., RAdam or a lower peak") stays under the denial that opened the list.
LIST_END = re.compile(r"\b(?:or|nor)\b", re.IGNORECASE)
#: A part opening with its own subject is a claim of its own, not the rest of a list: "it converges or stalls".
SUBJECT = re.compile(r"\s*(?:it|its|they|we|you|i|he|she|this|that|these|those|there)\b", re.IGNORECASE)
#: A clause opened by one of these states a condition, not a claim, up to its first comma.
HEDGE = re.compile(r"\s*(?:whether|if)\b", re.IGNORECASE)
#: A bracket opened straight after a word or an operator holds part of a formula.
FORMULA = re.compile(r"(?:(?<=[\w/*^])|(?<=[/*^] ))\(([^()]*)\)")
#: A reply word opening a clause ("No, ...") answers the question; it does not negate what follows.
REPLY = re.compile(r"^\s*(?:no|nope|yes|yeah|right|correct|wrong)\s*,\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Cue:
    """A compiled cue: the content stems a clause must hold, whether it must be negated, and whether
    only the answer's opening clause counts (a cue written `^shuffled`: the bare pick "Shuffled." that
    opens an answer, where the same word later on may be the option the learner argues against)."""

    stems: frozenset[str]
    negated: bool
    opening: bool = False
    denied: frozenset[str] = frozenset()  # of a negated cue, the words after its negation ("not converge")

    @classmethod
    def parse(cls, text: str) -> Cue | None:
        opening = text.lstrip().startswith(OPENING)
        stems = stem_text(REPLY.sub("", text.lstrip().removeprefix(OPENING)))  # "Yes, they match" as answers read
        first = next((i for i, stem in enumerate(stems) if stem in NEGATORS), None)
        words = [s for s in stems if s not in NEGATORS and s not in stopwords() and s != "not_only"]
        denied = frozenset() if first is None else frozenset(s for s in stems[first + 1 :] if s in words)
        return cls(frozenset(words), first is not None, opening, denied) if words else None


@dataclass(frozen=True)
class Clause:
    stems: tuple[str, ...]
    echo: tuple[bool, ...]  # per stem: part of a run copied from the prompt
    negated: tuple[bool, ...]  # per stem: in a comma-separated part that holds a negation
    denied: tuple[bool, ...]  # per stem: after a negation in its part ("does not converge")
    in_prompt: tuple[bool, ...]  # per stem: a word the prompt uses too

    def opening(self) -> Clause:
        """The clause's first few words, where a bare pick stands ("Shuffled.", "I'd go with batch 64")."""
        n = OPENING_WORDS
        return Clause(self.stems[:n], self.echo[:n], self.negated[:n], self.denied[:n], self.in_prompt[:n])

    @property
    def restates(self) -> bool:
        """A clause of the prompt's own words, reordered: the question told back, not an answer to it
        (denying the prompt's words, "it's not the same as batch 128", is an answer)."""
        long_enough = len(self.stems) >= RESTATED_LENGTH and not any(self.negated)
        return long_enough and sum(self.in_prompt) >= RESTATED_SHARE * len(self.stems)


def _echo_flags(stems: list[str], prompt_runs: frozenset[tuple[str, ...]]) -> list[bool]:
    flags = [False] * len(stems)
    for i in range(len(stems) - ECHO_RUN + 1):
        if tuple(stems[i : i + ECHO_RUN]) in prompt_runs:
            for k in range(i, i + ECHO_RUN):
                flags[k] = True
    return flags


def _runs(stems: Sequence[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(stems[i : i + ECHO_RUN]) for i in range(len(stems) - ECHO_RUN + 1))


@dataclass(frozen=True)
class Answer:
    """An answer split into clauses of concept stems, with what was copied from the prompt marked."""

    clauses: tuple[Clause, ...]
    prompt_words: frozenset[str] = frozenset()

    @property
    def affirmed(self) -> frozenset[str]:
        """The learner's own words: outside every negation and not copied from the prompt."""
        return frozenset(
            stem
            for clause in self.clauses
            for stem, negated, echo in zip(clause.stems, clause.negated, clause.echo, strict=True)
            if not negated and not echo
        )

    @classmethod
    def read(cls, text: str, prompt: str = "") -> Answer:
        prompt_stems = [s for s in stem_text(prompt) if s not in stopwords() and s not in NEGATORS]
        prompt_runs, prompt_words = _runs(prompt_stems), frozenset(prompt_stems)
        parts = [_read_clause(REPLY.sub("", part)) for part in CLAUSE.split(_unbracket(text)) if part]
        # Echoes are found across clause ends: a copied question may be split differently.
        flags = _echo_flags([s for stems, _, _ in parts for s in stems], prompt_runs)
        clauses, start = [], 0
        for stems, negated, denied in parts:
            if stems:
                echo = tuple(flags[start : start + len(stems)])
                in_prompt = tuple(s in prompt_words for s in stems)
                clauses.append(Clause(tuple(stems), echo, tuple(negated), tuple(denied), in_prompt))
            start += len(stems)
        return cls(tuple(clauses), prompt_words)

    def matches(self, cue: Cue) -> bool:
        if cue.opening:
            return bool(self.clauses) and _in_clause(self.clauses[0].opening(), cue)
        return any(_in_clause(clause, cue) for clause in self.clauses)


def _unbracket(text: str) -> str:
    """Brackets of a formula ("sqrt(v)", "lr/(1-m)") opened straight after a word or an operator are
    not asides: drop them so the formula stays in its clause."""
    for _ in range(3):  # nested formulas, innermost first
        text = FORMULA.sub(r" \1 ", text)
    return text


def _read_clause(text: str) -> tuple[list[str], list[bool], list[bool]]:
    """A clause's content stems, each marked negated when its part (up to a comma or "and") holds a negation:
    in "I don't agree, it's not the same" each part denies its own claim, and "no clipping and no
    warmup" denies both (coordinated negations do not cancel)."""
    stems: list[str] = []
    negated: list[bool] = []
    after: list[bool] = []
    hedged = HEDGE.match(text) is not None
    listing = False  # a denial carried into a list: "no need for warmup, RAdam or a lower peak"
    for part in NEGATION_END.split(text):
        if hedged:  # "whether it diverges", "if it blows up, ...": the condition asserts nothing
            hedged = False
            continue
        part_stems = stem_text(part)
        denied = any(stem in NEGATORS and stem != WITHOUT for stem in part_stems)
        carried = listing and not denied and LIST_END.search(part) is not None and not SUBJECT.match(part)
        listing = denied and part is not text  # only a comma part can start a list
        denied = denied or carried
        seen, without = carried, False  # "without" denies only the word after it: "it closes without warmup"
        for stem in part_stems:
            if stem in NEGATORS:
                without = without or stem == WITHOUT
                seen = seen or stem != WITHOUT
            elif stem not in stopwords():
                stems.append(stem)
                negated.append(denied or without)
                after.append(seen or without)
                without = False
    return stems, negated, after


def _in_clause(clause: Clause, cue: Cue) -> bool:
    """Every stem of the cue in this clause, not all of them copied from the prompt, and negated as
    the cue is: a plain cue needs each word outside any negation, a negated cue ("not converge") needs
    one of its words under one ("not only ... but" negates nothing)."""
    stems = clause.stems
    found = [[i for i, s in enumerate(stems) if s == wanted] for wanted in cue.stems]
    if not all(found):
        return False
    if all(clause.echo[i] for positions in found for i in positions):
        return False  # every word of the match was copied from the prompt
    if clause.restates and all(clause.in_prompt[positions[0]] for positions in found):
        return False  # the prompt told back in other order: its words say nothing of the learner's
    if cue.negated:  # what the cue denies comes after a negation: "does not blow up", not "the blow-up is not why"
        wanted = cue.denied or cue.stems
        return all(
            any(clause.denied[i] for i in positions)
            for s, positions in zip(cue.stems, found, strict=True)
            if s in wanted
        )
    return all(any(not clause.negated[i] for i in positions) for positions in found)


@dataclass(frozen=True)
class ItemCues:
    id: str
    cues: tuple[Cue, ...]
    against: tuple[Cue, ...]


def compile_item(item_id: str, cues: Iterable[str], against: Iterable[str] = ()) -> ItemCues:
    def parsed(texts: Iterable[str]) -> tuple[Cue, ...]:
        return tuple(cue for text in texts if (cue := Cue.parse(text)) is not None)

    return ItemCues(item_id, parsed(cues), parsed(against))


def suggest(answer: Answer, items: Iterable[ItemCues]) -> set[str]:
    """The items the answer covers by a cue, or by using enough of the item's own vocabulary, and
    none of whose `against` cues it matches."""
    items = list(items)
    vocabulary = _vocabularies(items, answer.prompt_words)
    affirmed = answer.affirmed
    return {
        item.id
        for item in items
        if (any(answer.matches(cue) for cue in item.cues) or len(vocabulary[item.id] & affirmed) >= VOCABULARY_HITS)
        and not any(answer.matches(cue) for cue in item.against)
    }


def _vocabularies(items: Sequence[ItemCues], prompt_words: frozenset[str]) -> dict[str, frozenset[str]]:
    """Each item's own words: in its plain cues, in no other item's, not in the prompt, not a number."""
    words = {item.id: frozenset(s for cue in item.cues if not cue.negated for s in cue.stems) for item in items}
    shared = Counter(s for item_words in words.values() for s in item_words)
    return {
        item_id: frozenset(
            s
            for s in item_words
            if shared[s] == 1 and s not in prompt_words and (len(s) > 2 or s.isupper()) and not s[0].isdigit()
        )
        for item_id, item_words in words.items()
    }
