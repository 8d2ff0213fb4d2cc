// Package partners is the partner API of contract section 6: enrollment
// (POST /partners), profiles with stats (GET /partners/{id|me}) and
// suspension by an admin (PATCH /partners/{id}), and the routes of the
// Partner Center: promo links with their numbers (/partners/{id}/links)
// and the program's numbers for admins (GET /program/numbers), and the
// program's settings for admins (GET and PUT /program, their history,
// GET /program/versions, and a dry run of proposed settings on last
// month's payments, POST /program/preview).
package partners
