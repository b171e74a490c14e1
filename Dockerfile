# Engage: one image for the web site and the worker (the command differs; see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ENGAGE_ENV=production ENGAGE_INSTANCE_PATH=/var/lib/engage

WORKDIR /app
# CPU torch first, so that nothing else pulls a CUDA build into the image.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY engage engage
COPY topics topics
COPY migrations migrations
COPY templates templates
COPY translations translations
COPY static static
COPY alembic.ini gunicorn.conf.py ./
RUN pip install '.[topics,postgres]' \
    && useradd --system --home /var/lib/engage engage \
    && mkdir -p /var/lib/engage && chown engage /var/lib/engage

USER engage
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"
# Migrations are applied on deploy, before the site starts taking requests.
CMD ["sh", "-c", "engage db-upgrade && exec gunicorn -c gunicorn.conf.py engage.wsgi:app"]
