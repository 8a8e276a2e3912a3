# The two commands of the quick start are `make run` and `make test`.
.PHONY: run test setup train evaluate lint clean

run:            ## set up what is missing, start every service, print the URLs
	scripts/run.sh

test:           ## set up (test tools included), train once, run every test
	scripts/test.sh

setup:          ## environments, .env, database, model; no services started
	scripts/setup.sh

train:          ## retrain the assistant (skipped when data and configs are unchanged)
	scripts/train.sh

evaluate:       ## NLU held-out report per language + test-story report (test-artifacts/evaluation)
	scripts/evaluate.sh

lint:
	.venv/bin/ruff check .

clean:          ## remove environments, local state and models (keeps .env)
	rm -rf .venv .venv-rasa var .cache test-artifacts models/*.tar.gz
