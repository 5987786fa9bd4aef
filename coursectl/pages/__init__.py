"""Course pages from schedule.yaml: the week page (Markdown/HTML) and the deadline reminder."""
