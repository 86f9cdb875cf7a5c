FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home --uid 1000 sandbox
USER sandbox
ENV SANDBOX_DATA_DIR=/home/sandbox/data SANDBOX_HOST=0.0.0.0
EXPOSE 8000
CMD ["sandbox", "serve", "--no-migrate"]
