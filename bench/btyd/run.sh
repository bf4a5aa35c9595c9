#!/bin/sh
# Times aftercare's BG/NBD and Gamma-Gamma fits (CDNOW sample and 1,000,000
# simulated customers) and the package benchmarks. lifetimes is not installed,
# so only absolute times are reported. Run from anywhere inside the repository.
set -e
cd "$(dirname "$0")/../.."
go run ./bench/btyd "$@"
go test -run '^$' -bench 'FitBGCDNOW|FitGGCDNOW|ConditionalExpected|CLV' -benchmem ./steps/bayes/btyd/
