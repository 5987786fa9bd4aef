"""The course: schedule.yaml, the rubrics and the grading policy as typed models, the roster, and
the rules `coursectl validate` checks. Every other package takes a `Course` from here."""

from coursectl.course.loading import Course, inspect_course, load_course

__all__ = ["Course", "inspect_course", "load_course"]
