# The two commands of README.md. Each installs what it needs first.
#   make reports   – run the analyses and write reports/ (HTML + CSV)
#   make test      – the whole test suite (what CI runs)
# and: make bench (Hessian benchmark), make peer (side-by-side with JAX; needs ../peer-venv, see benches/).
CARGO ?= cargo

.PHONY: reports test bench peer check-rust clean

check-rust:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

EXAMPLES = spectrum_at_zero condition_vs_depth training_dynamics hessian_along_training escape depth_scale

reports: check-rust
	$(CARGO) build --release --examples
	for e in $(EXAMPLES); do $(CARGO) run --release --quiet --example $$e > /dev/null || exit 1; done

# With the system OpenBLAS the LAPACK eigensolver is tested too; without it (no root, no sudo) the faer path is.
test: check-rust
	@if scripts/ensure-openblas.sh; then features="--features lapack"; \
	else echo "warning: system OpenBLAS unavailable: testing without the lapack feature" >&2; features=""; fi; \
	set -e; \
	$(CARGO) test --all-targets $$features; \
	$(CARGO) test --test hessian; \
	$(CARGO) test --doc

bench: check-rust
	scripts/ensure-openblas.sh
	$(CARGO) bench --features lapack --bench hessian

peer: check-rust
	benches/peer_compare.sh

clean:
	rm -rf reports
