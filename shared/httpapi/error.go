package httpapi

import (
	"net/http"

	"partnerkit/shared/fault"
)

// Error codes of the public contract, as package fault defines them; the
// names stay here so handlers read as before. Each maps to one HTTP status
// in statusByCode.
const (
	CodeInvalidRequest   = fault.CodeInvalidRequest
	CodeInvalidSignature = fault.CodeInvalidSignature
	CodeForbidden        = fault.CodeForbidden
	CodeNotFound         = fault.CodeNotFound
	CodeConflict         = fault.CodeConflict
	CodePayloadTooLarge  = fault.CodePayloadTooLarge
	CodeRateLimited      = fault.CodeRateLimited
	CodeInternal         = fault.CodeInternal
	CodeUnavailable      = fault.CodeUnavailable
)

var statusByCode = map[string]int{
	CodeInvalidRequest:   http.StatusBadRequest,
	CodeInvalidSignature: http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeConflict:         http.StatusConflict,
	CodePayloadTooLarge:  http.StatusRequestEntityTooLarge,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeInternal:         http.StatusInternalServerError,
	CodeUnavailable:      http.StatusServiceUnavailable,
}

// Error is fault.Error, the error type meant for the API caller.
type Error = fault.Error

// Errorf returns a *fault.Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return fault.Errorf(code, format, args...)
}

// ErrorCode returns the code of err if it is (or wraps) a *fault.Error,
// else CodeInternal.
func ErrorCode(err error) string { return fault.ErrorCode(err) }

// Status returns the HTTP status of an error code; unknown codes are 500.
func Status(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
