"""Demo data: a Tongren-shaped city (铜仁市, the figures of the Tongren news report) and logins."""
