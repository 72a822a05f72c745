"""The five ledgers as read models, Excel export and import, dashboards and reports."""
