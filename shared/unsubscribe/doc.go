// Package unsubscribe is the unsubscribe link of invite emails, GET and
// POST /u/{token} (contract section 6, RFC 8058): GET shows a small page
// whose form POSTs; a POST, from that form or a mail client's one-click
// List-Unsubscribe-Post, stops every invite to the address, by any partner.
// Tokens are signed and name the address only by its hash. The same route
// serves the links of partner lifecycle emails, whose tokens (another
// purpose) name a partner and a kind of email: a POST turns that kind, or
// every kind, off in the partner's notification preferences.
package unsubscribe
