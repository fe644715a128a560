# syntax=docker/dockerfile:1
# WatchTogether production image: daphne serving config.asgi:application on :8000.
# The same image runs the Celery worker and beat (see docker-compose.yml / Procfile).
#
#   docker build -t watchtogether .
#   docker run -e DJANGO_SECRET_KEY=... -e DJANGO_ALLOWED_HOSTS=watch.example.com \
#              -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -p 8000:8000 watchtogether
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Runtime dependencies only (every package ships a wheel; no compilers needed).
COPY requirements.lock .
RUN pip install --no-deps --require-hashes -r requirements.lock && pip check

# Code stays owned by root (read-only for the app user).
COPY . .

# Static files are collected into the image with the production storage
# (hashed names + manifest). The dummy key exists only inside this RUN step.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-time-only-dummy-key-for-collectstatic-0123456789abcdefghij \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/celery/processed /app/var/mail \
    && chown -R app:app /app/var

ENV DJANGO_DEBUG=false

USER app

EXPOSE 8000

# /healthz is exempt from the HTTPS redirect; the Host header must still be an
# allowed host, so use the first DJANGO_ALLOWED_HOSTS entry.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; h = os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r = urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}); sys.exit(0 if urllib.request.urlopen(r, timeout=4).status == 200 else 1)"]

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
