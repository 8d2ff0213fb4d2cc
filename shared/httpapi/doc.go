// Package httpapi holds what every HTTP API (API Gateway v2) handler of
// partnerkit shares: the error type with its codes, the one table that maps
// codes to HTTP statuses, JSON responses and the caller's JWT claims.
package httpapi
