# EDA Workshop: build, run and test.
#
#   make run     install what is missing, build, and open the app on the Local target
#   make test    install what the tests need and run every test
#   make bench   run the benchmarks (not part of the tests; see BENCHMARKS.md)

SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/eda-workshop
export PATH := $(CACHE)/bin:$(HOME)/.cargo/bin:$(PATH)
DESKTOP := eda-workshop-desktop
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)

.PHONY: run setup setup-test ui desktop test test-format test-lint test-rust test-ui \
	test-window test-peers bundle bench setup-bench

run: setup ui
	cargo build -p $(DESKTOP) -p eda-workshop
	$(TARGET_DIR)/debug/$(DESKTOP)

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

# The shell embeds the built front end, so it is built before any cargo build of the workspace.
ui:
	cd ui && npm run build

desktop: ui
	cargo build -p $(DESKTOP)

test: setup-test ui test-format test-lint test-rust test-ui test-window test-peers

test-format:
	cargo fmt --all --check

test-lint: ui
	cargo clippy --workspace --all-targets -- -D warnings

# The peer tests inside `cargo test` fail, not skip, when setup-test did not make their
# Python environment.
test-rust: ui
	EDA_PEERS_REQUIRED=1 cargo test --workspace

test-ui:
	cd ui && npm run check && npm test

# The real window under Xvfb: the smoke test, the whole course end to end with axe checks of
# every page, the keyboard alone, Apply's progress with the data lake and Teardown, and the
# presenter view.
test-window: desktop
	tests/window/smoke.sh --app $(TARGET_DIR)/debug/$(DESKTOP)
	tests/window/workshop.sh --app $(TARGET_DIR)/debug/$(DESKTOP)
	tests/window/keyboard.sh --app $(TARGET_DIR)/debug/$(DESKTOP)
	tests/window/teardown_lake.sh --app $(TARGET_DIR)/debug/$(DESKTOP)
	tests/window/presenter.sh --app $(TARGET_DIR)/debug/$(DESKTOP)

# Microsoft's Python and Node Event Hubs SDKs and fastavro against the local broker, over plain
# AMQP and over TLS. The Rust peer tests (Python schema registry SDK, azeventhubs) run inside
# `cargo test`.
test-peers:
	cargo build -p broker --example serve
	.venv/bin/python -m pytest -q tests/peers/broker
	EDA_BROKER_SERVE=$(TARGET_DIR)/debug/examples/serve npm --prefix tests/peers/node test

# The Debian package of the desktop app, built from the release profile. The Tauri CLI runs
# from the repository root, where it finds src-tauri.
bundle: setup ui
	cargo build --release -p $(DESKTOP)
	ui/node_modules/.bin/tauri bundle --bundles deb

# Every benchmark, each side by side with its peer; results go to BENCHMARKS.md by hand.
bench: setup-bench ui
	cargo build --release -p bench -p $(DESKTOP)
	$(TARGET_DIR)/release/bench
	$(TARGET_DIR)/release/bench flow
	tests/window/measure.sh --app $(TARGET_DIR)/release/$(DESKTOP) \
		--json tests/artifacts/measure/desktop.json
	cargo bench -p broker --bench event_log
	cargo bench -p registry --bench throughput
	cargo bench -p control --bench apply

setup-bench:
	scripts/setup.sh bench
