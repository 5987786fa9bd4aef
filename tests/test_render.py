"""`coursectl render`: the week 7 page against the real course page, goldens, weights, escaping,
and template errors that name the template file and line."""

from __future__ import annotations

import difflib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from coursectl.course import load_course
from coursectl.errors import UserError
from coursectl.pages.views import (
    clock,
    day_plain,
    day_short,
    due_long,
    due_short,
    headline,
    render_reminder,
    render_week,
    week_page,
)
from tests.conftest import REPO_ROOT, Golden

COURSE_PAGE = Path(__file__).parent / "data" / "course-page-week07.txt"


# ---------------------------------------------------------------------------- comparing pages


def markdown_lines(text: str) -> list[str]:
    """Rendered Markdown as the lines a reader sees, as the course page writes them: list items
    keep their '- ', headings get a leading '# ' marker, emphasis and link targets go."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("<!--"):
            continue
        heading = re.match(r"^#+\s+", line)
        line = line[heading.end() :] if heading else re.sub(r"^[-*]\s+", "- ", line)
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # [text](url) -> text
        line = line.replace("**", "").replace("`", "")
        lines.append(("# " if heading else "") + line)
    return lines


class _HtmlText(HTMLParser):
    """The text of an HTML page, one line per block element, list items as '- ', headings
    marked with '# '."""

    BLOCKS = frozenset({"p", "li", "ul", "ol", "section", "header", "footer", "main", "div", "br"})
    HEADINGS = frozenset({"h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current = ""
        self.skip = 0

    def _flush(self, prefix: str = "") -> None:
        text = " ".join(self.current.split())
        if text:
            self.lines.append(prefix + text)
        self.current = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "script"):
            self.skip += 1
        elif tag in self.BLOCKS or tag in self.HEADINGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script"):
            self.skip -= 1
        elif tag in self.HEADINGS:
            self._flush("# ")
        elif tag == "li":
            self._flush("- ")
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current += data


def html_lines(text: str) -> list[str]:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.lines


def _blocks(lines: list[str], headings: set[str]) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {"": []}
    current = ""
    for line in lines:
        if line in headings:
            current = line
            blocks.setdefault(current, [])
        else:
            blocks[current].append(line)
    return blocks


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(line == candidate for candidate in it) for line in needle)


def missing_facts(page_text: str, rendered: list[str]) -> list[str]:
    """Every line of the course page must appear in the rendered page, under the same heading
    and in the page's order within that heading; returns a readable diff per failing block.

    The page's title line is upper-cased by the site's style ("WEEK 7: ..."), so the title alone
    is compared ignoring case, with the first heading; what comes before it (the HTML page's
    course line) is extra. Blocks may come in another order (the page lists the survey after
    the self-assessment in one place and before it in another).
    """
    page = [line.strip() for line in page_text.splitlines() if line.strip()]
    headings = {line[2:] for line in rendered if line.startswith("# ")}
    title, *page = page
    first = next((i for i, line in enumerate(rendered) if line.startswith("# ")), None)
    if first is None or rendered[first].casefold() != f"# {title}".casefold():
        return [f"title: page {title!r}, rendered {rendered[first or 0 : (first or 0) + 1]!r}"]
    plain = [line[2:] if line.startswith("# ") else line for line in rendered[first + 1 :]]
    ours = _blocks(plain, headings)
    problems = []
    for heading, lines in _blocks(page, headings).items():
        if heading not in ours:
            problems.append(f"heading missing: {heading!r}")
            continue
        if not _is_subsequence(lines, ours[heading]):
            diff = difflib.unified_diff(
                lines, ours[heading], "course page", "rendered", lineterm="", n=0
            )
            problems.append(f"under {heading or '(top)'!r}:\n" + "\n".join(diff))
    return problems


# ---------------------------------------------------------------------------- the week 7 page


def test_week7_markdown_carries_every_fact_of_the_course_page() -> None:
    course = load_course(REPO_ROOT)
    rendered = markdown_lines(render_week(course, 7, "md"))
    problems = missing_facts(COURSE_PAGE.read_text(encoding="utf-8"), rendered)
    assert not problems, "\n".join(problems)


def test_week7_html_carries_every_fact_of_the_course_page() -> None:
    course = load_course(REPO_ROOT)
    rendered = html_lines(render_week(course, 7, "html"))
    problems = missing_facts(COURSE_PAGE.read_text(encoding="utf-8"), rendered)
    assert not problems, "\n".join(problems)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "fact"),
    [
        # A deadline moved by a day: the checklist and the deliverable's section both change.
        (
            "schedule.yaml",
            "due: Wed 2026-03-04 23:59\n    platform: gradescope",
            "due: Thu 2026-03-05 23:59\n    platform: gradescope",
            "Due: Wednesday, March 4 by 11:59pm on Gradescope",
        ),
        # The weight comes from the grading policy, not from text in schedule.yaml.
        (
            "rubrics/grading-policy.yaml",
            "{deliverable: pp1-peer-reviews, weight: 20, rule: completion}",
            "{deliverable: pp1-peer-reviews, weight: 25, rule: completion}",
            "Weight: 20% of your portfolio piece grade (1% of overall course grade)",
        ),
        (
            "schedule.yaml",
            "    platform: github\n    words: {min: 300, max: 500}\n    path: reflections/week-07.md",
            "    platform: gradescope\n    words: {min: 300, max: 500}\n    path: reflections/week-07.md",
            "Week 7 Reflection due Friday, Mar 6 by 11:59pm (GitHub)",
        ),
        (
            "schedule.yaml",
            "    anonymous: true\n",
            "    anonymous: false\n",
            "Course survey due Friday, Mar 6 by 11:59pm (Gradescope, anonymous)",
        ),
        (
            "schedule.yaml",
            "          - Compare RLHF, DPO, and Constitutional AI trade-offs\n",
            "",
            "Compare RLHF, DPO, and Constitutional AI trade-offs",
        ),
    ],
)
def test_page_check_fails_when_a_fact_is_wrong(
    course_dir: Path, file: str, old: str, new: str, fact: str
) -> None:
    _edit(course_dir / file, old, new)
    if "weight: 25" in new:  # keep the category adding up to 100 so the course still loads
        _edit(course_dir / file, "{deliverable: pp1, weight: 80}", "{deliverable: pp1, weight: 75}")
    rendered = markdown_lines(render_week(load_course(course_dir), 7, "md"))
    problems = missing_facts(COURSE_PAGE.read_text(encoding="utf-8"), rendered)
    assert problems and fact in "\n".join(problems), problems


# ---------------------------------------------------------------------------- goldens


@pytest.mark.parametrize(("week", "fmt"), [(7, "md"), (7, "html"), (6, "md"), (8, "md")])
def test_week_golden(golden: Golden, week: int, fmt: str) -> None:
    text = render_week(load_course(REPO_ROOT), week, "html" if fmt == "html" else "md")
    golden.check(f"render/week-{week:02d}.{fmt}", text)


@pytest.mark.parametrize(
    "deliverable",
    [
        "pp1-peer-reviews",
        "week-07-reflection",
        "course-survey",
        "midcourse-self-assessment",
        "exam-1",
    ],
)
def test_reminder_golden(golden: Golden, deliverable: str) -> None:
    golden.check(
        f"render/reminder-{deliverable}.md", render_reminder(load_course(REPO_ROOT), deliverable)
    )


# ---------------------------------------------------------------------------- formatting and facts


def test_dates_are_written_like_the_course_page() -> None:
    from datetime import date, datetime, time

    assert day_short(date(2026, 3, 2)) == "Mon, Mar 2"
    assert day_plain(date(2026, 3, 3)) == "Tue Mar 3"
    assert due_short(datetime(2026, 3, 4, 23, 59)) == "Wednesday, Mar 4 by 11:59pm"
    assert due_long(datetime(2026, 3, 6, 23, 59)) == "Friday, March 6 by 11:59pm"
    assert [clock(time(0, 0)), clock(time(9, 5)), clock(time(12, 0)), clock(time(13, 30))] == [
        "12:00am",
        "9:05am",
        "12:00pm",
        "1:30pm",
    ]
    assert (
        headline("Mid-course participation self-assessment")
        == "Mid-Course Participation Self-Assessment"
    )
    assert headline("state of the art in RLHF") == "State of the Art in RLHF"


def test_deadline_written_in_utc_is_shown_in_the_course_time_zone(course_dir: Path) -> None:
    _edit(
        course_dir / "schedule.yaml",
        "due: Wed 2026-03-04 23:59\n    platform: gradescope",
        "due: 2026-03-05 07:59+00:00\n    platform: gradescope",
    )
    text = render_week(load_course(course_dir), 7, "md")
    assert "- Portfolio Piece 1 peer reviews due Wednesday, Mar 4 by 11:59pm (Gradescope)" in text


def test_reminder_after_dst_names_the_summer_zone() -> None:
    text = render_reminder(load_course(REPO_ROOT), "week-08-reflection")
    assert "due Friday, March 20 by 11:59pm PDT (course time zone, America/Los_Angeles)" in text
    week7 = render_reminder(load_course(REPO_ROOT), "week-07-reflection")
    assert "due Friday, March 6 by 11:59pm PST" in week7


def test_weight_follows_the_grading_policy(course_dir: Path) -> None:
    policy = course_dir / "rubrics" / "grading-policy.yaml"
    _edit(
        policy,
        '  - id: portfolio-1\n    title: Portfolio Piece 1\n    grade_name: portfolio piece     # "20% of your portfolio piece grade" (course page)\n    weight: 5',
        "  - id: portfolio-1\n    title: Portfolio Piece 1\n    weight: 10",
    )
    _edit(
        policy,
        "  - id: final-project\n    title: Final project\n    weight: 18",
        "  - id: final-project\n    title: Final project\n    weight: 13",
    )
    text = render_week(load_course(course_dir), 7, "md")
    # Without grade_name the category's title names the grade.
    assert "**Weight:** 20% of your portfolio piece 1 grade (2% of overall course grade)" in text


def test_week_without_plan_renders_its_lectures_and_deadlines() -> None:
    page = week_page(load_course(REPO_ROOT), 8)
    assert [lecture.label for lecture in page.lectures] == ["Lecture 11", "Lecture 12"]
    assert page.section is None and page.reflection is None
    assert [d.id for d in page.deliverables] == ["week-08-reflection"]
    text = render_week(load_course(REPO_ROOT), 8, "md")
    assert "learning objectives" not in text and "Discussion Section" not in text


def test_unknown_week_and_deliverable_are_user_errors() -> None:
    course = load_course(REPO_ROOT)
    with pytest.raises(UserError, match="no week 42; weeks: 1, 2"):
        render_week(course, 42)
    with pytest.raises(UserError, match="did you mean pp1-peer-reviews"):
        render_reminder(course, "pp1-peer-review")


# ---------------------------------------------------------------------------- escaping


def test_html_escapes_what_schedule_yaml_says(course_dir: Path) -> None:
    hostile = '<script>document.title="PWNED"</script> & <b>bold</b>'
    _edit(
        course_dir / "schedule.yaml",
        "title: Training at Scale and Post-Training",
        f"title: '{hostile}'",
    )
    _edit(course_dir / "schedule.yaml", "title: Course survey", f"title: '{hostile}'")
    html = render_week(load_course(course_dir), 7, "html")
    assert "<script>" not in html and "<b>bold" not in html
    assert (
        "&lt;script&gt;document.title=&quot;PWNED&quot;&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        in html
    )
    # Markdown in a description still becomes HTML: the peer-review criteria are a list.
    assert "<li>What worked well (2-3 specific observations)</li>" in html
    # The Markdown page is for pasting: it keeps the text as written.
    assert hostile in render_week(load_course(course_dir), 7, "md")


# ---------------------------------------------------------------------------- template errors


def _template_error(course_dir: Path, fmt: str = "md") -> str:
    with pytest.raises(UserError) as caught:
        render_week(load_course(course_dir), 7, "html" if fmt == "html" else "md")
    lines = caught.value.lines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_course_without_a_template_uses_the_default(course_dir: Path) -> None:
    shipped = render_week(load_course(course_dir), 7, "md")
    (course_dir / "templates" / "week.md.j2").unlink()
    assert render_week(load_course(course_dir), 7, "md") == shipped


def test_a_missing_included_template_names_the_file(course_dir: Path) -> None:
    with (course_dir / "templates" / "week.md.j2").open("a", encoding="utf-8") as handle:
        handle.write('{% include "nosuch.md.j2" %}\n')
    message = _template_error(course_dir)
    assert message.startswith(
        f"{course_dir / 'templates' / 'nosuch.md.j2'}: template not found (included from week.md.j2)"
    ), message


def test_syntax_error_names_template_and_line(course_dir: Path) -> None:
    template = course_dir / "templates" / "week.md.j2"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines.insert(11, "{% if page.summary %}unclosed")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _template_error(course_dir)
    assert re.match(rf"^{re.escape(str(template))}:\d+: template syntax error: ", message), message


def test_undefined_variable_names_template_and_line(course_dir: Path) -> None:
    template = course_dir / "templates" / "week.html.j2"
    lines = template.read_text(encoding="utf-8").splitlines()
    where = next(i for i, line in enumerate(lines) if "<main>" in line)
    lines.insert(where + 1, "<p>{{ page.lecturer_name }}</p>")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _template_error(course_dir, "html")
    assert message.startswith(f"{template}:{where + 2}: "), message
    assert "lecturer_name" in message


def test_error_in_an_included_template_names_that_file(course_dir: Path) -> None:
    templates = course_dir / "templates"
    (templates / "footer.md.j2").write_text("ok\n{{ page.course.nosuch }}\n", encoding="utf-8")
    with (templates / "week.md.j2").open("a", encoding="utf-8") as handle:
        handle.write('{% include "footer.md.j2" %}\n')
    assert _template_error(course_dir).startswith(f"{templates / 'footer.md.j2'}:2: ")


def test_reminder_states_the_late_rule_only_where_the_gradebook_applies_it(
    course_dir: Path,
) -> None:
    rule = "Late work: 15 minutes' grace, then 10% off per started day late; more than 3 days"
    assert rule in render_reminder(load_course(course_dir), "pp1-peer-reviews")
    assert "Late work" not in render_reminder(load_course(course_dir), "course-survey")
    _edit(
        course_dir / "rubrics" / "grading-policy.yaml",
        "{deliverable: pp1-peer-reviews, weight: 20, rule: completion}",
        "{deliverable: pp1-peer-reviews, weight: 20, rule: completion, late: false}",
    )
    assert "Late work" not in render_reminder(load_course(course_dir), "pp1-peer-reviews")


def test_the_week_page_prints_the_deliverables_own_word_range(course_dir: Path) -> None:
    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text(encoding="utf-8")
    block = text.index("id: week-07-reflection")
    moved = text[block:].replace("words: {min: 300, max: 500}", "words: {min: 250, max: 420}", 1)
    schedule.write_text(text[:block] + moved, encoding="utf-8")
    course = load_course(course_dir)
    markdown, html = render_week(course, 7, "md"), render_week(course, 7, "html")
    assert "Write 250-420 words. Some prompts to consider" in markdown
    assert "<p>Write 250-420 words. Some prompts to consider" in html
    assert "300-500" not in markdown + html
    assert "Week 7 Reflection: 250-420 words" in render_reminder(course, "week-07-reflection")
