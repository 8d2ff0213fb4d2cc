// Package referral holds the pure rules of referral links: code format and
// generation, reserved words, which requests count as clicks, where a link
// may redirect to, the signed first-touch cookie and the signed token of
// invite links. It does no I/O.
package referral
