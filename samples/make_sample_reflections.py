"""Regenerate samples/reflections/: synthetic week-7 reflections for the synthetic roster.

Run from the repository root: python samples/make_sample_reflections.py
The texts are stitched from invented sentences; no real student wrote any of them. The mix of
outcomes is fixed so that `coursectl check-reflections 7 --source local samples/reflections`
shows every status an export can have: ok, too-short, too-long, missing, empty, no-repo.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

from coursectl.reflections.wordcount import count_words

ROOT = Path(__file__).resolve().parent
TARGET = ROOT / "reflections"
ROSTER = ROOT.parent / "rosters" / "synthetic-roster.csv"
PATH = "reflections/week-07.md"

SENTENCES = [
    "What surprised me most this week was how much data goes into pre-training a single model.",
    "I had pictured training as something a student could do over a weekend, and it is nothing like that.",
    "Only a handful of companies can afford the compute, which concentrates a lot of power in few hands.",
    "The Chinchilla result changed how I read model announcements: I now look for the token count first.",
    "Scaling laws promise a smooth curve, while emergent abilities promise surprises, and both seem true.",
    "I think the tension goes away once you notice that many benchmarks are pass or fail.",
    "A smooth drop in loss can look like a sudden jump when the test only counts exact answers.",
    "For AI risk this matters, because gradual change gives us warning signs and time to react.",
    "After the lecture on RLHF I read the polite tone of chatbots as a product decision.",
    "Thousands of human comparisons sit behind every refusal, written by people I will never meet.",
    "Whose values get encoded is, to me, the hardest part of alignment.",
    "A refusal that feels respectful in one culture can feel patronising in another.",
    "I would rather have the principles written down and open to argument than hidden in a dataset.",
    "In section we compared tokenizers and saw that some languages cost three times as many tokens.",
    "That makes the same question more expensive for some users, which I had never considered.",
    "The Pile turned out to contain far more academic text than I expected.",
    "I keep wondering who agreed to have their writing used as training data, and the answer is mostly nobody.",
    "Open-weights models give universities a way to study what large models actually do.",
    "I am curious whether small, carefully trained models will make the giant ones less important.",
    "The GPT-3 paper's few-shot examples are worth reading in full, even if the paper is long.",
    "Instruction tuning needs far less data than pre-training, but the quality of that data matters a lot.",
    "I now use chatbots more carefully and check their claims against primary sources.",
    "A question I am taking into spring break is how to evaluate abilities we do not know to look for.",
    "I am also curious how labs decide that a model is safe enough to release.",
    "Another question is what a fair wage for preference labelling would look like.",
    "The second half of the course moves from building models to using them, which is where I will work.",
    "Compute costs are measured in millions of dollars, and the electricity bill is only part of it.",
    "It was strange to learn that nobody fully understands why the training recipe works so well.",
    "Distillation lets a small model learn from a large one, which complicates the story about scale.",
    "I liked that the lecture was honest about how much of this field is still trial and error.",
]

# sid order of the roster decides who gets what; the counts are what the README shows.
PLAN = (
    ["ok"] * 36
    + ["too-short"] * 4
    + ["too-long"] * 2
    + ["missing"] * 2
    + ["empty"] * 2
    + ["no-repo"] * 2
)


def essay(rng: random.Random, low: int, high: int) -> str:
    """Paragraphs of shuffled sentences until the word count lands in [low, high]."""
    goal = rng.randint(low, high)
    while True:
        pool = SENTENCES * 3
        rng.shuffle(pool)
        paragraphs: list[str] = []
        current: list[str] = []
        text = ""
        for sentence in pool:
            current.append(sentence)
            if len(current) == rng.randint(3, 5):
                paragraphs.append(" ".join(current))
                current = []
            text = "# Week 7 Reflection\n\n" + "\n\n".join([*paragraphs, " ".join(current)]) + "\n"
            if count_words(text) >= goal:
                break
        if low <= count_words(text) <= high:
            return text


def main() -> None:
    with ROSTER.open(encoding="utf-8") as handle:
        students = list(csv.DictReader(handle))
    assert len(students) == len(PLAN), f"roster has {len(students)} students, plan {len(PLAN)}"
    rng = random.Random(7)
    order = list(range(len(students)))
    rng.shuffle(order)  # spread the statuses over the roster
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for index, status in zip(order, PLAN, strict=True):
        login = students[index]["github"]
        if status == "no-repo":
            continue
        folder = TARGET / login / "reflections"
        folder.mkdir(parents=True)
        if status == "missing":
            (folder / "week-06.md").write_text(essay(rng, 320, 420), encoding="utf-8")
            continue
        if status == "empty":  # the template's comment only, or nothing at all
            text = "<!-- Write 300-500 words here. -->\n" if rng.random() < 0.5 else ""
        elif status == "too-short":
            text = essay(rng, 120, 260)
        elif status == "too-long":
            text = essay(rng, 540, 650)
        else:
            text = essay(rng, 320, 480)
            if rng.random() < 0.25:
                text = f"---\nauthor: {students[index]['name']}\nweek: 7\n---\n\n" + text
        (folder / "week-07.md").write_text(text, encoding="utf-8")
    (TARGET / "README.md").write_text(
        "# Sample reflections (synthetic)\n\n"
        "Exported-submission folders, one per GitHub login of `rosters/synthetic-roster.csv`, made by\n"
        "`samples/make_sample_reflections.py`. Invented text; no real student wrote any of it.\n\n"
        "    coursectl check-reflections 7 --source local samples/reflections\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
