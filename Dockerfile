# The 包保 supervision tracker: gunicorn serving baobao.wsgi on port 8000.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# uv from PyPI; it installs exactly what uv.lock pins, without the dev group.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project --no-cache

COPY . .

# Static files are collected at build time (whitenoise serves them, with a manifest).
# Production settings refuse to load without these three, so give throwaway values.
RUN DJANGO_DEBUG=false \
    SECRET_KEY=build-only-throwaway-key-never-used-at-run-time-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3

# A non-root user; uploads go to /app/media (a volume in docker-compose.yml).
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home baobao \
    && mkdir -p /app/media \
    && chown baobao:baobao /app/media
USER baobao

ENV MEDIA_ROOT=/app/media
EXPOSE 8000
CMD ["gunicorn", "baobao.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
