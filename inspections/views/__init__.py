"""Supervision pages: the office's ledgers and pages (``office``) and the cadre's phone pages
(``phone``)."""
