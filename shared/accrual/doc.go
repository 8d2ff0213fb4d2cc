// Package accrual is the monthly run (contract section 5): it closes a
// period, turning every ledger line not yet in a statement into one
// statement per partner and currency, with balances carried forward.
//
// The run is safe to repeat and to interrupt. Closing first fences the
// period, so no new line joins it; statements are derived only from the
// period's lines and the previous period's carried balances, and written
// with plain puts; each shard of partners is marked done when written, so
// a restarted run (or the next invocation of a split one) skips it.
package accrual
