// Package partner holds what a partner is (contract section 6): its
// profile, its statuses and what the referral link needs to know about its
// code. It is pure; the store keeps profiles and the handlers serve them.
package partner
