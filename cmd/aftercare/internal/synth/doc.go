// Package synth generates synthetic customer data with known latent
// structure for aftercare's examples, tests and benchmarks (the
// `aftercare generate` command).
//
// Two scenarios are available:
//
//   - [Transactions]: a purchase log drawn from the BG/NBD model of Fader,
//     Hardie & Lee (2005) with Gamma-Gamma spend (Fader, Hardie & Lee 2005,
//     "RFM and CLV"), with stated parameters, plus an optional table of each
//     customer's latent truth (transaction rate, dropout probability, spend
//     scale, alive at the end) so that fitted models can be checked against
//     the values that generated the data.
//   - [Support]: orders, support tickets and a customer table drawn from a
//     few latent customer types (loyal high-value, bargain one-timers,
//     struggling new customers, lapsing regulars, serial returners), so that
//     clustering has a ground truth in the customers table.
//
// # Streaming and determinism
//
// Each table is a [Generator]: a schema and a Scan function that streams
// Arrow record batches. Customers are simulated in fixed blocks of 8,192;
// each block draws from its own PCG generator (math/rand/v2) seeded from
// (seed, table stream, block index), blocks are simulated in parallel by
// GOMAXPROCS workers and emitted strictly in block order, with at most a
// few blocks in flight. Memory therefore depends on the block size, not on
// the number of customers or transactions, and the same options give the
// same batches, byte for byte, whatever GOMAXPROCS is. The block size is
// part of the output: changing it would change the data for a given seed.
//
// Within a table, rows are grouped by customer in customer-id order, and a
// customer's rows are in time order. Order and ticket ids are numbered in
// row order.
//
// # Units
//
// All simulation times are in days and all rates are per day. The BG/NBD
// literature usually quotes CDNOW estimates in weeks (alpha = 4.414 weeks);
// a weekly rate λ_w ~ Gamma(r, rate α_w) is a daily rate λ_d = λ_w/7 ~
// Gamma(r, rate 7 α_w), so r is unchanged and alpha in days is 7 times the
// weekly value (see [CDNOWParams]). Timestamps are whole seconds after the
// start of the scenario, in UTC, as Arrow timestamp[us, UTC]. Amounts are
// in currency units rounded to cents.
//
// Column types are aftercare's canonical ones (int64, float64, string,
// bool, date32, timestamp[us, UTC]); see workflow/types.go.
package synth
