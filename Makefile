# The two commands of README.md. Each checks for what it needs first.
#   make reports   – run the analyses and write reports/ (HTML + CSV)
#   make test      – the whole test suite (what CI runs)
CARGO ?= cargo

.PHONY: reports test bench check-rust clean

check-rust:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

reports: check-rust
	$(CARGO) run --release --example teacher_training

test: check-rust
	$(CARGO) test --all-targets
	$(CARGO) test --doc

bench: check-rust
	$(CARGO) bench

clean:
	rm -rf reports
