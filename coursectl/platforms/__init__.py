"""What coursectl compares with a grading platform, as plain functions over the project's types:
roster differences, assignment dates, extensions. The integrations fetch; this decides."""
