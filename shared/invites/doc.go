// Package invites is invite-a-friend, POST /partners/{id}/invites
// (contract section 6): a partner emails up to 25 addresses at once
// through SES v2, each answered with one status. The first invite to an
// address is its invite touch, kept by hash; later invites to it, by
// anyone, are not sent; unsubscribed addresses are never emailed; each
// partner sends at most INVITES_PER_DAY invites per UTC day.
//
// Order of writes, per address: claim a quota slot (one conditional
// increment per request), claim the invite touch (a conditional put: of
// two partners inviting one address at the same moment, exactly one wins),
// send, and when SES refuses, delete that touch and give the slot back, so
// a failed send leaves nothing kept. Claiming before sending is what makes
// "one wins" hold; the price is a short window, only when SES refuses,
// in which another partner's invite to the same address is answered
// already_referred although no invite ends up sent.
package invites
