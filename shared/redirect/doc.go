// Package redirect is the referral link, GET and HEAD /r/{code}: it counts
// the click, records the visitor's first touch, sets the signed pk_ref
// cookie and sends the browser to the landing page (contract section 3).
// A valid ?inv= token of an invite email counts the click for the inviting
// partner.
package redirect
