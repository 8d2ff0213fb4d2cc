// Package redirect is the referral link, GET and HEAD /r/{code}, and a
// partner's promo links, /r/{code}/{slug}: it counts the click (and a
// unique click, once per visitor, link and hour), records the visitor's
// first touch with its link and sub-id, sets the signed pk_ref cookie and
// sends the browser to the landing page or the link's target (contract
// section 3). A valid ?inv= token of an invite email counts the click for
// the inviting partner.
package redirect
