"""Word documents offices file (公文): the work report, the cadre's commitment letter and lists."""
