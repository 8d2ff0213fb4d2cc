// Package notify sends partners their lifecycle emails (issue 13): a
// welcome with their referral link on enrolment, their first referred
// signup, each statement that becomes payable, and milestones of paying
// customers (the 1st, 10th and 100th). It turns one event into at most one
// email, once: a mark written with a conditional put before sending makes
// a redelivered event send nothing twice. No email goes to a suspended
// partner, to an address on the suppression list, or of a kind the partner
// turned off; each carries unsubscribe links (package unsubscribe) for its
// kind and for all kinds, and never names a customer.
package notify
