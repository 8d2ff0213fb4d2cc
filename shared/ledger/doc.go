// Package ledger holds partnerkit's money rules (contract section 5): ISO
// 4217 currencies and their minor units, commissions in basis points
// rounded half up once per line, cumulative refund reversals that never
// drift, billing periods, and statements summed from append-only lines.
// Amounts are integers in minor units; nothing here does I/O.
package ledger
