"""What every part of the settings reads first: where the project is, its environment (with an
optional ``.env`` file), whether it runs in production, the Redis it may use, its time zone."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
REDIS_URL = env("REDIS_URL", default="")
TIME_ZONE = "Asia/Shanghai"
