// Package fault holds partnerkit's one error type for callers: an error
// with a code of the public contract (invalid_request, conflict, …) and a
// sentence safe to show. Domain packages and decoders return it without
// knowing about HTTP; httpapi maps each code to its status in one table.
package fault
