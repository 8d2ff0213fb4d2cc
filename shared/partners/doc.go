// Package partners is the partner API of contract section 6: enrollment
// (POST /partners), profiles with stats (GET /partners/{id|me}) and
// suspension by an admin (PATCH /partners/{id}).
package partners
