# Jiping (即评): the common loops. `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODELS := .cache/models
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 20

NODE_TOOLS := .cache/node
# checkov has its own venv: its pins clash with ours. tests/infra/test_checkov.py runs it on the template.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
# llama-cpp-python (the scoring judge's runtime) is published as an sdist only: it is compiled once (about
# 8 minutes on 2 cores) into this cache of wheels, shared by every checkout on the machine. Portable AVX2,
# not -march=native: a native build crashed on AMX CPUs (see ../shared/reference/model-carriers.md).
WHEELS ?= $(HOME)/.cache/jiping/wheels
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF
.PHONY: setup models browser faketime node-tools checkov openapi demo test unit integration e2e infra-tests synth lint format bench eval deploy clean images images-test

setup: $(STAMP) models browser faketime node-tools ## build .venv from nothing, fetch the verified model assets, Chromium (idempotent)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	@command -v node >/dev/null || { echo "Node.js is required for the CDK (jsii); install nodejs"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	@ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || { \
	  echo "building llama-cpp-python $(LLAMA_CPP_VERSION) once into $(WHEELS) (about 8 minutes on 2 cores)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PY) -m pip wheel --quiet \
	    --disable-pip-version-check --no-deps -w $(WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION); }
	$(PY) -m pip install --quiet --disable-pip-version-check --find-links $(WHEELS) -e ".[perception,infra,dev]"
	touch $(STAMP)

models: $(STAMP)
	$(PY) -m jiping.model_assets fetch whisper-base whisper-tiny.en face-landmarker pose-landmarker sentence-encoder judge-llm --dest $(MODELS) >/dev/null

browser: ## headless Chromium and a CJK font for the report (Debian packages; installed once, as root)
	@{ command -v chromium >/dev/null && fc-list :lang=zh | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null; \
	  else echo "Please install Chromium and a CJK font (Debian: apt-get install chromium fonts-wqy-microhei)"; exit 1; fi; }

faketime: ## libfaketime (Debian package), so that node follows the tests' moved clock (pytest --clock-offset)
	@test -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 -o -e /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null 2>&1 \
	      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }; \
	  else echo "libfaketime is not installed (Debian: apt-get install faketime): tests that move the clock skip node"; fi; }

node-tools: $(NODE_TOOLS)/.installed ## the TypeScript Standard Webhooks library: an independent verifier for the tests

$(NODE_TOOLS)/.installed:
	npm install --silent --no-audit --no-fund --prefix $(NODE_TOOLS) standardwebhooks@1.1.1
	touch $@

checkov: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION) ## checkov in its own venv, .venv-checkov (installed once per version)

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check "checkov==$(CHECKOV_VERSION)" \
	  || { rm -rf $(CHECKOV_VENV); exit 1; }
	touch $@

demo: setup ## run the sample interview through the whole workflow on the local cloud
	$(VENV)/bin/jiping demo

test: setup checkov ## the whole suite: unit, integration, infra (CDK, cdk-nag, cfn-lint, checkov), e2e (real models)
	$(VENV)/bin/pytest

unit: setup
	$(VENV)/bin/pytest tests/unit

integration: setup
	$(VENV)/bin/pytest tests/integration

infra-tests: setup checkov
	$(VENV)/bin/pytest tests/infra

e2e: setup
	$(VENV)/bin/pytest tests/e2e

openapi: setup ## regenerate docs/openapi.json from the API routes
	$(PY) -m functions.api > docs/openapi.json

synth: setup ## write cdk.out/ offline (cdk-nag runs on every synth)
	$(PY) infra/app.py

lint: setup ## ruff check, ruff format --check and mypy (CI runs it before the suite)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/jiping infra functions tests
	@# each container's entrypoint.py is a top-level module of its own image: checked one at a time
	@for entrypoint in containers/*/entrypoint.py; do $(VENV)/bin/mypy $$entrypoint || exit 1; done

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

deploy: setup ## deploy to the AWS account in your environment (see README: bootstrap and settings first)
	npx --yes aws-cdk@2 deploy --app "$(PY) infra/app.py"

eval: setup ## the scoring judge on the whole graded corpus (eval/): agreement, gaming, fairness, speed
	$(PY) -m bench.judge_eval --split test --out bench/results/judge_eval

clean:
	rm -rf cdk.out .build out .pytest_cache

images: ## every container image, built here with buildah on a debootstrapped Debian base (no Docker daemon, no registry; docs/images.md)
	@{ command -v buildah >/dev/null && command -v debootstrap >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap) >/dev/null; \
	  else echo "Please install buildah and debootstrap (Debian: apt-get install buildah debootstrap), as root"; exit 1; fi; }
	WHEELS="$(WHEELS)" scripts/images.sh

images-test: $(STAMP) ## run each image's entrypoint on a sample clip against a local S3 (moto's server) and a fake Lambda Runtime API
	@# moto's server (flask) for the containers to reach: the same moto, with its "server" extra
	@$(PY) -c 'import flask, flask_cors' 2>/dev/null || $(PY) -m pip install --quiet --disable-pip-version-check \
	  "moto[server]==$$($(PY) -c 'import moto; print(moto.__version__)')"
	$(VENV)/bin/pytest tests/images

bench: setup ## end-to-end time against bare faster-whisper; the judge's speed; Mandarin CER; a 200-interview load test through the worker pool; a 20-minute 6-person group discussion; the campus-peak capacity model
	$(PY) -m bench.run
	$(PY) -m bench.judge_speed
	$(PY) -m bench.mandarin_cer
	$(PY) -m bench.load --interviews 200
	$(PY) -m bench.group --participants 6 --minutes 20
	$(VENV)/bin/jiping capacity --interviews 12000 --minutes 15 --answers 6 --window-hours 10 --tier both | tee bench/results/capacity.txt
