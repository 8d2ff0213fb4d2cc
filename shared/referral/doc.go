// Package referral holds the pure rules of referral links: code format and
// generation, reserved words, which requests count as clicks, where a link
// may redirect to, and the signed first-touch cookie. It does no I/O.
package referral
