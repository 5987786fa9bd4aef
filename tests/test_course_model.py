"""The shipped course loads into the model with week 7 exactly as the course page gives it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from coursectl.course import load_course
from coursectl.course.model import (
    PeerReviewDeliverable,
    ReflectionDeliverable,
    SelfAssessmentDeliverable,
    SurveyDeliverable,
)
from coursectl.course.roster import REQUIRED_COLUMNS

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO.parent / "shared" / "reference" / "course-page-week07.txt"


def test_week7_matches_the_course_page() -> None:
    schedule = load_course(REPO).schedule
    week = schedule.week(7)
    assert week is not None
    assert week.title == "Training at Scale and Post-Training"
    lectures = {lec.number: (lec.date, lec.title) for lec in week.lectures}
    assert lectures[9] == (date(2026, 3, 2), "Training LLMs at scale")
    assert lectures[10] == (date(2026, 3, 4), "Post-training and RLHF")
    assert week.section is not None and week.section.date == date(2026, 3, 3)

    zone = schedule.tz
    due = {d.id: d for d in schedule.deliverables}
    review = due["pp1-peer-reviews"]
    assert isinstance(review, PeerReviewDeliverable)
    assert review.due == datetime(2026, 3, 4, 23, 59, tzinfo=zone)
    assert (review.platform, review.reviews_per_student, review.reviews) == ("gradescope", 2, "pp1")
    reflection = due["week-07-reflection"]
    assert isinstance(reflection, ReflectionDeliverable)
    assert reflection.due == datetime(2026, 3, 6, 23, 59, tzinfo=zone)
    assert (reflection.platform, reflection.words.min, reflection.words.max) == ("github", 300, 500)
    survey = due["course-survey"]
    assert isinstance(survey, SurveyDeliverable) and survey.anonymous
    assert survey.due == datetime(2026, 3, 6, 23, 59, tzinfo=zone)
    assessment = due["midcourse-self-assessment"]
    assert isinstance(assessment, SelfAssessmentDeliverable) and assessment.max_score == 5
    assert assessment.platform == "gradescope"

    spring = next(b for b in schedule.breaks if b.id == "spring-break")
    assert (spring.start, spring.last_day) == (date(2026, 3, 9), date(2026, 3, 13))
    assert schedule.week_of(date(2026, 3, 16)) == 8  # the week after spring break


def test_objectives_and_prompts_are_the_pages_words() -> None:
    week = load_course(REPO).schedule.week(7)
    assert week is not None and week.reflection is not None
    page = PAGE.read_text(encoding="utf-8") if PAGE.exists() else None
    texts = [o for lec in week.lectures for o in lec.objectives] + week.reflection.prompts
    assert len(texts) == 15 + 5
    if page is not None:
        for text in texts:
            assert text in page, text


def test_shipped_roster_is_synthetic_and_complete() -> None:
    course = load_course(REPO)
    assert len(course.students) >= 40
    header = (REPO / "rosters" / "synthetic-roster.csv").read_text().splitlines()[0].split(",")
    assert set(REQUIRED_COLUMNS) <= set(header)
    assert all(s.email.endswith("@students.example.edu") for s in course.students)
    assert {s.section for s in course.students} <= set(course.schedule.sections())


def test_policy_encodes_the_page() -> None:
    policy = load_course(REPO).policy
    assert policy is not None
    weights = {
        item.deliverable: category.weight * item.weight / 100
        for category in policy.categories
        for item in category.items
        if item.deliverable
    }
    assert weights["pp1-peer-reviews"] == 1.0  # 1% of the course
    portfolio = next(c for c in policy.categories if c.id == "portfolio-1")
    share = next(i for i in portfolio.items if i.deliverable == "pp1-peer-reviews").weight
    assert share == 20  # 20% of the portfolio piece grade
    reflections = next(c for c in policy.categories if c.id == "reflections")
    assert all(item.rule == "completion" for item in reflections.items)
